"""Settings of eligibility, with their defaults (django-allauth ``app_settings`` style).

Each value can be set in ``config/settings.py`` (from the environment); ``accounts/checks.py``
refuses a misconfigured value at start-up (ids ``accounts.E00x``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from django.conf import settings

from accounts.commitlog import normalise_email
from accounts.electorate import Window

# The real OpenStack election's contribution ``timeframe`` (openstack/election
# configuration.yaml, 2027.1 elections): 2025-09-12T00:00 to 2026-08-19T00:00 UTC.
DEFAULT_ELIGIBILITY_START = datetime(2025, 9, 12, tzinfo=UTC)
DEFAULT_ELIGIBILITY_END = datetime(2026, 8, 19, tzinfo=UTC)
# Identities of CI and proposal bots whose commits and votes never make anyone a voter.
DEFAULT_BOT_EMAILS = (
    "zuul@openstack.org",
    "openstack-infra@lists.openstack.org",
    "infra-root@openstack.org",
)


def as_utc_datetime(value: date | datetime | str) -> datetime:
    """A window boundary: a date is 00:00 UTC on that day; a naive datetime is read as UTC."""
    if isinstance(value, str):
        text = value.strip()
        value = (
            datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
        )
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise TypeError(f"not a date: {value!r}")


def eligibility_window() -> Window:
    """The qualifying window used when none is given: ``STACKVOTE_ELIGIBILITY_START`` and
    ``STACKVOTE_ELIGIBILITY_END`` (dates or ISO strings; start inclusive, end exclusive)."""
    start = getattr(settings, "STACKVOTE_ELIGIBILITY_START", DEFAULT_ELIGIBILITY_START)
    end = getattr(settings, "STACKVOTE_ELIGIBILITY_END", DEFAULT_ELIGIBILITY_END)
    return Window(as_utc_datetime(start), as_utc_datetime(end))


def git_base() -> str:
    """Where ``<namespace>/<name>`` repositories are found: a directory or a URL prefix."""
    return str(getattr(settings, "STACKVOTE_GIT_BASE", "https://opendev.org"))


def git_bases() -> tuple[str, ...]:
    """The bases an official may ingest commits from: ``STACKVOTE_GIT_BASE`` and the extra
    ones the operator allows (``STACKVOTE_GIT_BASES``, comma-separated). Nothing else: a
    base is where a repository's name is trusted to mean that repository."""
    extra = getattr(settings, "STACKVOTE_GIT_BASES", ())
    if isinstance(extra, str):
        extra = [part for part in extra.split(",")]
    bases = [git_base(), *(str(base).strip() for base in extra)]
    return tuple(dict.fromkeys(base for base in bases if base))


def import_dirs() -> tuple[Path, ...]:
    """The directories an official may import governance files and Gerrit exports from
    (``STACKVOTE_IMPORT_DIRS``, comma-separated; default ``var/imports`` in the checkout).
    The operator puts the files there; the officials' panel names files inside them only."""
    default = [Path(settings.BASE_DIR) / "var" / "imports"]
    dirs = getattr(settings, "STACKVOTE_IMPORT_DIRS", default)
    if isinstance(dirs, str):
        dirs = [part for part in dirs.split(",") if part.strip()]
    return tuple(Path(str(directory).strip()) for directory in dirs)


def git_cache_dir() -> Path:
    """Where repositories fetched from a URL base are kept (bare clones, refreshed on ingest)."""
    default = Path(settings.BASE_DIR) / "var" / "git-cache"
    return Path(getattr(settings, "STACKVOTE_GIT_CACHE_DIR", default))


def bot_emails() -> frozenset[str]:
    """Addresses of bots (``STACKVOTE_BOT_EMAILS``): skipped at ingest, never on a roll."""
    return frozenset(
        normalise_email(e) for e in getattr(settings, "STACKVOTE_BOT_EMAILS", DEFAULT_BOT_EMAILS)
    )


def ingest_batch_size() -> int:
    """Commits per batch: parsed by the reader thread while the previous batch is written."""
    return int(getattr(settings, "STACKVOTE_INGEST_BATCH_SIZE", 10_000))


def min_contributions() -> int:
    """Contributions needed to be on a roll (OpenStack: one merged change)."""
    return int(getattr(settings, "STACKVOTE_MIN_CONTRIBUTIONS", 1))


def officials_group() -> str:
    """Name of the group whose members run elections (``STACKVOTE_OFFICIALS_GROUP``)."""
    return str(getattr(settings, "STACKVOTE_OFFICIALS_GROUP", "Election officials"))
