"""Read an OpenStack election ``configuration.yaml`` (openstack/election) into one calendar.

OpenStack names its phases "TC Nominations", "PTL Nominations", "TC Campaigning",
"TC Election" and "PTL Election"; stackvote holds one calendar per election, so the PTL and
TC phases must coincide (they do in the real file) and the TC campaigning week becomes the
election's campaigning phase (PTL contests simply wait through it). Times in the file carry
no zone and are UTC, as OpenStack publishes them.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

ELECTION_TYPES: frozenset[str] = frozenset({"ptl", "tc", "combined"})


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

    @property
    def has_ptl(self) -> bool:
        return self.election_type in ("ptl", "combined")

    @property
    def has_tc(self) -> bool:
        return self.election_type in ("tc", "combined")


def _utc(value: Any, field: str) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time())
    else:
        try:
            moment = datetime.datetime.fromisoformat(str(value))
        except ValueError as error:
            raise ConfigurationError(f"{field}: {value!r} is not a date and time.") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    try:
        return moment.astimezone(datetime.UTC)
    except OverflowError as error:  # e.g. 0001-01-01T00:00+01:00
        raise ConfigurationError(f"{field}: {value!r} is out of range.") from error


def _phase(
    timeline: Mapping[str, Mapping[str, Any]], name: str
) -> tuple[datetime.datetime, datetime.datetime] | None:
    entry = timeline.get(name)
    if entry is None:
        return None
    return _utc(entry.get("start"), f"{name} start"), _utc(entry.get("end"), f"{name} end")


def _one(
    timeline: Mapping[str, Mapping[str, Any]], names: tuple[str, ...], what: str
) -> tuple[datetime.datetime, datetime.datetime]:
    spans = {name: span for name in names if (span := _phase(timeline, name)) is not None}
    if not spans:
        raise ConfigurationError(f"The timeline has no {what} phase ({' or '.join(names)}).")
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
    timeline = {str(row.get("name")): row for row in timeline_rows if isinstance(row, Mapping)}
    wanted = {
        "ptl": ("PTL Nominations",),
        "tc": ("TC Nominations",),
        "combined": ("TC Nominations", "PTL Nominations"),
    }[election_type]
    nominations = _one(timeline, wanted, "nominations")
    polls = tuple(name.replace("Nominations", "Election") for name in wanted)
    polling = _one(timeline, polls, "election (polling)")
    campaigning = _phase(timeline, "TC Campaigning") if "TC Nominations" in wanted else None
    if campaigning is not None and campaigning != (nominations[1], polling[0]):
        raise ConfigurationError(
            "TC Campaigning must run from the close of nominations to the opening of the polls."
        )
    deadline = timeframe.get("email_deadline")
    try:
        tc_seats = int(config.get("tc_seats", 0) or 0)
    except (TypeError, ValueError, OverflowError) as error:
        raise ConfigurationError("tc_seats is not a number.") from error
    if "TC Nominations" in wanted and tc_seats < 1:
        raise ConfigurationError("A TC election needs tc_seats of at least 1.")
    return OpenStackCalendar(
        release=str(config.get("release", "")),
        election_type=election_type,
        tc_seats=tc_seats,
        window_start=_utc(timeframe.get("start"), "timeframe start").date(),
        window_end=_utc(timeframe.get("end"), "timeframe end").date(),
        email_deadline=_utc(deadline, "email_deadline") if deadline else None,
        nominations_opens_at=nominations[0],
        nominations_closes_at=nominations[1],
        polling_opens_at=polling[0],
        polling_closes_at=polling[1],
    )
