"""Misconfigured eligibility settings fail at start-up with a system check id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from accounts import conf
from accounts.checks import eligibility_settings_check


def test_default_settings_pass_and_default_window_is_the_real_timeframe() -> None:
    assert eligibility_settings_check() == []
    window = conf.eligibility_window()
    assert (window.start, window.end) == (
        datetime(2025, 9, 12, tzinfo=UTC),
        datetime(2026, 8, 19, tzinfo=UTC),
    )


def test_window_in_the_wrong_order_is_refused(settings: Any) -> None:
    settings.STACKVOTE_ELIGIBILITY_START = "2026-08-19"
    settings.STACKVOTE_ELIGIBILITY_END = "2025-09-12"
    assert [e.id for e in eligibility_settings_check()] == ["accounts.E001"]


def test_unreadable_dates_bots_and_sizes_are_refused(settings: Any) -> None:
    settings.STACKVOTE_ELIGIBILITY_START = "next spring"
    settings.STACKVOTE_GIT_BASE = " "
    settings.STACKVOTE_BOT_EMAILS = "zuul@openstack.org"
    settings.STACKVOTE_INGEST_BATCH_SIZE = 0
    settings.STACKVOTE_MIN_CONTRIBUTIONS = "none"
    ids = [e.id for e in eligibility_settings_check()]
    assert ids == [
        "accounts.E001",
        "accounts.E002",
        "accounts.E003",
        "accounts.E004",
        "accounts.E005",
    ]
