"""Read an OpenStack election ``configuration.yaml`` (openstack/election) into one calendar.

OpenStack names its phases "TC Nominations", "PTL Nominations", "TC Campaigning",
"TC Election" and "PTL Election", and over the years also "TC Nomination", "TC Elections",
"TC & PTL Nominations" and vacancy elections ("TC Vacancy Election"); stackvote holds one
calendar per election, so the PTL and TC phases must coincide (they do in the real files)
and the gap between the close of nominations and the opening of the polls is the election's
campaigning phase (PTL contests simply wait through it). Times in the file carry no zone and
are UTC, as OpenStack publishes them, and are read as OpenStack's own reader reads them
(``2021-03-9T23:45`` is the 9th).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

ELECTION_TYPES: frozenset[str] = frozenset({"ptl", "tc", "combined"})

# openstack/election utils.py reads every date with strptime("%Y-%m-%dT%H:%M"), which takes
# one-digit days and months; the other shapes are what YAML itself or a person may write.
_DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
)

# An event of the timeline: who it is for (TC, PTL or both) and what it is.
_EVENT = re.compile(
    r"^\s*(?P<who>TC\s*(?:&|and)\s*PTL|PTL\s*(?:&|and)\s*TC|TC|PTL)\b"
    r"(?:\s+vacancy)?\s+(?P<what>nominations?|campaign(?:ing|s)?|elections?|polls?|voting)\s*$",
    re.IGNORECASE,
)
_WHAT = {"nomination": "nominations", "campaign": "campaigning", "election": "election"}


class ConfigurationError(ValueError):
    """The file is not a calendar stackvote can hold; the message says why."""


@dataclass(frozen=True)
class OpenStackCalendar:
    release: str
    election_type: str
    tc_seats: int
    window_start: datetime.date
    window_end: datetime.date
    email_deadline: datetime.datetime | None
    nominations_opens_at: datetime.datetime
    nominations_closes_at: datetime.datetime
    polling_opens_at: datetime.datetime
    polling_closes_at: datetime.datetime
    # configuration.yaml ``tag`` (the election repository's release of the cycle) and
    # ``timeframe.name`` (the two release cycles whose contributions count, "Yoga-Zed").
    tag: str = ""
    window_name: str = ""

    @property
    def has_ptl(self) -> bool:
        return self.election_type in ("ptl", "combined")

    @property
    def has_tc(self) -> bool:
        return self.election_type in ("tc", "combined")


def parse_moment(value: Any, field: str) -> datetime.datetime:
    """A date and time of the file, in UTC (a time without zone is UTC)."""
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time())
    else:
        text = str(value).strip() if value is not None else ""
        moment = _read_moment(text)
        if moment is None:
            raise ConfigurationError(f"{field}: {value!r} is not a date and time.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    try:
        return moment.astimezone(datetime.UTC)
    except OverflowError as error:  # e.g. 0001-01-01T00:00+01:00
        raise ConfigurationError(f"{field}: {value!r} is out of range.") from error


def _read_moment(text: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern)  # noqa: DTZ007 - UTC, set after
        except ValueError:
            continue
    return None


def _events(rows: list[Any]) -> dict[tuple[str, str], tuple[str, Mapping[str, Any]]]:
    """(who, what) → (the event's name, its row), "TC & PTL" rows counting for both."""
    events: dict[tuple[str, str], tuple[str, Mapping[str, Any]]] = {}
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        name = str(row.get("name", ""))
        match = _EVENT.match(name)
        if match is None:
            continue
        who = match["who"].upper()
        what = next(
            (label for stem, label in _WHAT.items() if match["what"].lower().startswith(stem)),
            "election",
        )
        for part in ("TC", "PTL"):
            if part in who:
                events.setdefault((part, what), (name, row))
    return events


def _span(
    events: Mapping[tuple[str, str], tuple[str, Mapping[str, Any]]], who: str, what: str
) -> tuple[str, tuple[datetime.datetime, datetime.datetime]] | None:
    found = events.get((who, what))
    if found is None:
        return None
    name, row = found
    span = (
        parse_moment(row.get("start"), f"{name} start"),
        parse_moment(row.get("end"), f"{name} end"),
    )
    if span[1] < span[0]:
        raise ConfigurationError(f"{name} ends before it starts.")
    return name, span


def _one(
    events: Mapping[tuple[str, str], tuple[str, Mapping[str, Any]]],
    whom: tuple[str, ...],
    what: str,
    label: str,
) -> tuple[datetime.datetime, datetime.datetime]:
    found = [span for who in whom if (span := _span(events, who, what)) is not None]
    spans = dict(found)  # one event may serve both ("TC & PTL Nominations")
    if len(found) < len(whom):
        wanted = " and ".join(f"{who} {label}" for who in whom)
        raise ConfigurationError(f"The timeline has no {label} phase (wanted: {wanted}).")
    if len(set(spans.values())) > 1:
        raise ConfigurationError(
            f"{' and '.join(spans)} have different dates; one election holds one calendar. "
            "Import the PTL and TC elections separately."
        )
    return next(iter(spans.values()))


def parse_configuration(text: str) -> OpenStackCalendar:
    """Parse the YAML text of an OpenStack election configuration into one calendar."""
    try:
        config = yaml.safe_load(text)
    # PyYAML raises ValueError and friends, not YAMLError, for a value that does not fit its
    # explicit tag (``!!int x``) or an impossible date (``2026-13-45``).
    except (yaml.YAMLError, ValueError, TypeError, AttributeError, OverflowError) as error:
        raise ConfigurationError(f"Not valid YAML: {error}") from error
    if not isinstance(config, Mapping):
        raise ConfigurationError("The file does not hold a mapping of settings.")
    election_type = str(config.get("election_type", "combined"))
    if election_type not in ELECTION_TYPES:
        raise ConfigurationError(
            f"election_type {election_type!r} is not one of {', '.join(sorted(ELECTION_TYPES))}."
        )
    timeframe = config.get("timeframe")
    if not isinstance(timeframe, Mapping):
        raise ConfigurationError("The file has no timeframe (the qualifying window).")
    timeline_rows = config.get("timeline") or []
    if not isinstance(timeline_rows, list):
        raise ConfigurationError("The timeline is not a list of phases.")
    events = _events(timeline_rows)
    whom = {"ptl": ("PTL",), "tc": ("TC",), "combined": ("TC", "PTL")}[election_type]
    nominations = _one(events, whom, "nominations", "Nominations")
    polling = _one(events, whom, "election", "Election")
    if polling[0] < nominations[1]:
        raise ConfigurationError("The election (polling) opens before nominations close.")
    if polling[1] <= polling[0]:
        raise ConfigurationError("The election (polling) must end after it starts.")
    if nominations[1] <= nominations[0]:
        raise ConfigurationError("Nominations must end after they start.")
    deadline = timeframe.get("email_deadline")
    try:
        tc_seats = int(config.get("tc_seats", 0) or 0)
    except (TypeError, ValueError, OverflowError) as error:
        raise ConfigurationError("tc_seats is not a number.") from error
    if "TC" in whom and tc_seats < 1:
        raise ConfigurationError("A TC election needs tc_seats of at least 1.")
    window_start = parse_moment(timeframe.get("start"), "timeframe start").date()
    window_end = parse_moment(timeframe.get("end"), "timeframe end").date()
    if window_end < window_start:
        raise ConfigurationError("The timeframe ends before it starts.")
    return OpenStackCalendar(
        release=str(config.get("release", "")),
        election_type=election_type,
        tc_seats=tc_seats,
        window_start=window_start,
        window_end=window_end,
        email_deadline=parse_moment(deadline, "email_deadline") if deadline else None,
        nominations_opens_at=nominations[0],
        nominations_closes_at=nominations[1],
        polling_opens_at=polling[0],
        polling_closes_at=polling[1],
        tag=str(config.get("tag") or ""),
        window_name=str(timeframe.get("name") or ""),
    )
