"""Misconfigured election settings stop start-up with a system check."""

from __future__ import annotations

from typing import Any

import pytest

from elections.checks import elections_settings_check


def test_the_default_settings_pass() -> None:
    assert elections_settings_check() == []


@pytest.mark.parametrize(
    ("name", "value", "check_id"),
    [
        ("STACKVOTE_MIN_PHASE_DAYS", 0, "elections.E001"),
        ("STACKVOTE_REMINDER_DAYS", -1, "elections.E002"),
        ("STACKVOTE_MAIL_BATCH_SIZE", "100", "elections.E003"),
        ("STACKVOTE_SITE_URL", "example.org", "elections.E006"),
        ("STACKVOTE_MAIL_MAX_RETRIES", -2, "elections.E004"),
        ("STACKVOTE_SCHEDULER_INTERVAL", 0, "elections.E005"),
        ("STACKVOTE_POLLING_LAST_DAYS", 0, "elections.E010"),
        ("STACKVOTE_POLLING_LAST_DAYS", "3", "elections.E010"),
    ],
)
def test_a_bad_setting_is_reported_with_its_id(
    settings: Any, name: str, value: Any, check_id: str
) -> None:
    setattr(settings, name, value)
    assert [error.id for error in elections_settings_check()] == [check_id]
