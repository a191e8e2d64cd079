"""TC candidacies: any Foundation individual member may stand (not only the TC electorate),
and where the diversity rule applies each candidate declares an affiliation."""

from __future__ import annotations

from typing import Any

import pytest

from elections import actions
from elections.models import CandidacyState, ContestKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def tc_contest(make_election: Any, make_contest: Any, open_nominations: Any, make_team: Any) -> Any:
    make_team("Nova", "nova")
    election = make_election()
    contest = make_contest(election, kind=ContestKind.TC, seats=4)
    actions.contest_update(contest=contest, actor=None, max_per_affiliation=4)
    open_nominations(election)
    contest.refresh_from_db()
    return contest


def test_someone_who_never_contributed_may_stand_for_the_tc(
    tc_contest: Any, make_user: Any
) -> None:
    erin = make_user("erin@example.org")  # on no roll
    candidacy = actions.candidacy_submit(
        contest=tc_contest, candidate=erin, platform="Member since 2012.", affiliation="none"
    )
    assert candidacy.state == CandidacyState.SUBMITTED


def test_a_tc_candidate_needs_a_verified_address(tc_contest: Any, make_user: Any) -> None:
    ghost = make_user("ghost@example.org", verified=(), unverified=("ghost@example.org",))
    with pytest.raises(actions.CandidacyRefused, match="Verify an e-mail address first"):
        actions.candidacy_submit(
            contest=tc_contest, candidate=ghost, platform="x", affiliation="ACME"
        )


def test_under_the_diversity_rule_an_affiliation_must_be_declared(
    tc_contest: Any, make_user: Any
) -> None:
    erin = make_user("erin@example.org")
    with pytest.raises(actions.CandidacyRefused, match="Declare your affiliation"):
        actions.candidacy_submit(contest=tc_contest, candidate=erin, platform="P")
    candidacy = actions.candidacy_submit(
        contest=tc_contest, candidate=erin, platform="P", affiliation="ACME"
    )
    with pytest.raises(actions.CandidacyRefused, match="Declare your affiliation"):
        actions.candidacy_edit(candidacy=candidacy, actor=erin, platform="P2", affiliation=" ")
