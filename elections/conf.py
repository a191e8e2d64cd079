"""Settings of the elections app, with their defaults: the only home of those defaults
(django-allauth ``app_settings`` style). ``config/settings.py`` sets a value only when the
environment gives one; ``elections/checks.py`` refuses a misconfigured value at start-up.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from config.celery import scheduler_interval as celery_scheduler_interval


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def site_name() -> str:
    """The site's name in pages, mail and feeds (``STACKVOTE_SITE_NAME``)."""
    return str(_setting("STACKVOTE_SITE_NAME", "stackvote"))


def site_url() -> str:
    """Absolute address of the site, for links in e-mails (``STACKVOTE_SITE_URL``)."""
    return str(_setting("STACKVOTE_SITE_URL", "http://localhost:8000"))


def health_token() -> str:
    """The token monitoring sends as ``Authorization: Bearer <token>`` to read every part of
    ``/healthz`` (``STACKVOTE_HEALTH_TOKEN``); empty: only signed-in officials read them."""
    return str(_setting("STACKVOTE_HEALTH_TOKEN", ""))


def min_phase_days() -> Any:
    """Shortest nominations and polling phases, in days (``STACKVOTE_MIN_PHASE_DAYS``)."""
    return _setting("STACKVOTE_MIN_PHASE_DAYS", 14)


def reminder_days() -> Any:
    """Days before polling closes when non-voters get one reminder (``STACKVOTE_REMINDER_DAYS``)."""
    return _setting("STACKVOTE_REMINDER_DAYS", 3)


def notice_grace_days() -> Any:
    """Days after its moment a notice of the calendar may still go: the scheduler records one
    found later as missed, not sent (``STACKVOTE_NOTICE_GRACE_DAYS``)."""
    return _setting("STACKVOTE_NOTICE_GRACE_DAYS", 2)


def season_notice_days() -> Any:
    """Days before nominations open when the election season notice goes
    (``STACKVOTE_SEASON_NOTICE_DAYS``)."""
    return _setting("STACKVOTE_SEASON_NOTICE_DAYS", 14)


def polling_last_days() -> Any:
    """Days before polling closes when the announcement list is told these are the last days
    to vote (``STACKVOTE_POLLING_LAST_DAYS``)."""
    return _setting("STACKVOTE_POLLING_LAST_DAYS", 3)


def mail_batch_size() -> Any:
    """E-mails sent per task, over one SMTP connection (``STACKVOTE_MAIL_BATCH_SIZE``)."""
    return _setting("STACKVOTE_MAIL_BATCH_SIZE", 100)


def mail_max_retries() -> Any:
    """Retries of a batch of e-mails that failed (``STACKVOTE_MAIL_MAX_RETRIES``)."""
    return _setting("STACKVOTE_MAIL_MAX_RETRIES", 5)


# Seconds between the scheduler's runs (STACKVOTE_SCHEDULER_INTERVAL): its default lives with
# the schedule it sets, in config/celery.py.
scheduler_interval = celery_scheduler_interval
