"""System checks of the voting app (ids ``voting.W00x``); run by ``manage.py check --database
default`` (they read the database). Warnings, not errors: a lost key must not stop ``migrate``
or the workers, which other contests need."""

from __future__ import annotations

from typing import Any

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError

from elections.voting import conf, selectors


@register(Tags.database)
def ballot_keys_check(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[Warning]:
    if not databases:
        return []  # asked for without the database (Django's convention)
    try:
        missing = selectors.ballot_boxes_without_key()
    except DatabaseError:
        return []  # not migrated yet: no box can be open
    if not missing:
        return []
    return [
        Warning(
            f"The ballot boxes of contests {', '.join(map(str, missing))} have no key (or "
            f"another key) in {conf.ballot_key_dir()}: their ballots can be neither changed "
            "nor sealed.",
            hint="Point STACKVOTE_BALLOT_KEY_DIR at the directory the other processes use, or "
            'restore it (docs/operations.md, "Ballot box keys").',
            id="voting.W001",
        )
    ]
