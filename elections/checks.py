"""System checks for the elections settings (ids ``elections.E00x``): a misconfigured calendar
or mail setting stops start-up with a message instead of failing mid-election."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from elections import conf

# A guessable token would hand the deployment's inner state to anyone who tries a few.
HEALTH_TOKEN_MIN_LENGTH = 32


# (check id, setting, its value, smallest allowed value, why). Ids are fixed by name, never by
# position, so that silencing one (SILENCED_SYSTEM_CHECKS) keeps meaning the same setting.
def _integer_settings() -> tuple[tuple[str, str, Any, int, str], ...]:
    return (
        ("elections.E001", "STACKVOTE_MIN_PHASE_DAYS", conf.min_phase_days(), 1,
         "days of nominations and of polling at the least"),
        ("elections.E002", "STACKVOTE_REMINDER_DAYS", conf.reminder_days(), 0,
         "days before the close for the polling reminder"),
        ("elections.E003", "STACKVOTE_MAIL_BATCH_SIZE", conf.mail_batch_size(), 1,
         "e-mails sent per task"),
        ("elections.E004", "STACKVOTE_MAIL_MAX_RETRIES", conf.mail_max_retries(), 0,
         "retries of a failed batch of e-mails"),
        ("elections.E005", "STACKVOTE_SCHEDULER_INTERVAL", conf.scheduler_interval(), 1,
         "seconds between scheduler runs"),
        ("elections.E008", "STACKVOTE_NOTICE_GRACE_DAYS", conf.notice_grace_days(), 1,
         "days a notice may go after its moment"),
        ("elections.E009", "STACKVOTE_SEASON_NOTICE_DAYS", conf.season_notice_days(), 1,
         "days before nominations open for the election season notice"),
        ("elections.E010", "STACKVOTE_POLLING_LAST_DAYS", conf.polling_last_days(), 1,
         "days before polling closes for the last days announcement"),
    )  # fmt: skip


@register()
def elections_settings_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    for check_id, name, value, minimum, meaning in _integer_settings():
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            errors.append(
                Error(
                    f"{name} ({meaning}) must be a whole number of at least {minimum}; "
                    f"it is {value!r}.",
                    id=check_id,
                )
            )
    site_url = conf.site_url()
    if not site_url.startswith(("http://", "https://")):
        errors.append(
            Error(
                "STACKVOTE_SITE_URL must be the site's absolute address (http:// or https://), "
                f"used in e-mail links; it is {site_url!r}.",
                id="elections.E006",
            )
        )
    token = conf.health_token()
    if token and len(token) < HEALTH_TOKEN_MIN_LENGTH:
        errors.append(
            Error(
                f"STACKVOTE_HEALTH_TOKEN (what monitoring sends to read /healthz in detail) must "
                f"be at least {HEALTH_TOKEN_MIN_LENGTH} characters, e.g. `openssl rand -hex 32`; "
                f"it is {len(token)}.",
                id="elections.E007",
            )
        )
    return errors
