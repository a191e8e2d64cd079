"""Who may do what: the election officials' role.

Officials are members of one group (``settings.STACKVOTE_OFFICIALS_GROUP``). The group holds
every model permission of the apps that run elections, so the Django admin is their panel;
finer rules (for example, an official who stands as a candidate may not act on that contest)
are checked where the action happens.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, Permission

# Apps whose models officials administer from the admin panel. The scheduler's periodic tasks
# (django_celery_beat) are not among them: what runs when is the operators' business, and an
# official who could disable the election scheduler could stall a contest they stand in.
OFFICIAL_APPS: tuple[str, ...] = ("audit", "accounts", "elections")
# Officials see accounts (to add voters by hand) but never delete people or change passwords.
_WITHHELD_CODENAMES: frozenset[str] = frozenset({"delete_user", "add_user"})


def ensure_official_group(*, using: str = "default") -> Group:
    """Create or refresh the officials' group with the permissions the role needs."""
    group, _ = Group.objects.using(using).get_or_create(name=settings.STACKVOTE_OFFICIALS_GROUP)
    permissions = (
        Permission.objects.using(using)
        .filter(content_type__app_label__in=OFFICIAL_APPS)
        .exclude(codename__in=_WITHHELD_CODENAMES)
    )
    group.permissions.set(permissions)
    return group


def is_official(user: object) -> bool:
    """True for signed-in members of the officials' group (and superusers)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return user.groups.filter(name=settings.STACKVOTE_OFFICIALS_GROUP).exists()  # type: ignore[attr-defined]
