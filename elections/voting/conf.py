"""Settings of the voting app, with their defaults (django-allauth ``app_settings`` style).

Each value can be set in ``config/settings.py`` (from the environment).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def ballot_key_dir() -> Path:
    """Where the contest keys of open ballot boxes live while polling is open
    (``STACKVOTE_BALLOT_KEY_DIR``): one file per contest, destroyed at the seal. Every web
    and worker process of the site must see the same directory; never on the database's host,
    never in the database's backups (docs/operations.md)."""
    default = Path(settings.BASE_DIR) / "var" / "ballot-keys"
    return Path(getattr(settings, "STACKVOTE_BALLOT_KEY_DIR", default))
