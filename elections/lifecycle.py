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


# The calendar's boundaries, each with the phases in which it has passed: a boundary that has
# passed keeps the date it had (elections.actions.election_update refuses to move it).
PASSED_IN: dict[str, frozenset[str]] = {
    "nominations_opens_at": frozenset(
        {"nominations", "campaigning", "polling", "closed", "tallied", "published"}
    ),
    "nominations_closes_at": frozenset(
        {"campaigning", "polling", "closed", "tallied", "published"}
    ),
    "polling_opens_at": frozenset({"polling", "closed", "tallied", "published"}),
    "polling_closes_at": frozenset({"closed", "tallied", "published"}),
}


def passed_boundaries(phase: str) -> list[str]:
    """The calendar fields whose moment has passed when an election is in ``phase``."""
    return [field for field, phases in PASSED_IN.items() if phase in phases]


def calendar_errors(
    *,
    minimum_days: int,
    nominations_opens_at: datetime.datetime | None,
    nominations_closes_at: datetime.datetime | None,
    polling_opens_at: datetime.datetime | None,
    polling_closes_at: datetime.datetime | None,
    window_start: datetime.date | None = None,
    window_end: datetime.date | None = None,
    phase: str = "draft",
) -> dict[str, list[str]]:
    """Field → messages for a calendar that breaks the rules (empty when it is fine).

    Nominations and polling each last at least ``minimum_days`` days
    (``STACKVOTE_MIN_PHASE_DAYS``; OpenStack holds 14-day nominations and a 21-day poll);
    campaigning may be empty. Only the phases still ahead of an election in ``phase`` are
    held to the minimum: one already under way or over keeps the dates it had (an early
    close by hand shortens it), and only has to end after it began.
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
    passed = passed_boundaries(phase)
    if "nominations_opens_at" not in passed:
        if nominations_closes_at - nominations_opens_at < minimum:
            errors.setdefault("nominations_closes_at", []).append(
                f"Nominations must stay open at least {minimum.days} days."
            )
    elif nominations_closes_at <= nominations_opens_at:
        errors.setdefault("nominations_closes_at", []).append(
            "Nominations must close after they opened."
        )
    if polling_opens_at < nominations_closes_at:
        errors.setdefault("polling_opens_at", []).append(
            "Polling cannot open before nominations close."
        )
    if "polling_opens_at" not in passed:
        if polling_closes_at - polling_opens_at < minimum:
            errors.setdefault("polling_closes_at", []).append(
                f"Polling must stay open at least {minimum.days} days."
            )
    elif polling_closes_at <= polling_opens_at:
        errors.setdefault("polling_closes_at", []).append("Polling must close after it opened.")
    if window_start and window_end and window_end < window_start:
        errors.setdefault("window_end", []).append("The qualifying window ends before it starts.")
    return errors
