"""The encrypted ballot box: receipts bound to their voter, tampering found, keys kept and
destroyed, trackers (docs/secrecy.md)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from elections.models import Contest
from elections.voting import selectors
from elections.voting.actions import (
    BallotBoxTampered,
    BallotBoxUnavailable,
    ReceiptNotFound,
    ballot_cast,
    ballot_change,
    ballots_seal,
)
from elections.voting.boxcrypt import box_table, pack_ranks
from elections.voting.keys import key_exists, key_path
from elections.voting.models import BallotBoxSeal
from elections.voting.ranking import Ranking, field_name, parse_ranking
from elections.voting.receipts import receipt_hash

from .box import box_ballots, key_id_of, only_ballot, rewrite_sealed_ranks, sealed_count
from .conftest import PASSWORD, option_keys

pytestmark = pytest.mark.django_db


def first(contest: Contest, name: str) -> Ranking:
    keys = option_keys(contest)
    return parse_ranking({field_name(keys[name]): ["1"]}, sorted(keys.values()))


@pytest.fixture
def two_voters(make_poll: Any, make_user: Any) -> tuple[Contest, Any, Any]:
    alice = make_user("alice@example.org")
    bob = make_user("bob@example.org")
    return make_poll(electors=[alice, bob]), alice, bob


def test_another_voters_receipt_replaces_nothing(two_voters: tuple[Contest, Any, Any]) -> None:
    contest, alice, bob = two_voters
    alice_code = ballot_cast(contest=contest, voter=alice, ranking=first(contest, "Ada Lovelace"))
    ballot_cast(contest=contest, voter=bob, ranking=first(contest, "Carol Shaw"))
    before = sorted((b.lookup, b.receipt_hash) for b in box_ballots(contest))
    with pytest.raises(ReceiptNotFound):
        ballot_change(
            contest=contest, voter=bob, receipt=alice_code, ranking=first(contest, "Carol Shaw")
        )
    assert not selectors.ballot_exists_for_receipt(contest, bob, alice_code)
    assert sorted((b.lookup, b.receipt_hash) for b in box_ballots(contest)) == before
    # Alice can still change hers with it.
    assert selectors.ballot_exists_for_receipt(contest, alice, alice_code)
    ballot_change(
        contest=contest, voter=alice, receipt=alice_code, ranking=first(contest, "Dennis Ritchie")
    )
    assert len(box_ballots(contest)) == 2


def test_a_ballot_changed_in_the_database_stops_the_seal(
    two_voters: tuple[Contest, Any, Any], close_poll: Any
) -> None:
    contest, alice, bob = two_voters
    ballot_cast(contest=contest, voter=alice, ranking=first(contest, "Ada Lovelace"))
    ballot_cast(contest=contest, voter=bob, ranking=first(contest, "Carol Shaw"))
    # A database administrator swaps the two ciphertexts (or flips a bit in one).
    rows = {b.lookup for b in box_ballots(contest)}
    one, two = sorted(rows)
    with connection.cursor() as cursor:
        table = box_table(contest.pk)
        cursor.execute(f"SELECT sealed FROM {table} WHERE lookup = %s", [one])  # noqa: S608
        blob = bytes(cursor.fetchone()[0])
        cursor.execute(f"SELECT sealed FROM {table} WHERE lookup = %s", [two])  # noqa: S608
        other = bytes(cursor.fetchone()[0])
        cursor.execute(f"UPDATE {table} SET sealed = %s WHERE lookup = %s", [blob, two])  # noqa: S608
        cursor.execute(f"UPDATE {table} SET sealed = %s WHERE lookup = %s", [other, one])  # noqa: S608
    closed = close_poll(contest, seal=False)
    # Both moved ciphertexts fail, and the officials are told how many.
    with pytest.raises(BallotBoxTampered, match="2 of the 2 ballots"):
        ballots_seal(contest=closed)
    assert not BallotBoxSeal.objects.filter(contest=contest).exists()
    assert sealed_count(contest) == 0


def test_the_seal_refused_is_shown_to_officials_and_nothing_is_counted(
    two_voters: tuple[Contest, Any, Any], close_poll: Any
) -> None:
    from audit.models import AuditEntry
    from elections.results import actions as result_actions
    from elections.results.models import Result, TallyRun

    contest, alice, _ = two_voters
    ballot_cast(contest=contest, voter=alice, ranking=first(contest, "Ada Lovelace"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {box_table(contest.pk)} SET lookup = %s",  # noqa: S608
            ["0" * 64],
        )
    closed = close_poll(contest, seal=False)
    with pytest.raises(result_actions.ResultError, match="do not open under its key"):
        result_actions.contest_seal_and_tally(contest=closed)
    run = TallyRun.objects.get(contest=contest)
    assert run.state == "failed" and "changed in the database" in run.error
    assert AuditEntry.objects.filter(action="ballots.seal_refused").count() == 1
    assert not Result.objects.filter(contest=contest).exists()


def test_a_ranking_changed_after_the_seal_is_caught_by_the_voter_and_the_officials(
    two_voters: tuple[Contest, Any, Any], close_poll: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from elections.results import actions as result_actions
    from elections.results.models import Result
    from elections.results.selectors import result_problems

    contest, alice, bob = two_voters
    alice_code = ballot_cast(contest=contest, voter=alice, ranking=first(contest, "Ada Lovelace"))
    bob_code = ballot_cast(contest=contest, voter=bob, ranking=first(contest, "Carol Shaw"))
    closed = close_poll(contest)
    with django_capture_on_commit_callbacks(execute=True):
        result_actions.contest_close_and_tally(contest=closed)
    result = Result.objects.get(contest=contest)
    assert result_problems(result) == []
    assert selectors.receipt_check(closed, alice_code).state == "counted"

    # A database administrator rewrites Alice's ballot to Bob's choice.
    keys = option_keys(contest)
    order = BallotBoxSeal.objects.get(contest=contest).choice_keys
    rewrite_sealed_ranks(
        contest, receipt_hash(alice_code), pack_ranks(order, {keys["Carol Shaw"]: 1})
    )

    assert selectors.receipt_check(closed, alice_code).state == "altered"
    assert selectors.receipt_check(closed, bob_code).state == "counted"
    page = Client().post(reverse("receipt_check", args=[contest.pk]), {"receipt": alice_code})
    assert "Counted, but changed." in page.content.decode()
    problems = result_problems(result)
    assert any("changed after the seal" in problem for problem in problems), problems


def test_a_lost_key_stops_casting_loudly_and_healthz_says_so(
    two_voters: tuple[Contest, Any, Any], client: Client, settings: Any
) -> None:
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    contest, alice, bob = two_voters
    ballot_cast(contest=contest, voter=alice, ranking=first(contest, "Ada Lovelace"))
    key_path(key_id_of(contest)).unlink()
    with pytest.raises(BallotBoxUnavailable):
        ballot_cast(contest=contest, voter=bob, ranking=first(contest, "Ada Lovelace"))
    assert selectors.ballot_boxes_without_key() == [contest.pk]
    settings.STACKVOTE_HEALTH_TOKEN = "monitoring-" + "t" * 40  # only monitoring reads the parts
    health = client.get("/healthz", HTTP_AUTHORIZATION=f"Bearer {settings.STACKVOTE_HEALTH_TOKEN}")
    health = health.json()
    assert health["ballot_keys"].startswith("error") and str(contest.pk) in health["ballot_keys"]
    with pytest.raises(SystemCheckError, match="voting.W001"):
        call_command("check", "--database", "default", "--fail-level", "WARNING")
    # The voter hears it plainly, with a 503, and no receipt.
    assert client.login(username="bob@example.org", password=PASSWORD)
    keys = option_keys(contest)
    page = client.post(
        reverse("ballot", args=[contest.pk]),
        {field_name(keys["Ada Lovelace"]): "1", "step": "confirm"},
    )
    assert page.status_code == 503
    assert "ballot box is unavailable" in page.content.decode()


def test_boxes_of_two_databases_sharing_a_key_directory_never_meet(
    two_voters: tuple[Contest, Any, Any],
) -> None:
    """A bench's scratch database numbers its contests from 1 too: its keys have other names."""
    contest, alice, _ = two_voters
    ballot_cast(contest=contest, voter=alice, ranking=first(contest, "Ada Lovelace"))
    from elections.voting.keys import key_create

    key_id = key_id_of(contest)
    assert key_path(key_id).name == f"box-{key_id.hex}.key"  # a random id, not the contest's
    before = key_path(key_id).read_bytes()
    with pytest.raises(FileExistsError):
        key_create(key_id)  # a key file is never replaced
    assert key_path(key_id).read_bytes() == before


