"""Authentication backends: Django's and allauth's, loading the signed-in user more cheaply.

Every signed-in request loads its user from the session's user id. Django's backends do it
with ``Manager.get()``, which spends longer building its query than the database spends
answering it; on a cast, the busiest request there is, that was a tenth of the work. These
backends load the same row with one plain query and check it the same way, and read with it
whether the account is an official's (``accounts.roles.is_official`` then asks no more).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.conf import officials_group
from accounts.roles import OFFICIAL_AT_LOAD


@cache
def _user_by_id_sql() -> str:
    """The user's row, and whether they are in the officials' group (``OFFICIAL_AT_LOAD``):
    ``SecondFactorMiddleware`` asks it on every signed-in request, and a second query for it
    cost as much as loading the user."""
    user_model = get_user_model()
    quote = connection.ops.quote_name
    user_table = quote(user_model._meta.db_table)
    columns = ", ".join(f"u.{quote(field.column)}" for field in user_model._meta.concrete_fields)
    membership = user_model._meta.get_field("groups").remote_field.through._meta
    group = Group._meta
    member_user = quote(membership.get_field("user").column)
    member_group = quote(membership.get_field("group").column)
    return (
        f"SELECT {columns}, EXISTS (SELECT 1 FROM {quote(membership.db_table)} m "  # noqa: S608
        f"JOIN {quote(group.db_table)} g ON g.{quote(group.pk.column)} = m.{member_group} "
        f"WHERE m.{member_user} = u.{quote(user_model._meta.pk.column)} "
        f"AND g.{quote(group.get_field('name').column)} = %s) AS {OFFICIAL_AT_LOAD} "
        f"FROM {user_table} u WHERE u.{quote(user_model._meta.pk.column)} = %s"
    )


def user_by_id(user_id: Any) -> Any | None:
    """The account whose primary key is ``user_id`` (as a session holds it), or None."""
    user_model = get_user_model()
    try:
        pk = user_model._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    if not isinstance(pk, int) or not 0 < pk < 2**63:  # SQLite would not even take it
        return None
    users = list(user_model._default_manager.raw(_user_by_id_sql(), [officials_group(), pk]))
    if not users:
        return None
    user = users[0]
    # SQLite answers EXISTS with 0 or 1.
    setattr(user, OFFICIAL_AT_LOAD, bool(getattr(user, OFFICIAL_AT_LOAD)))
    return user


class _CheapGetUser:
    def get_user(self, user_id: Any) -> Any | None:
        user = user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class ModelBackend(_CheapGetUser, DjangoModelBackend):
    """Django's ``ModelBackend`` (password sign-in, permissions)."""


class AuthenticationBackend(_CheapGetUser, AllauthBackend):
    """allauth's backend (sign-in by e-mail address)."""
