"""Fixtures for the elections tests: a calendar, a team with contributors, elections built
through the real actions."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from elections import actions
from elections.models import Contest, ContestKind, Election
from elections.scenarios import CONTRIBUTED_AT, scenario_calendar, scenario_election, scenario_move

# The scenario builder's calendar and window: inside it every test election's contributions
# count (elections/results/scenarios.py).
calendar_from = scenario_calendar


@pytest.fixture
def make_team(db: Any) -> Callable[..., Any]:
    """A governance team owning one repository, ingested (``ingested=False``: never)."""
    from accounts.models import IngestState, Repository, Team, TeamKind, TeamRepository

    def make(name: str = "Nova", slug: str = "nova", *, ingested: bool = True) -> Any:
        team = Team.objects.create(
            name=name, slug=slug, kind=TeamKind.OFFICIAL, leadership_type="ptl"
        )
        repository = Repository.objects.create(name=f"openstack/{slug}")
        TeamRepository.objects.create(
            team=team, repository=repository, deliverable=slug, source=TeamKind.OFFICIAL
        )
        if ingested:
            IngestState.objects.create(repository=repository)
        return team

    return make


@pytest.fixture
def contribute(db: Any) -> Callable[..., None]:
    """Record one merged change by ``email`` to each of the team's repositories."""
    from accounts.models import Contribution, ContributionKind

    counter = iter(range(1, 1_000_000))

    def make(team: Any, email: str, when: datetime.datetime = CONTRIBUTED_AT) -> None:
        for repository in team.repositories.all():
            Contribution.objects.create(
                repository=repository,
                kind=ContributionKind.COMMIT,
                source="git",
                ref=f"{next(counter):040x}",
                email=email.lower(),
                name=email.split("@", 1)[0],
                date=when,
            )

    return make


@pytest.fixture
def make_election(db: Any, official: Any) -> Callable[..., Election]:
    def make(
        *,
        opens: datetime.datetime | None = None,
        slug: str = "2027-1",
        campaigning_days: int = 7,
        **overrides: Any,
    ) -> Election:
        return scenario_election(
            official=official,
            slug=slug,
            opens=opens,
            campaigning_days=campaigning_days,
            **overrides,
        )

    return make


@pytest.fixture
def make_contest(official: Any) -> Callable[..., Contest]:
    def make(
        election: Election,
        *,
        kind: str = ContestKind.PTL,
        team: Any = None,
        seats: int = 1,
        slug: str = "",
        **extra: Any,
    ) -> Contest:
        name = f"{team.name} PTL" if team is not None else "Technical Committee"
        return actions.contest_create(
            election=election,
            actor=official,
            kind=kind,
            name=extra.pop("name", name),
            slug=slug or (team.slug if team is not None else "tc"),
            team=team,
            seats=seats,
            **extra,
        )

    return make


@pytest.fixture
def open_nominations(official: Any) -> Callable[[Election], Election]:
    def move(election: Election) -> Election:
        return scenario_move(election, "nominations", actor=official, reason="test: open")

    return move


NOVA = {"alice@example.org", "bob@example.org", "dave@example.org"}
SWIFT = {"alice@example.org", "carol@example.org", "erin@example.org"}


@pytest.fixture
def season(
    smtp: Any,
    make_team: Any,
    contribute: Any,
    make_election: Any,
    make_contest: Any,
    make_user: Any,
    official: Any,
) -> dict[str, Any]:
    """A draft election with a Nova and a Swift PTL contest, the scheduler to run it. alice
    contributed to both; dave has no account."""
    nova, swift = make_team("Nova", "nova"), make_team("Swift", "swift")
    for address in NOVA:
        contribute(nova, address)
    for address in SWIFT:
        contribute(swift, address)
    people = {name: make_user(f"{name}@example.org") for name in ("alice", "bob", "carol", "erin")}
    election = make_election()
    contests = {
        "nova": make_contest(election, team=nova),
        "swift": make_contest(election, team=swift),
    }
    return {"election": election, "contests": contests, "people": people, "official": official}