def test_someone_off_the_roll_opens_no_box_and_writes_no_key(
    two_voters: tuple[Contest, Any, Any], make_user: Any
) -> None:
    from elections.voting.actions import NotAnElector
    from elections.voting.keys import key_ids

    contest, _, _ = two_voters
    outsider = make_user("outsider@example.org")
    before = key_ids()
    for _ in range(3):
        with pytest.raises(NotAnElector):
            ballot_cast(contest=contest, voter=outsider, ranking=first(contest, "Ada Lovelace"))
    assert key_ids() == before
    assert not box_ballots(contest)


def test_another_key_is_not_taken_for_the_boxes_key(
    two_voters: tuple[Contest, Any, Any],
) -> None:
    contest, alice, bob = two_voters
    ballot_cast(contest=contest, voter=alice, ranking=first(contest, "Ada Lovelace"))
    key_path(key_id_of(contest)).write_bytes(b"\x01" * 32)
    with pytest.raises(BallotBoxUnavailable):
        ballot_cast(contest=contest, voter=bob, ranking=first(contest, "Ada Lovelace"))


def test_the_key_file_is_private_and_destroyed_by_the_seal_or_the_sweep(
    two_voters: tuple[Contest, Any, Any], close_poll: Any
) -> None:
    from elections.voting.tasks import destroy_spent_keys

    contest, alice, _ = two_voters
    ballot_cast(contest=contest, voter=alice, ranking=first(contest, "Ada Lovelace"))
    path = key_path(key_id_of(contest))
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o077 == 0
    close_poll(contest)  # inside the test's transaction: the seal's on-commit never runs
    assert key_exists(key_id_of(contest))
    assert destroy_spent_keys.delay().get() == [str(key_id_of(contest))]
    assert not key_exists(key_id_of(contest))


