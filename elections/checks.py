"""System checks for the elections settings (ids ``elections.E00x``): a misconfigured calendar
or mail setting stops start-up with a message instead of failing mid-election."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

# (setting, smallest allowed value, why)
_INTEGER_SETTINGS: tuple[tuple[str, int, str], ...] = (
    ("STACKVOTE_MIN_PHASE_DAYS", 1, "days of nominations and of polling at the least"),
    ("STACKVOTE_REMINDER_DAYS", 0, "days before the close for the polling reminder"),
    ("STACKVOTE_MAIL_BATCH_SIZE", 1, "e-mails sent per task"),
    ("STACKVOTE_MAIL_MAX_RETRIES", 0, "retries of a failed batch of e-mails"),
    ("STACKVOTE_SCHEDULER_INTERVAL", 1, "seconds between scheduler runs"),
)


@register()
def elections_settings_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    for number, (name, minimum, meaning) in enumerate(_INTEGER_SETTINGS, start=1):
        value = getattr(settings, name, None)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            errors.append(
                Error(
                    f"{name} ({meaning}) must be a whole number of at least {minimum}; "
                    f"it is {value!r}.",
                    id=f"elections.E00{number}",
                )
            )
    site_url = getattr(settings, "STACKVOTE_SITE_URL", "")
    if not isinstance(site_url, str) or not site_url.startswith(("http://", "https://")):
        errors.append(
            Error(
                "STACKVOTE_SITE_URL must be the site's absolute address (http:// or https://), "
                f"used in e-mail links; it is {site_url!r}.",
                id="elections.E006",
            )
        )
    schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", {})
    if not any(entry.get("task") == "elections.advance_elections" for entry in schedule.values()):
        errors.append(
            Error(
                "CELERY_BEAT_SCHEDULE has no entry for elections.advance_elections: no "
                "election would ever move by its calendar.",
                id="elections.E007",
            )
        )
    return errors
