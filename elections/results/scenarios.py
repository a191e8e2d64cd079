"""An election at any phase, built through the real actions: the one builder the tests, the
demo and the benches share for "an election at phase X with N electors and M ballots".

Contributions are written as an ingest would write them (one merged change per person to the
team's repository, inside the qualifying window); everything after that goes through the
actions officials, candidates and voters use: the calendar, the contest, candidacies and their
review, ballots, the close, the seal, the count and publication. The close queues the seal and
the count after its commit; when the builder runs inside a transaction (a test) that has not
happened yet, so the builder seals and counts itself, as the queued task would.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import (
    Contribution,
    ContributionKind,
    Repository,
    Team,
    TeamKind,
    TeamRepository,
    User,
)
from elections import actions as election_actions
from elections.models import ContestKind, ContestState, Election, Phase
from elections.results import actions as result_actions
from elections.results import selectors
from elections.voting.actions import ballot_cast, ballots_shuffle_rewrite
from elections.voting.ranking import Ranking

# Inside every scenario's qualifying window (OpenStack's 2027.1 timeframe).
WINDOW = (datetime.date(2025, 9, 12), datetime.date(2026, 8, 19))
CONTRIBUTED_AT = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
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


def scenario_calendar(opens: datetime.datetime, *, campaigning_days: int = 7) -> dict[str, Any]:
    """A legal calendar: 14 days of nominations, optional campaigning, 21 days of polling."""
    closes = opens + datetime.timedelta(days=14)
    polling = closes + datetime.timedelta(days=campaigning_days)
    return {
        "nominations_opens_at": opens,
        "nominations_closes_at": closes,
        "polling_opens_at": polling,
        "polling_closes_at": polling + datetime.timedelta(days=21),
        "window_start": WINDOW[0],
        "window_end": WINDOW[1],
    }


def scenario_team(*, name: str, slug: str) -> Team:
    """A governance team owning one repository (as importing projects.yaml would make it)."""
    team, _ = Team.objects.get_or_create(
        slug=slug, defaults={"name": name, "kind": TeamKind.OFFICIAL, "leadership_type": "ptl"}
    )
    repository, _ = Repository.objects.get_or_create(name=f"openstack/{slug}")
    TeamRepository.objects.get_or_create(
        team=team,
        repository=repository,
        defaults={"deliverable": slug, "source": TeamKind.OFFICIAL},
    )
    return team


def scenario_person(
    email: str, *, team: Team, full_name: str = "", password: str | None = None
) -> User:
    """An account with a verified address and one merged change to the team's repositories."""
    user = User.objects.create_user(email=email, password=password, full_name=full_name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    Contribution.objects.bulk_create(
        Contribution(
            repository=repository,
            kind=ContributionKind.COMMIT,
            source="git",
            ref=f"{user.pk:020x}{repository.pk:020x}",
            email=email.lower(),
            name=full_name or email.split("@", 1)[0],
            date=CONTRIBUTED_AT,
        )
        for repository in team.repositories.all()
    )
    return user


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
    opens = timezone.now() + datetime.timedelta(days=1)
    election = election_actions.election_create(
        actor=official, name=f"Election {slug}", slug=slug, **scenario_calendar(opens)
    )
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

    def move(to: str) -> Election:
        return election_actions.election_phase_move(
            election=election, to_phase=to, actor=official, reason=f"scenario: {to}"
        )

    if stage >= PHASES.index(Phase.NOMINATIONS):
        election = move(Phase.NOMINATIONS)
        for index, person in enumerate(people):
            candidacy = election_actions.candidacy_submit(
                contest=contest,
                candidate=person,
                platform="I will keep the lights on.",
                affiliation=affiliations[index] if affiliations else "",
            )
            election_actions.candidacy_review(candidacy=candidacy, reviewer=official, approve=True)
    if stage >= PHASES.index(Phase.POLLING):
        election = move(Phase.POLLING)
        contest.refresh_from_db()
        if contest.state == ContestState.POLLING:
            receipts = _cast(contest, candidates, electors, ballots)
    if stage >= PHASES.index(Phase.CLOSED):
        election = move(Phase.CLOSED)
    if stage >= PHASES.index(Phase.TALLIED):
        contest.refresh_from_db()
        if contest.state == ContestState.CLOSED:
            # What the close queued (results.seal_and_count), done now if it has not run.
            if not selectors.ballot_box_sealed(contest):
                ballots_shuffle_rewrite(contest=contest)
            result_actions.result_tally(contest=contest, actor=official)
        result_actions.election_follow_contests(election_id=election.pk)
    if stage >= PHASES_WITH_PUBLISHED.index(Phase.PUBLISHED):
        result = selectors.latest_result(contest)
        if result is not None and result.state != "published":
            result_actions.result_publish(result=result, actor=official)
        result_actions.election_follow_contests(election_id=election.pk)
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
    key_of = {choice.label: choice.key for choice in contest.ballot_choices()}
    keys = [key_of[name] for name in candidates]
    receipts = []
    for voter, row in zip(electors, ballots, strict=False):
        ranks = {key: int(rank) for key, rank in zip(keys, row, strict=True) if rank}
        receipts.append(
            ballot_cast(contest=contest, voter=voter, ranking=Ranking.from_ranks(ranks, keys))
        )
    return receipts
