"""The shared scenario builder puts an election at any phase through the real actions."""

from __future__ import annotations

from typing import Any

import pytest

from audit.selectors import audit_chain_breaks
from elections.models import ContestState, Phase
from elections.results.models import Result
from elections.results.scenarios import scenario_build
from elections.voting.models import BallotBoxSeal, VoterRecord

pytestmark = pytest.mark.django_db

EXPECTED = {
    Phase.DRAFT: (Phase.DRAFT, ContestState.PENDING),
    Phase.NOMINATIONS: (Phase.NOMINATIONS, ContestState.PENDING),
    Phase.POLLING: (Phase.POLLING, ContestState.POLLING),
    Phase.CLOSED: (Phase.CLOSED, ContestState.CLOSED),
    Phase.TALLIED: (Phase.TALLIED, ContestState.TALLIED),
    Phase.PUBLISHED: (Phase.PUBLISHED, ContestState.PUBLISHED),
}


@pytest.mark.parametrize("phase", list(EXPECTED))
def test_a_scenario_stands_at_the_phase_asked_for(official: Any, phase: str) -> None:
    scenario = scenario_build(official=official, slug=f"s-{phase}", phase=phase)
    assert (scenario.election.phase, scenario.contest.state) == EXPECTED[phase]
    voted = VoterRecord.objects.filter(contest=scenario.contest).count()
    assert voted == (3 if phase not in (Phase.DRAFT, Phase.NOMINATIONS) else 0)
    counted = phase in (Phase.TALLIED, Phase.PUBLISHED)
    assert BallotBoxSeal.objects.filter(contest=scenario.contest).exists() == counted
    assert Result.objects.filter(contest=scenario.contest).exists() == counted
    assert audit_chain_breaks() == []


def test_a_scenario_counts_what_its_ballots_say(official: Any) -> None:
    scenario = scenario_build(
        official=official,
        slug="s-count",
        phase=Phase.TALLIED,
        ballots=((2, 1, 3), (2, 1, 3), (1, 2, 3)),
    )
    assert Result.objects.get(contest=scenario.contest).winners == ["Bob Baker"]
    assert len(scenario.receipts) == 3 and len(scenario.electors) == 4


def test_an_unknown_phase_is_refused(official: Any) -> None:
    with pytest.raises(ValueError, match="a scenario stops at one of"):
        scenario_build(official=official, slug="s-bad", phase="counting")
