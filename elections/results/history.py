"""A team's leadership across cycles, for its history page: each PTL contest it had in an
election the viewer may see, and each cycle known only from OpenStack's archive
(``CycleOfRecord``): how it was settled, who won and its turnout where known (a poll counted
here from its published result; a poll held elsewhere from the archive's
``election_statistics``; nothing for a contest decided without a poll)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch

from accounts.models import Team
from elections.models import (
    Appointment,
    Candidacy,
    CandidacyState,
    Contest,
    ContestKind,
    ContestState,
    CycleOfRecord,
)
from elections.results import permissions
from elections.results.models import Result
from elections.results.selectors import turnout_percent
from elections.selectors import elections_visible_to

# OpenStack's releases by name after zed, and the cycle they are (the archive uses both).
_NAMED_RELEASES = {
    "antelope": (2023, 1),
    "bobcat": (2023, 2),
    "caracal": (2024, 1),
    "dalmatian": (2024, 2),
    "epoxy": (2025, 1),
    "flamingo": (2025, 2),
    "gazpacho": (2026, 1),
}
_NUMBERED = re.compile(r"^(\d{4})\.(\d)$")


def release_order(release: str) -> tuple[int, int]:
    """A release's place in time: "2026.1" and "gazpacho" are one cycle; the names before
    2023 (austin to zed) were given in alphabetical order."""
    name = release.strip().lower()
    match = _NUMBERED.match(name)
    if match:
        return int(match[1]), int(match[2])
    if name in _NAMED_RELEASES:
        return _NAMED_RELEASES[name]
    return 2000, ord(name[:1] or "a")


@dataclass(frozen=True)
class CycleOutcome:
    """One cycle of a team's history."""

    cycle: str
    order: tuple[int, int]
    outcome: str  # how the contest was settled, in words
    winners: tuple[str, ...]
    polled: bool  # went to a poll (here or elsewhere): turnout applies
    electorate: int | None = None
    voters: int | None = None
    result: Result | None = None  # the published result of a poll counted here
    contest: Contest | None = None  # None: a cycle known from the archive only
    result_url: str = ""  # where a poll held elsewhere published its result

    @property
    def turnout_known(self) -> bool:
        return self.electorate is not None and self.voters is not None

    @property
    def turnout_percent(self) -> Decimal | None:
        return turnout_percent(self.voters, self.electorate) if self.turnout_known else None  # type: ignore[arg-type]


_NOT_SETTLED = (ContestState.PENDING,)


def _cycle(contest: Any) -> dict[str, Any]:
    election = contest.election
    if election.release:
        order = release_order(election.release)
    else:  # OpenStack elects in the half-year before the cycle it elects for
        closes = election.polling_closes_at
        order = (closes.year + 1, 1) if closes.month > 6 else (closes.year, 2)
    return {"cycle": election.release or election.name, "order": order, "contest": contest}


def _outcome(contest: Any) -> CycleOutcome:
    """How one contest ended, in the words of the election's results page."""
    where = _cycle(contest)
    published = contest.published_results[0] if contest.published_results else None
    if published is not None:
        return CycleOutcome(
            **where,
            outcome="Elected in a poll counted here",
            winners=tuple(published.winners),
            polled=True,
            electorate=published.electorate_size,
            voters=published.ballot_count,
            result=published,
        )
    if contest.state == ContestState.ACCLAIMED:
        names = tuple(c.name_of_record or c.candidate.display_name for c in contest.approved)
        return CycleOutcome(**where, outcome="Elected by acclamation", winners=names, polled=False)
    if contest.state == ContestState.APPOINTMENT_NEEDED:
        appointment: Appointment | None = getattr(contest, "appointment", None)
        if appointment is None:
            return CycleOutcome(
                **where, outcome="Nobody stood: appointment needed", winners=(), polled=False
            )
        return CycleOutcome(
            **where,
            outcome=f"Appointed by {appointment.appointed_by}",
            winners=(appointment.appointee.display_name,),
            polled=False,
        )
    if contest.result_of_record:
        names = tuple(
            c.name_of_record or c.candidate.display_name
            for c in contest.approved
            if c.elected_of_record
        )
        return CycleOutcome(
            **where,
            outcome="Elected in a poll held outside stackvote",
            winners=names,
            polled=True,
            electorate=contest.electorate_of_record,
            voters=contest.voters_of_record,
            result_url=contest.result_of_record,
        )
    return CycleOutcome(**where, outcome="Poll not published yet", winners=(), polled=True)


def team_history(team: Team, *, user: Any) -> list[CycleOutcome]:
    """The team's PTL contests, newest cycle first, in the elections ``user`` may see and
    whose results they may see; contests whose nominations are still open are left out."""
    approved = Candidacy.objects.filter(state=CandidacyState.APPROVED).select_related("candidate")
    contests = (
        Contest.objects.filter(
            team=team, kind=ContestKind.PTL, election__in=elections_visible_to(user)
        )
        .exclude(state__in=_NOT_SETTLED)
        .exclude(election_id__in=permissions.elections_with_hidden_results(user))
        .select_related("election", "appointment__appointee")
        .prefetch_related(
            Prefetch("results", queryset=Result.objects.published(), to_attr="published_results"),
            Prefetch("candidacies", queryset=approved, to_attr="approved"),
        )
        .order_by("-election__polling_closes_at", "-election__pk")
    )
    cycles = [_outcome(contest) for contest in contests]
    held = {cycle.cycle.casefold() for cycle in cycles}
    for row in CycleOfRecord.objects.filter(team=team).order_by("release"):
        if row.release.casefold() in held:
            continue  # the election of that cycle says it, with its own contest
        cycles.append(
            CycleOutcome(
                cycle=row.release,
                order=release_order(row.release),
                outcome=row.get_outcome_display(),
                winners=tuple(row.winners),
                polled=row.outcome == CycleOfRecord.Outcome.POLLED,
                electorate=row.electorate,
                voters=row.voters,
                result_url=row.result_url,
            )
        )
    return sorted(cycles, key=lambda cycle: cycle.order, reverse=True)
