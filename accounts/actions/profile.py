"""A person's own details: the name shown on ballots, candidacies and results."""

from __future__ import annotations

from accounts.models import User


def user_name_set(*, user: User, full_name: str) -> User:
    """Set the name ``user`` is shown by (trimmed, inner whitespace collapsed).

    Not audited: a name is how a person is shown, not who may vote or what was counted.
    """
    cleaned = " ".join(full_name.split())
    if cleaned != user.full_name:
        user.full_name = cleaned
        user.save(update_fields=["full_name"])
    return user
