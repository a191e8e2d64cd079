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


def test_an_election_requiring_membership_refuses_non_members(
    tc_contest: Any, make_user: Any, tmp_path: Any
) -> None:
    from django.core.management import call_command

    election = tc_contest.election
    election.requires_membership = True
    election.save(update_fields=["requires_membership"])
    members = tmp_path / "members.csv"
    members.write_text("member_id,addresses,affiliation\n7,member@example.org,ACME\n")
    call_command("import_members", str(members), stdout=open("/dev/null", "w"))  # noqa: SIM115
    stranger = make_user("stranger@example.org")
    with pytest.raises(actions.CandidacyRefused, match="requires Foundation individual member"):
        actions.candidacy_submit(
            contest=tc_contest, candidate=stranger, platform="P", affiliation="none"
        )
    member = make_user("member@example.org")
    candidacy = actions.candidacy_submit(
        contest=tc_contest, candidate=member, platform="P", affiliation="ACME"
    )
    assert candidacy.state == CandidacyState.SUBMITTED


def test_seats_held_by_sitting_members_turn_an_acclamation_into_a_poll(
    make_election: Any,
    make_contest: Any,
    open_nominations: Any,
    make_team: Any,
    make_user: Any,
    official: Any,
) -> None:
    from elections.models import ContestState
    from elections.scenarios import scenario_move

    make_team("Nova", "nova")
    election = make_election()
    contest = make_contest(
        election,
        kind=ContestKind.TC,
        seats=2,
        max_per_affiliation=4,
        seated_affiliations={"Red Hat": 3},
    )
    open_nominations(election)
    for email in ("ann@example.org", "bob@example.org"):
        candidacy = actions.candidacy_submit(
            contest=contest, candidate=make_user(email), platform="P", affiliation="red hat"
        )
        actions.candidacy_review(candidacy=candidacy, reviewer=official, approve=True)
    scenario_move(election, "campaigning", actor=official, reason="test: close nominations")
    contest.refresh_from_db()
    # Two candidates for two seats, but Red Hat would hold five of nine: a poll decides.
    assert contest.state == ContestState.POLLING
