"""One ballot per voter under fire: many simultaneous requests of one voter (PostgreSQL).

Each thread has its own database connection, as each web worker would. SQLite serialises
every write itself and cannot show a race, so these tests need PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from elections.models import Contest
from elections.voting.actions import AlreadyVoted, ReceiptNotFound, ballot_cast, ballot_change
from elections.voting.models import VoterRecord
from elections.voting.ranking import field_name, parse_ranking

from .box import box_ballots, only_ballot, sealed_count
from .conftest import option_keys

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 50


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite serialises writes, no race")


def run_at_once(count: int, work: Callable[[int], str]) -> list[str]:
    """Run ``work(n)`` in ``count`` threads released together; return what each reported."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = [""] * count

    def runner(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[n] = work(n)
        except Exception as error:  # noqa: BLE001 - reported and asserted on below
            outcomes[n] = f"{type(error).__name__}: {error}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_fifty_simultaneous_casts_by_one_voter_store_one_ballot(
    make_poll: Any, elector: Any
) -> None:
    contest = make_poll(electors=[elector])
    keys = sorted(option_keys(contest).values())

    def cast(n: int) -> str:
        ranking = parse_ranking({field_name(keys[n % len(keys)]): ["1"]}, keys)
        try:
            ballot_cast(contest=Contest.objects.get(pk=contest.pk), voter=elector, ranking=ranking)
        except AlreadyVoted:
            return "already voted"
        return "cast"

    outcomes = run_at_once(THREADS, cast)
    assert sorted(set(outcomes)) == ["already voted", "cast"], outcomes
    assert outcomes.count("cast") == 1
    assert len(box_ballots(contest)) == 1
    assert VoterRecord.objects.filter(contest=contest, user=elector).count() == 1


def test_simultaneous_changes_with_one_receipt_replace_the_ballot_once(
    make_poll: Any, elector: Any
) -> None:
    contest = make_poll(electors=[elector])
    keys = sorted(option_keys(contest).values())
    code = ballot_cast(
        contest=contest, voter=elector, ranking=parse_ranking({field_name(keys[0]): ["1"]}, keys)
    )

    def change(n: int) -> str:
        ranking = parse_ranking({field_name(keys[1 + n % 3]): ["1"]}, keys)
        try:
            ballot_change(
                contest=Contest.objects.get(pk=contest.pk),
                voter=elector,
                receipt=code,
                ranking=ranking,
            )
        except ReceiptNotFound:
            return "not found"
        return "changed"

    outcomes = run_at_once(20, change)
    assert outcomes.count("changed") == 1, outcomes
    assert outcomes.count("not found") == 19
    assert only_ballot(contest).ranks != {keys[0]: 1}


def test_casts_racing_the_close_are_either_sealed_in_or_refused(
    make_poll: Any, make_user: Any
) -> None:
    """No ballot slips in after the rewrite, none is lost, and nothing deadlocks."""
    from elections.actions import election_phase_move
    from elections.models import Phase
    from elections.voting.actions import NotPolling, ballots_seal
    from elections.voting.models import BallotBoxSeal

    voters = [make_user(f"racer{n}@example.org") for n in range(24)]
    contest = make_poll(electors=voters)
    keys = sorted(option_keys(contest).values())

    def work(n: int) -> str:
        if n == 12:
            election_phase_move(
                election=contest.election, to_phase=Phase.CLOSED, actor=None, reason=""
            )
            ballots_seal(contest=Contest.objects.get(pk=contest.pk))
            return "closed"
        voter = voters[n if n < 12 else n - 1]
        ranking = parse_ranking({field_name(keys[n % len(keys)]): ["1"]}, keys)
        try:
            ballot_cast(contest=Contest.objects.get(pk=contest.pk), voter=voter, ranking=ranking)
        except NotPolling:
            return "refused"
        return "cast"

    outcomes = run_at_once(24, work)
    assert set(outcomes) <= {"cast", "refused", "closed"}, outcomes
    seal = BallotBoxSeal.objects.get(contest=contest)
    ballots = sealed_count(contest)
    assert seal.ballots == ballots == outcomes.count("cast")
    assert VoterRecord.objects.filter(contest=contest).count() == ballots
