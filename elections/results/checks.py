"""System checks for the results settings (ids ``results.E00x``)."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from elections.results import conf


@register()
def results_settings_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    try:
        chunk_size = conf.tally_chunk_size()
    except (TypeError, ValueError):
        chunk_size = 0
    if chunk_size < 1:
        errors.append(
            Error(
                "STACKVOTE_TALLY_CHUNK_SIZE must be a positive number of ballots.",
                id="results.E001",
            )
        )
    try:
        lock_seconds = conf.tally_lock_seconds()
    except (TypeError, ValueError):
        lock_seconds = 0
    if lock_seconds < 1:
        errors.append(
            Error(
                "STACKVOTE_TALLY_LOCK_SECONDS must be a positive number of seconds.",
                id="results.E002",
            )
        )
    return errors
