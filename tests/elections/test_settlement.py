"""At the close of nominations each contest is settled and its electorate frozen."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEntry
from elections import actions
from elections.models import CandidacyState, ContestKind, ContestState, Phase
from elections.selectors import user_is_elector

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(
    make_team: Any,
    contribute: Any,
    make_election: Any,
    make_contest: Any,
    open_nominations: Any,
    make_user: Any,
) -> dict[str, Any]:
    nova = make_team("Nova", "nova")
    swift = make_team("Swift", "swift")
    people = {}
    for name in ("alice", "bob", "carol", "dave"):
        contribute(nova, f"{name}@example.org")
        people[name] = make_user(f"{name}@example.org")
    contribute(swift, "erin@example.org")
    people["erin"] = make_user("erin@example.org")
    election = make_election()
    contests = {
        "nova": make_contest(election, team=nova),
        "swift": make_contest(election, team=swift),
        "tc": make_contest(election, kind=ContestKind.TC, seats=3),
    }
    election = open_nominations(election)
    return {"election": election, "people": people, "contests": contests}


def _stand(
    contest: Any, person: Any, official: Any, *, approve: bool | None = True, affiliation: str = ""
) -> Any:
    candidacy = actions.candidacy_submit(
        contest=contest, candidate=person, platform="p", affiliation=affiliation
    )
    if approve is not None:
        actions.candidacy_review(
            candidacy=candidacy,
            reviewer=official,
            approve=approve,
            reason="" if approve else "not eligible",
        )
    return candidacy


def _close(election: Any, official: Any, to: str = Phase.CAMPAIGNING) -> None:
    actions.election_phase_move(
        election=election, to_phase=to, actor=official, reason="nominations closed"
    )


def test_no_candidate_means_appointment_needed(setup: dict[str, Any], official: Any) -> None:
    _close(setup["election"], official)
    swift = setup["contests"]["swift"]
    swift.refresh_from_db()
    assert swift.state == ContestState.APPOINTMENT_NEEDED
    assert not swift.ballot_choices()


def test_a_single_approved_candidate_is_elected_by_acclamation(
    setup: dict[str, Any], official: Any
) -> None:
    people, nova = setup["people"], setup["contests"]["nova"]
    winner = _stand(nova, people["alice"], official)
    _stand(nova, people["bob"], official, approve=False)  # rejected: does not count
    withdrawn = _stand(nova, people["carol"], official, approve=None)
    actions.candidacy_withdraw(candidacy=withdrawn, actor=people["carol"])
    _close(setup["election"], official)
    nova.refresh_from_db()
    assert nova.state == ContestState.ACCLAIMED
    winner.refresh_from_db()
    assert winner.elected_by_acclamation
    actions.election_phase_move(
        election=setup["election"], to_phase=Phase.POLLING, actor=official, reason="polls open"
    )
    nova.refresh_from_db()
    assert not nova.is_polling()  # no poll is held


def test_no_more_candidates_than_seats_are_all_acclaimed(
    setup: dict[str, Any], official: Any
) -> None:
    people, tc = setup["people"], setup["contests"]["tc"]
    for name in ("alice", "bob", "erin"):
        _stand(tc, people[name], official)
    _close(setup["election"], official)
    tc.refresh_from_db()
    assert tc.state == ContestState.ACCLAIMED


def test_more_candidates_than_seats_go_to_a_poll(setup: dict[str, Any], official: Any) -> None:
    people, nova = setup["people"], setup["contests"]["nova"]
    first = _stand(nova, people["alice"], official, affiliation="ACME")
    second = _stand(nova, people["bob"], official)
    _close(setup["election"], official)
    nova.refresh_from_db()
    assert nova.state == ContestState.POLLING
    assert not nova.is_polling()  # campaigning first
    actions.election_phase_move(
        election=setup["election"], to_phase=Phase.POLLING, actor=official, reason="polls open"
    )
    nova.refresh_from_db()
    assert nova.is_polling()
    assert nova.polling_closes_at == setup["election"].polling_closes_at
    choices = nova.ballot_choices()
    assert [c.key for c in choices] == sorted([f"candidacy-{first.pk}", f"candidacy-{second.pk}"])
    assert {c.label for c in choices} == {people["alice"].display_name, people["bob"].display_name}
    assert {c.affiliation for c in choices} == {"ACME", ""}


def test_an_affiliation_over_its_limit_goes_to_a_poll(
    setup: dict[str, Any],
    official: Any,
) -> None:
    people, tc = setup["people"], setup["contests"]["tc"]
    actions.contest_update(contest=tc, actor=official, max_per_affiliation=1)
    _stand(tc, people["alice"], official, affiliation="ACME")
    _stand(tc, people["bob"], official, affiliation="acme ")
    _close(setup["election"], official)
    tc.refresh_from_db()
    assert tc.state == ContestState.POLLING


def test_candidacies_not_reviewed_by_the_close_do_not_stand(
    setup: dict[str, Any], official: Any
) -> None:
    people, nova = setup["people"], setup["contests"]["nova"]
    pending = _stand(nova, people["alice"], official, approve=None)
    _close(setup["election"], official)
    nova.refresh_from_db()
    assert nova.state == ContestState.APPOINTMENT_NEEDED
    entry = AuditEntry.objects.get(action="contest.settle", target=f"contest:{nova.pk}")
    assert entry.detail["unreviewed"] == [pending.pk]
    pending.refresh_from_db()
    assert pending.state == CandidacyState.SUBMITTED


def test_each_contest_roll_is_frozen_at_the_close(setup: dict[str, Any], official: Any) -> None:
    from accounts.selectors import roll_verify

    people, contests = setup["people"], setup["contests"]
    assert all(c.roll_id is None for c in contests.values())
    assert not user_is_elector(people["alice"], contests["nova"])
    _close(setup["election"], official)
    for contest in contests.values():
        contest.refresh_from_db()
    nova, swift, tc = contests["nova"], contests["swift"], contests["tc"]
    assert nova.roll.size == 4 and swift.roll.size == 1 and tc.roll.size == 5
    assert roll_verify(nova.roll) and len(nova.roll.fingerprint) == 64
    election = setup["election"]
    assert (nova.roll.start.date(), nova.roll.end.date()) == (
        election.window_start,
        election.window_end,
    )
    assert user_is_elector(people["alice"], nova)
    assert not user_is_elector(people["erin"], nova)
    assert user_is_elector(people["erin"], tc)
    settle = AuditEntry.objects.get(action="contest.settle", target=f"contest:{nova.pk}")
    assert settle.detail["fingerprint"] == nova.roll.fingerprint and settle.detail["size"] == 4


def test_contests_and_counting_are_fixed_once_nominations_close(
    setup: dict[str, Any], official: Any
) -> None:
    _close(setup["election"], official)
    with pytest.raises(actions.ElectionError, match="fixed once nominations close"):
        actions.contest_update(contest=setup["contests"]["tc"], actor=official, seats=5)
    with pytest.raises(actions.ElectionError, match="before nominations close"):
        actions.contest_create(
            election=setup["election"],
            actor=official,
            kind=ContestKind.TC,
            name="TC 2",
            slug="tc2",
            seats=1,
        )


def test_a_community_vote_needs_two_options_before_nominations_close(
    make_election: Any, make_contest: Any, open_nominations: Any, official: Any
) -> None:
    election = make_election(slug="names")
    contest = make_contest(election, kind=ContestKind.COMMUNITY, name="Name", slug="name")
    actions.option_create(contest=contest, actor=official, name="Only one")
    election = open_nominations(election)
    with pytest.raises(actions.IllegalPhaseMove, match="at least two options"):
        _close(election, official)
    actions.option_create(contest=contest, actor=official, name="Second")
    _close(election, official)
    contest.refresh_from_db()
    assert contest.state == ContestState.POLLING
