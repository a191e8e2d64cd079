"""Fixtures for the results tests: a contest whose poll has closed, built through the real
actions (team, contributions, candidacies, review, rolls, casting, the close)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from elections.models import Contest, Phase
from elections.results.scenarios import scenario_build


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Dozens of voters per test: the default password hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def polled_contest(db: Any, official: Any) -> Callable[..., Contest]:
    """A TC contest whose poll has closed, with the given candidates and ballots
    (``elections.results.scenarios``, the builder the demo and the benches share).

    ``ballots`` is a list of rows of ranks, one per ballot, in the order of ``candidates``
    (0 = unranked). ``extra_electors`` contribute but do not vote (turnout < 100%).
    Returns the contest in state "closed", ballot box not yet sealed.
    """
    counter = iter(range(1, 1_000_000))

    def make(*, slug: str = "", **fields: Any) -> Contest:
        scenario = scenario_build(
            official=official,
            slug=slug or f"2027-{next(counter)}",
            phase=Phase.CLOSED,
            password="correct horse battery staple",
            **fields,
        )
        return scenario.contest

    return make


@pytest.fixture
def conflicted_official(make_user: Any) -> Any:
    """An official who is also in the officials' group (for conflict tests)."""
    from accounts.roles import ensure_official_group

    user = make_user("second-official@example.org", is_staff=True)
    user.groups.add(ensure_official_group())
    return user
