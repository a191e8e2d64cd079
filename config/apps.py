from django.contrib.admin.apps import AdminConfig


class OfficialsAdminConfig(AdminConfig):
    """Django's admin, served by the officials' panel site (config/admin_site.py)."""

    default_site = "config.admin_site.OfficialsAdminSite"
