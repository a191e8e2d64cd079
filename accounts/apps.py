from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and eligibility"

    def ready(self) -> None:
        # Permissions exist only after migrate; re-grant them after every migrate so the
        # officials' group always covers the models of the apps it administers.
        post_migrate.connect(_sync_roles, dispatch_uid="accounts.sync_roles")
        from accounts import checks  # noqa: F401 - registers the eligibility system checks


def _sync_roles(sender: AppConfig, **kwargs: object) -> None:
    # Imported when called: roles import the auth models, which apps.py may not at load time.
    from accounts.roles import ensure_official_group, official_app_labels

    if sender.label in official_app_labels():
        ensure_official_group(using=str(kwargs.get("using", "default")))
