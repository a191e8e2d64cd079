"""An election at any phase, built through the real actions: the one builder the tests, the
demos and the benches share for "an election at phase X with N electors and M ballots"
(the steps that need only the elections app are in ``elections.scenarios``).

Contributions are written as an ingest would write them (one merged change per person to the
team's repository, inside the qualifying window); everything after that goes through the
actions officials, candidates and voters use: the calendar, the contest, candidacies and their
review, ballots, the close, the seal, the count and publication. The close queues the seal and
the count after its commit; when the builder runs inside a transaction (a test) that has not
happened yet, so the builder seals and counts itself, as the queued task would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from accounts.models import (
    Team,
    User,
)
from elections import actions as election_actions
from elections.models import ContestKind, ContestState, Election, Phase
from elections.results import actions as result_actions
from elections.results import selectors
from elections.scenarios import (
    CONTRIBUTED_AT,
    WINDOW,
    scenario_calendar,
    scenario_contribute,
    scenario_election,
    scenario_move,
    scenario_person,
    scenario_stand,
    scenario_team,
)
from elections.voting.actions import ballot_cast, ballots_seal
from elections.voting.ranking import Ranking

PHASES = (Phase.DRAFT, Phase.NOMINATIONS, Phase.POLLING, Phase.CLOSED, Phase.TALLIED)
PHASES_WITH_PUBLISHED = (*PHASES, Phase.PUBLISHED)
DEFAULT_CANDIDATES = ("Alice Able", "Bob Baker", "Carol Cook")
DEFAULT_BALLOTS = ((1, 2, 3), (1, 3, 2), (2, 1, 3))


@dataclass(frozen=True)
class Scenario:
    """What was built: the election, its one contest, its team and its people."""

    election: Election
    contest: Any
    team: Team
    official: User
    candidates: tuple[User, ...]
    electors: tuple[User, ...]  # on the roll; the first len(ballots) of them voted
    receipts: tuple[str, ...]


def scenario_cast(contest: Any, voter: User, ranks: Sequence[str] | Mapping[str, int]) -> str:
    """``voter`` casts a ballot and gets its receipt. ``ranks`` names choices by label: an
    order (ranked 1, 2, 3, ...) or a mapping of label to rank (equal ranks are ties); choices
    left out are unranked."""
    keys = {choice.label: choice.key for choice in contest.ballot_choices()}
    if not isinstance(ranks, Mapping):
        ranks = {label: position for position, label in enumerate(ranks, start=1)}
    by_key = {keys[label]: rank for label, rank in ranks.items()}
    return ballot_cast(
        contest=contest, voter=voter, ranking=Ranking.from_ranks(by_key, keys.values())
    )


def scenario_count(contest: Any, *, actor: User | None) -> Any:
    """What the close queues (``results.seal_and_count``), done now if it has not run: the
    ballot box sealed, the count stored, the election moved on. Returns the Result."""
    contest.refresh_from_db()
    if contest.state == ContestState.CLOSED:
        if not selectors.ballot_box_sealed(contest):
            ballots_seal(contest=contest)
        result_actions.result_tally(contest=contest, actor=actor)
    result_actions.election_follow_contests(election_id=contest.election_id)
    return selectors.latest_result(contest)


def scenario_publish(contest: Any, *, actor: User) -> Any:
    """Publish the contest's latest result (once) and move the election on."""
    result = selectors.latest_result(contest)
    if result is not None and result.state != "published":
        result = result_actions.result_publish(result=result, actor=actor)
    result_actions.election_follow_contests(election_id=contest.election_id)
    return result


def scenario_build(
    *,
    official: User,
    slug: str,
    phase: str = Phase.POLLING,
    candidates: Sequence[str] = DEFAULT_CANDIDATES,
    ballots: Sequence[Sequence[int]] = DEFAULT_BALLOTS,
    extra_electors: int = 1,
    seats: int = 1,
    kind: str = ContestKind.TC,
    affiliations: Sequence[str] | None = None,
    password: str | None = None,
    **contest_fields: Any,
) -> Scenario:
    """An election called ``slug`` at ``phase`` with one contest of ``candidates``.

    ``ballots`` are rows of ranks in the order of ``candidates`` (0 = unranked), one per voter;
    ``extra_electors`` are on the roll and do not vote. The calendar starts tomorrow and each
    phase is entered early by hand (with ``official`` as the actor), which moves the
    calendar's boundary to now. At ``closed`` the ballot box is not sealed yet (unless the
    close's queued work already ran); from ``tallied`` on, it is sealed and counted.

    Long because it is the election's life in order, one phase after another; each phase
    is a few lines, and split up the order would be harder to follow.
    """
    if phase not in PHASES_WITH_PUBLISHED:
        raise ValueError(f"a scenario stops at one of {', '.join(PHASES_WITH_PUBLISHED)}")
    stage = PHASES_WITH_PUBLISHED.index(phase)
    team = scenario_team(name=f"Team {slug}", slug=f"team-{slug}")
    domain = f"{slug}.example.org"
    people = tuple(
        scenario_person(f"candidate{n}@{domain}", team=team, full_name=name, password=password)
        for n, name in enumerate(candidates)
    )
    electors = tuple(
        scenario_person(f"voter{n}@{domain}", team=team, password=password)
        for n in range(len(ballots) + extra_electors)
    )
    election = scenario_election(official=official, slug=slug)
    contest = election_actions.contest_create(
        election=election,
        actor=official,
        kind=kind,
        name=contest_fields.pop("name", "Technical Committee"),
        slug=contest_fields.pop("contest_slug", "tc"),
        team=team if kind != ContestKind.TC else None,
        seats=seats,
        **contest_fields,
    )
    receipts: list[str] = []
    if stage >= PHASES.index(Phase.NOMINATIONS):
        election = scenario_move(election, Phase.NOMINATIONS, actor=official)
        for index, person in enumerate(people):
            affiliation = affiliations[index] if affiliations else ""
            scenario_stand(contest, person, reviewer=official, affiliation=affiliation)
    if stage >= PHASES.index(Phase.POLLING):
        election = scenario_move(election, Phase.POLLING, actor=official)
        contest.refresh_from_db()
        if contest.state == ContestState.POLLING:
            receipts = _cast(contest, candidates, electors, ballots)
    if stage >= PHASES.index(Phase.CLOSED):
        election = scenario_move(election, Phase.CLOSED, actor=official)
    if stage >= PHASES.index(Phase.TALLIED):
        scenario_count(contest, actor=official)
    if stage >= PHASES_WITH_PUBLISHED.index(Phase.PUBLISHED):
        scenario_publish(contest, actor=official)
    election.refresh_from_db()
    contest.refresh_from_db()
    return Scenario(
        election=election,
        contest=contest,
        team=team,
        official=official,
        candidates=people,
        electors=electors,
        receipts=tuple(receipts),
    )


def _cast(
    contest: Any,
    candidates: Sequence[str],
    electors: Sequence[User],
    ballots: Sequence[Sequence[int]],
) -> list[str]:
    return [
        scenario_cast(
            contest,
            voter,
            {name: int(rank) for name, rank in zip(candidates, row, strict=True) if rank},
        )
        for voter, row in zip(electors, ballots, strict=False)
    ]


__all__ = [
    "CONTRIBUTED_AT",
    "WINDOW",
    "Scenario",
    "scenario_build",
    "scenario_calendar",
    "scenario_cast",
    "scenario_contribute",
    "scenario_count",
    "scenario_election",
    "scenario_move",
    "scenario_person",
    "scenario_publish",
    "scenario_stand",
    "scenario_team",
]