def test_the_officials_request_queues_the_seal_for_a_worker(
    two_voters: tuple[Contest, Any, Any],
    close_poll: Any,
    official: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from elections.results import actions as result_actions

    contest, alice, _ = two_voters
    contest.election.officials.add(official)
    ballot_cast(contest=contest, voter=alice, ranking=first(contest, "Ada Lovelace"))
    closed = close_poll(contest, seal=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert result_actions.contest_close_and_tally(contest=closed, actor=official) is None
    assert not BallotBoxSeal.objects.filter(contest=contest).exists()  # not in the request
    for callback in callbacks:
        callback()
    assert BallotBoxSeal.objects.filter(contest=contest).exists()


def test_published_trackers_let_a_voter_find_their_ballot(
    make_poll: Any, make_user: Any, close_poll: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from elections.actions import election_update
    from elections.actions.errors import ElectionError
    from elections.results import actions as result_actions
    from elections.results.models import Result

    alice = make_user("alice@example.org")
    contest = make_poll(electors=[alice])
    election = contest.election
    # Fixed once polling opens: voters cast under it.
    with pytest.raises(ElectionError, match="fixed once polling opens"):
        election_update(election=election, actor=None, publish_trackers=True)
    type(election).objects.filter(pk=election.pk).update(publish_trackers=True)
    contest = Contest.objects.select_related("election").get(pk=contest.pk)

    client = Client()
    assert client.login(username="alice@example.org", password=PASSWORD)
    keys = option_keys(contest)
    page = client.post(
        reverse("ballot", args=[contest.pk]),
        {
            field_name(keys["Carol Shaw"]): "1",
            field_name(keys["Ada Lovelace"]): "2",
            "step": "confirm",
        },
    ).content.decode()
    tracker = only_ballot(contest).tracker
    assert tracker in page  # shown with the receipt
    closed = close_poll(contest)
    with django_capture_on_commit_callbacks(execute=True):
        result_actions.contest_close_and_tally(contest=closed)
    result = Result.objects.get(contest=contest)
    trackers = result.files.get(kind="trackers").content.splitlines()
    assert trackers[0].startswith("tracker,")
    names = trackers[0].split(",")[1:]
    (row,) = [line.split(",") for line in trackers[1:] if line.startswith(tracker)]
    assert row[1 + names.index("Carol Shaw")] == "1"
    assert row[1 + names.index("Ada Lovelace")] == "2"
