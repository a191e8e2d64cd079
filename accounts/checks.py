"""System checks for the eligibility settings (ids ``accounts.E00x``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from accounts import conf


@register()
def eligibility_settings_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    try:
        conf.eligibility_window()
    except (TypeError, ValueError) as error:
        errors.append(
            Error(
                "STACKVOTE_ELIGIBILITY_START and STACKVOTE_ELIGIBILITY_END must be dates "
                f"(YYYY-MM-DD) with the start before the end: {error}",
                id="accounts.E001",
            )
        )
    if not conf.git_base().strip():
        errors.append(Error("STACKVOTE_GIT_BASE must name a directory or URL.", id="accounts.E002"))
    bots = getattr(settings, "STACKVOTE_BOT_EMAILS", ())
    if isinstance(bots, str) or not all(isinstance(b, str) for b in bots):
        errors.append(
            Error("STACKVOTE_BOT_EMAILS must be a list of e-mail addresses.", id="accounts.E003")
        )
    # Ids are fixed by name: silencing one keeps meaning the same setting.
    for check_id, name, reader in (
        ("accounts.E004", "STACKVOTE_INGEST_BATCH_SIZE", conf.ingest_batch_size),
        ("accounts.E005", "STACKVOTE_MIN_CONTRIBUTIONS", conf.min_contributions),
    ):
        try:
            value = reader()
        except (TypeError, ValueError):
            value = 0
        if value < 1:
            errors.append(Error(f"{name} must be a positive number.", id=check_id))
    return errors
