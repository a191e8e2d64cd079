"""Fixtures for the results tests: a contest whose poll has closed, built through the real
actions (team, contributions, candidacies, review, rolls, casting, the close)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from elections import actions as election_actions
from elections.models import Contest, ContestKind, Election
from elections.voting.actions import ballot_cast
from elections.voting.ranking import Ranking


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Dozens of voters per test: the default password hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def polled_contest(
    make_user: Any,
    make_team: Any,
    contribute: Any,
    make_election: Any,
    make_contest: Any,
    open_nominations: Any,
    official: Any,
) -> Callable[..., Contest]:
    """A TC contest whose poll has closed, with the given candidates and ballots.

    ``ballots`` is a list of rows of ranks, one per ballot, in the order of ``candidates``
    (0 = unranked). ``extra_electors`` contribute but do not vote (turnout < 100%).
    Returns the contest in state "closed", ballot box not yet sealed.
    """
    counter = iter(range(1, 1_000_000))

    def make(
        *,
        candidates: Sequence[str] = ("Alice Able", "Bob Baker", "Carol Cook"),
        ballots: Sequence[Sequence[int]] = ((1, 2, 3), (1, 3, 2), (2, 1, 3)),
        seats: int = 1,
        slug: str = "",
        extra_electors: int = 1,
        affiliations: Sequence[str] | None = None,
        **contest_fields: Any,
    ) -> Contest:
        number = next(counter)
        team = make_team(name=f"Team {number}", slug=f"team-{number}")
        # The calendar starts tomorrow; each phase is entered early by hand, which moves the
        # calendar's boundary to now (so ballots can be cast at once).
        election: Election = make_election(slug=slug or f"2027-{number}")
        people = []
        for index, name in enumerate(candidates):
            email = f"candidate{index}-{number}@example.org"
            people.append(make_user(email, full_name=name))
            contribute(team, email)
        voters = []
        for index in range(len(ballots) + extra_electors):
            email = f"voter{index}-{number}@example.org"
            voters.append(make_user(email))
            contribute(team, email)
        contest = make_contest(
            election, kind=ContestKind.TC, seats=seats, slug="tc", **contest_fields
        )
        open_nominations(election)
        for index, person in enumerate(people):
            candidacy = election_actions.candidacy_submit(
                contest=contest,
                candidate=person,
                platform="I will keep the lights on.",
                affiliation=affiliations[index] if affiliations else "",
            )
            election_actions.candidacy_review(candidacy=candidacy, reviewer=official, approve=True)
        election_actions.election_phase_move(
            election=election, to_phase="polling", actor=official, reason="test: poll"
        )
        contest.refresh_from_db()
        key_of = {choice.label: choice.key for choice in contest.ballot_choices()}
        keys = [key_of[name] for name in candidates]
        for voter, row in zip(voters, ballots, strict=False):
            ranks = {key: int(rank) for key, rank in zip(keys, row, strict=True) if rank}
            ballot_cast(contest=contest, voter=voter, ranking=Ranking.from_ranks(ranks, keys))
        election_actions.election_phase_move(
            election=election, to_phase="closed", actor=official, reason="test: close"
        )
        contest.refresh_from_db()
        return contest

    return make


@pytest.fixture
def conflicted_official(make_user: Any) -> Any:
    """An official who is also in the officials' group (for conflict tests)."""
    from accounts.roles import ensure_official_group

    user = make_user("second-official@example.org", is_staff=True)
    user.groups.add(ensure_official_group())
    return user
