"""Settings of the results app, with their defaults (django-allauth ``app_settings`` style).

Each value can be set in ``config/settings.py`` (from the environment); ``checks.py`` refuses a
misconfigured value at start-up.
"""

from __future__ import annotations

from django.conf import settings


def tally_chunk_size() -> int:
    """Ballots per chunk: a contest with more ballots than this is counted by a chord of
    ``results.pairwise_chunk`` tasks whose partial pairwise matrices are added up."""
    return int(getattr(settings, "STACKVOTE_TALLY_CHUNK_SIZE", 200_000))


def tally_lock_seconds() -> int:
    """How long one worker holds the tally lock of a contest before another may take it over
    (longer than the slowest tally; a worker that dies releases it when it expires)."""
    return int(getattr(settings, "STACKVOTE_TALLY_LOCK_SECONDS", 600))


def results_auto_publish() -> bool:
    """Publish a result as soon as it is tallied instead of waiting for an official."""
    return bool(getattr(settings, "STACKVOTE_RESULTS_AUTO_PUBLISH", False))
