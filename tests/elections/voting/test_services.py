"""Casting, changing and, at the close, rewriting ballots (elections.voting.actions)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from audit.models import AuditEntry
from elections.models import Contest
from elections.voting import selectors
from elections.voting.actions import (
    AlreadyVoted,
    BallotRefused,
    NotAnElector,
    NotPolling,
    NotYetVoted,
    ReceiptNotFound,
    ballot_cast,
    ballot_change,
    ballots_seal,
)
from elections.voting.boxcrypt import unpack_ranks
from elections.voting.keys import key_exists
from elections.voting.models import BallotBoxSeal, VoterRecord
from elections.voting.ranking import Ranking, field_name, parse_ranking
from elections.voting.receipts import receipt_hash

from .box import box_ballots, key_id_of, only_ballot, sealed_count, sealed_rows
from .conftest import option_keys

pytestmark = pytest.mark.django_db


def ranking_of(contest: Contest, **ranks_by_initial: int) -> Ranking:
    keys = option_keys(contest)
    by_initial = {name[0]: key for name, key in keys.items()}
    return parse_ranking(
        {field_name(by_initial[i]): [str(r)] for i, r in ranks_by_initial.items()},
        sorted(keys.values()),
    )


def test_cast_stores_one_anonymous_ballot_and_one_voter_record(poll: Contest, elector: Any) -> None:
    code = ballot_cast(contest=poll, voter=elector, ranking=ranking_of(poll, A=1, B=2, C=2))
    ballot = only_ballot(poll)
    keys = option_keys(poll)
    assert ballot.ranks == {
        keys["Ada Lovelace"]: 1,
        keys["Brian Kernighan"]: 2,
        keys["Carol Shaw"]: 2,
    }
    assert ballot.receipt_hash == receipt_hash(code)
    assert VoterRecord.objects.filter(contest=poll, user=elector).count() == 1
    assert selectors.turnout(poll).voted == 1
    assert selectors.turnout(poll).electorate == 1


def test_cast_writes_no_audit_entry(poll: Contest, elector: Any) -> None:
    """The append-only audit log must never become a list of who voted when."""
    before = AuditEntry.objects.count()
    ballot_cast(contest=poll, voter=elector, ranking=ranking_of(poll, A=1))
    assert AuditEntry.objects.count() == before


def test_second_cast_is_refused_and_stores_nothing(poll: Contest, elector: Any) -> None:
    ballot_cast(contest=poll, voter=elector, ranking=ranking_of(poll, A=1))
    with pytest.raises(AlreadyVoted, match="already voted"):
        ballot_cast(contest=poll, voter=elector, ranking=ranking_of(poll, B=1))
    assert len(box_ballots(poll)) == 1


def test_the_database_refuses_a_second_voter_record(poll: Contest, elector: Any) -> None:
    VoterRecord.objects.create(contest=poll, user=elector)
    with pytest.raises(IntegrityError), transaction.atomic():
        VoterRecord.objects.create(contest=poll, user=elector)


def test_non_elector_cannot_cast(poll: Contest, make_user: Any) -> None:
    outsider = make_user("outsider@example.org")
    with pytest.raises(NotAnElector):
        ballot_cast(contest=poll, voter=outsider, ranking=ranking_of(poll, A=1))
    assert not box_ballots(poll) and not VoterRecord.objects.exists()


def test_unverified_address_does_not_make_an_elector(make_poll: Any, make_user: Any) -> None:
    sneaky = make_user("main@example.org", verified=("main@example.org",))
    listed = make_user("listed@example.org")
    contest = make_poll(electors=[listed])
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=sneaky, email="other@example.org", verified=False)
    with pytest.raises(NotAnElector):
        ballot_cast(contest=contest, voter=sneaky, ranking=ranking_of(contest, A=1))


def test_ballot_for_another_contest_is_refused(make_poll: Any, elector: Any) -> None:
    first = make_poll(electors=[elector])
    second = make_poll(electors=[elector])
    with pytest.raises(BallotRefused):
        ballot_cast(contest=second, voter=elector, ranking=ranking_of(first, A=1))
    assert not box_ballots(first) and not box_ballots(second)


def test_non_elector_sending_another_contests_ballot_hears_they_are_not_an_elector(
    make_poll: Any, elector: Any, make_user: Any
) -> None:
    first = make_poll(electors=[elector])
    second = make_poll(electors=[elector])
    outsider = make_user("outsider@example.org")
    with pytest.raises(NotAnElector):
        ballot_cast(contest=second, voter=outsider, ranking=ranking_of(first, A=1))
    assert not box_ballots(first) and not box_ballots(second)


def test_a_second_verified_address_on_the_roll_makes_an_elector(
    make_poll: Any, make_user: Any
) -> None:
    from allauth.account.models import EmailAddress

    from accounts.actions import voter_add

    voter_add(email="second@example.org", reason="Contributes under a second address")
    contest = make_poll()
    person = make_user("main@example.org")
    EmailAddress.objects.create(user=person, email=" Second@Example.org ", verified=True)
    code = ballot_cast(contest=contest, voter=person, ranking=ranking_of(contest, A=1))
    assert only_ballot(contest).receipt_hash == receipt_hash(code)


def test_choices_read_during_nominations_follow_later_additions(db: Any) -> None:
    """A contest read while nominations are open must not keep an old list of choices."""
    from elections.actions import (
        contest_create,
        election_create,
        election_phase_move,
        option_create,
    )

    from .conftest import _calendar

    election = election_create(actor=None, name="Names", slug="names", **_calendar())
    contest = contest_create(
        election=election, actor=None, kind="community", name="Name", slug="name"
    )
    option_create(contest=contest, actor=None, name="Ada")
    election_phase_move(election=election, to_phase="nominations", actor=None, reason="")
    loaded = Contest.objects.select_related("election").get(pk=contest.pk)
    assert [choice.label for choice in loaded.ballot_choices()] == ["Ada"]
    option_create(contest=contest, actor=None, name="Brian")
    assert [choice.label for choice in loaded.ballot_choices()] == ["Ada", "Brian"]


def test_closed_contest_takes_no_ballot(poll: Contest, elector: Any, close_poll: Any) -> None:
    closed = close_poll(poll, seal=False)
    with pytest.raises(NotPolling):
        ballot_cast(contest=closed, voter=elector, ranking=ranking_of(closed, A=1))


def test_no_ballot_after_the_closing_time_even_if_the_phase_lags(
    poll: Contest, elector: Any
) -> None:
    import time_machine

    with (
        time_machine.travel(poll.polling_closes_at, tick=False),
        pytest.raises(NotPolling, match="closed at"),
    ):
        ballot_cast(contest=poll, voter=elector, ranking=ranking_of(poll, A=1))


def test_change_replaces_the_ballot_found_by_its_receipt(poll: Contest, elector: Any) -> None:
    old_code = ballot_cast(contest=poll, voter=elector, ranking=ranking_of(poll, A=1))
    old_lookup = only_ballot(poll).lookup
    new_code = ballot_change(
        contest=poll, voter=elector, receipt=old_code.lower(), ranking=ranking_of(poll, D=1, C=2)
    )
    assert new_code != old_code
    ballot = only_ballot(poll)
    assert ballot.lookup != old_lookup
    assert ballot.receipt_hash == receipt_hash(new_code)
    assert sorted(ballot.ranks.values()) == [1, 2]
    assert VoterRecord.objects.filter(contest=poll).count() == 1
    with pytest.raises(ReceiptNotFound, match="cannot be changed"):
        ballot_change(contest=poll, voter=elector, receipt=old_code, ranking=ranking_of(poll, B=1))


def test_change_without_the_right_receipt_is_impossible(poll: Contest, elector: Any) -> None:
    ballot_cast(contest=poll, voter=elector, ranking=ranking_of(poll, A=1))
    with pytest.raises(ReceiptNotFound, match="without it your vote cannot be changed"):
        ballot_change(
            contest=poll,
            voter=elector,
            receipt="AAAAA-BBBBB-CCCCC-DDDDD",
            ranking=ranking_of(poll, B=1),
        )
    with pytest.raises(ReceiptNotFound, match="not a receipt code"):
        ballot_change(contest=poll, voter=elector, receipt="hello", ranking=ranking_of(poll, B=1))
    assert only_ballot(poll).ranks == {option_keys(poll)["Ada Lovelace"]: 1}


def test_change_needs_a_voter_record(poll: Contest, elector: Any, make_user: Any) -> None:
    with pytest.raises(NotYetVoted):
        ballot_change(
            contest=poll,
            voter=elector,
            receipt="AAAAA-BBBBB-CCCCC-DDDDD",
            ranking=ranking_of(poll, B=1),
        )


def test_change_only_while_polling(poll: Contest, elector: Any, close_poll: Any) -> None:
    code = ballot_cast(contest=poll, voter=elector, ranking=ranking_of(poll, A=1))
    closed = close_poll(poll)
    with pytest.raises(NotPolling):
        ballot_change(contest=closed, voter=elector, receipt=code, ranking=ranking_of(closed, B=1))


def test_the_seal_stores_the_box_ballots_by_receipt_hash_and_drops_the_box(
    make_poll: Any, make_user: Any, close_poll: Any, django_capture_on_commit_callbacks: Any
) -> None:
    voters = [make_user(f"voter{n}@example.org") for n in range(12)]
    contest = make_poll(electors=voters)
    for n, voter in enumerate(voters):
        ballot_cast(contest=contest, voter=voter, ranking=ranking_of(contest, A=1 + n % 3, B=2))
    before = [(b.ranks, b.receipt_hash, b.tracker) for b in box_ballots(contest)]
    assert sealed_count(contest) == 0  # nothing in the clear yet

    closed = close_poll(contest, seal=False)
    assert key_exists(key_id_of(contest))
    with django_capture_on_commit_callbacks(execute=True):
        seal = ballots_seal(contest=closed)

    after = [
        (unpack_ranks(seal.choice_keys, ranks), hashed, tracker)
        for hashed, tracker, ranks in sealed_rows(contest)
    ]

    def contents(rows: list[tuple[Any, ...]]) -> Counter[tuple[str, str, str]]:
        return Counter((repr(sorted(ranks.items())), hashed, t) for ranks, hashed, t in rows)

    assert len(after) == len(before) == 12
    assert contents(after) == contents(before)
    # Stored in the order of their receipt hashes (random codes' hashes), not of the casts.
    stored = [hashed for hashed, _, _ in sealed_rows(contest)]
    assert stored == sorted(stored)
    assert (seal.ballots, seal.voters) == (12, 12)
    assert box_ballots(contest) == [] and not key_exists(key_id_of(contest))
    entry = AuditEntry.objects.filter(action="ballots.seal").get()
    assert entry.detail == {"ballots": 12, "voters": 12, "digest": seal.digest}
    assert seal.digest == selectors.sealed_ballots_digest_now(closed)
    assert entry.actor is None


def test_rewrite_refuses_while_polling(poll: Contest) -> None:
    with pytest.raises(NotPolling):
        ballots_seal(contest=poll)
    assert not BallotBoxSeal.objects.exists()


def test_rewrite_twice_is_harmless(poll: Contest, elector: Any, close_poll: Any) -> None:
    code = ballot_cast(contest=poll, voter=elector, ranking=ranking_of(poll, A=1))
    closed = close_poll(poll)
    ballots_seal(contest=closed)
    assert BallotBoxSeal.objects.get(contest=closed).ballots == 1
    assert selectors.counted_receipt_hashes(closed) == [receipt_hash(code)]


def test_receipts_are_published_only_after_the_seal(
    poll: Contest, elector: Any, close_poll: Any
) -> None:
    code = ballot_cast(contest=poll, voter=elector, ranking=ranking_of(poll, A=1))
    assert selectors.counted_receipt_hashes(poll) == []
    assert not selectors.receipt_is_counted(poll, code)
    closed = close_poll(poll)
    assert selectors.counted_receipt_hashes(closed) == [receipt_hash(code)]
    assert selectors.receipt_is_counted(closed, code.replace("-", " ").lower())
    assert not selectors.receipt_is_counted(closed, "AAAAA-BBBBB-CCCCC-DDDDD")
    assert selectors.ballot_rankings(closed) == [{option_keys(closed)["Ada Lovelace"]: 1}]


def test_sealed_box_refuses_ballots_even_if_polling_reopened(
    poll: Contest, elector: Any, close_poll: Any
) -> None:
    closed = close_poll(poll)
    Contest.objects.filter(pk=closed.pk).update(state="polling")
    closed.election.__class__.objects.filter(pk=closed.election_id).update(phase="polling")
    reopened = Contest.objects.select_related("election").get(pk=closed.pk)
    with pytest.raises(NotPolling):
        ballot_cast(contest=reopened, voter=elector, ranking=ranking_of(reopened, A=1))
