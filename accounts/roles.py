"""Who may do what: the election officials' role.

Officials are members of one group (``STACKVOTE_OFFICIALS_GROUP``, accounts/conf.py). The group
holds every model permission of the apps that run elections, so the Django admin is their panel;
finer rules (for example, an official who stands as a candidate may not act on that contest)
are checked where the action happens.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Q, QuerySet

from accounts import conf

# The project's own packages: every app installed from them is run by officials, so the
# officials' group covers new apps without a list to keep up to date. The scheduler's periodic
# tasks (django_celery_beat) are not among them: what runs when is the operators' business,
# and an official who could disable the election scheduler could stall a contest they stand in.
PROJECT_PACKAGES: tuple[str, ...] = ("audit", "accounts", "elections")
# Apps whose rows only actions write: officials may look, never add, change or delete.
VIEW_ONLY_APPS: frozenset[str] = frozenset({"audit", "voting", "results"})
# Officials see accounts (to add voters by hand) but never delete people or create accounts.
_WITHHELD_CODENAMES: frozenset[str] = frozenset({"delete_user", "add_user"})


def official_app_labels() -> tuple[str, ...]:
    """Labels of the installed apps officials administer (those of the project's packages)."""
    return tuple(
        config.label
        for config in django_apps.get_app_configs()
        if config.name.split(".")[0] in PROJECT_PACKAGES
    )


def ensure_official_group(*, using: str = "default") -> Group:
    """Create or refresh the officials' group with the permissions the role needs."""
    group, _ = Group.objects.using(using).get_or_create(name=conf.officials_group())
    permissions = (
        Permission.objects.using(using)
        .filter(content_type__app_label__in=official_app_labels())
        .exclude(codename__in=_WITHHELD_CODENAMES)
        .exclude(Q(content_type__app_label__in=VIEW_ONLY_APPS) & ~Q(codename__startswith="view_"))
    )
    group.permissions.set(permissions)
    return group


# Set on a user loaded for a request by ``accounts.backends`` (one query with the user's row):
# whether they were in the officials' group when this request began.
OFFICIAL_AT_LOAD = "stackvote_official_at_load"


def is_official(user: object) -> bool:
    """True for signed-in members of the officials' group (and superusers).

    For the signed-in user of a request, membership is as read with the user at the start of
    the request (the same moment the session was checked); for any other user, read now."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    loaded = getattr(user, OFFICIAL_AT_LOAD, None)
    if loaded is not None:
        return bool(loaded)
    return user.groups.filter(name=conf.officials_group()).exists()  # type: ignore[attr-defined]


def officials_queryset() -> QuerySet[Any]:
    """Everyone who may be named an election's official: the officials' group and superusers."""
    return (
        get_user_model()
        .objects.filter(Q(groups__name=conf.officials_group()) | Q(is_superuser=True))
        .distinct()
        .order_by("full_name", "email")
    )
