"""PURE: the rules of an election's calendar (standard library only).

Kept apart from the models so that the rules can be read, and checked, without Django.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class CalendarPhase:
    phase: str
    label: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime


def calendar_errors(
    *,
    minimum_days: int,
    nominations_opens_at: datetime.datetime | None,
    nominations_closes_at: datetime.datetime | None,
    polling_opens_at: datetime.datetime | None,
    polling_closes_at: datetime.datetime | None,
    window_start: datetime.date | None = None,
    window_end: datetime.date | None = None,
) -> dict[str, list[str]]:
    """Field → messages for a calendar that breaks the rules (empty when it is fine).

    Nominations and polling each last at least ``minimum_days`` days
    (``STACKVOTE_MIN_PHASE_DAYS``; OpenStack holds 14-day nominations and a 21-day poll);
    campaigning may be empty.
    """
    errors: dict[str, list[str]] = {}
    minimum = datetime.timedelta(days=minimum_days)
    stamps = {
        "nominations_opens_at": nominations_opens_at,
        "nominations_closes_at": nominations_closes_at,
        "polling_opens_at": polling_opens_at,
        "polling_closes_at": polling_closes_at,
    }
    for field, value in stamps.items():
        if value is None:
            errors.setdefault(field, []).append("This date is required.")
        elif value.tzinfo is None or value.utcoffset() is None:
            errors.setdefault(field, []).append("Give a timezone-aware date and time.")
    if errors:
        return errors
    assert nominations_opens_at and nominations_closes_at  # noqa: S101 - narrowed above
    assert polling_opens_at and polling_closes_at  # noqa: S101 - narrowed above
    if nominations_closes_at - nominations_opens_at < minimum:
        errors.setdefault("nominations_closes_at", []).append(
            f"Nominations must stay open at least {minimum.days} days."
        )
    if polling_opens_at < nominations_closes_at:
        errors.setdefault("polling_opens_at", []).append(
            "Polling cannot open before nominations close."
        )
    if polling_closes_at - polling_opens_at < minimum:
        errors.setdefault("polling_closes_at", []).append(
            f"Polling must stay open at least {minimum.days} days."
        )
    if window_start and window_end and window_end < window_start:
        errors.setdefault("window_end", []).append("The qualifying window ends before it starts.")
    return errors
