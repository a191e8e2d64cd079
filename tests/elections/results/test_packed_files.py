"""Packed ballots, numpy-written files and the chunked count, on the database the site runs on.

The same sealed ballots counted in one process and in chunks (each chunk reading its own
range of the stored ballots, in blocks, from the database) give the same result and the
same files; the files written by numpy are byte for byte those of the per-ballot writers
they replaced.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
import pytest
from django.db import transaction

from elections.forking import can_fork
from elections.results import actions, exports, selectors
from elections.results.models import Result, TallyRun
from elections.results.tasks import tally_contest
from elections.voting import blocks, boxcrypt
from elections.voting.actions import ballots_seal
from elections.voting.selectors import counted_receipt_hashes

from .test_tally import WIKIPEDIA_CANDIDATES, assert_same_count, wikipedia_ballots


class _RolledBack(Exception):
    pass


def reference_trackers_csv(names: list[str], trackers: list[str], ranks: np.ndarray) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["tracker", *names])
    for index in sorted(range(len(trackers)), key=trackers.__getitem__):
        writer.writerow([trackers[index], *(str(r) if r else "" for r in ranks[index].tolist())])
    return buffer.getvalue()


def reference_receipts(hashes: list[str]) -> str:
    return "".join(f"{receipt}\n" for receipt in sorted(hashes))


@pytest.fixture(params=["one process", "two processes"])
def sealed_contest(
    polled_contest: Any, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Any:
    """The 45 ballots sealed in blocks of 8 (6 blocks), so that the chunks' ranges of 9
    ballots start and end inside blocks; the box opened by one process, or by two at once
    as a large box is (``boxcrypt._in_two_processes``)."""
    monkeypatch.setattr(blocks, "BLOCK_BALLOTS", 8)
    if request.param == "two processes":
        if not can_fork():
            pytest.skip("needs fork and two cores")
        monkeypatch.setattr(boxcrypt, "PARALLEL_FROM", 2)
    contest = polled_contest(candidates=WIKIPEDIA_CANDIDATES, ballots=wikipedia_ballots())
    type(contest.election).objects.filter(pk=contest.election_id).update(publish_trackers=True)
    ballots_seal(contest=contest)
    contest.refresh_from_db()
    assert contest.sealed_blocks.count() == 6
    return contest


def _files(result: Result) -> dict[str, str]:
    return {stored.kind: stored.content for stored in result.files.all()}


@pytest.mark.django_db(transaction=False)
def test_chunks_reading_their_own_ranges_give_the_single_count_and_its_files(
    sealed_contest: Any, settings: Any
) -> None:
    contest = sealed_contest
    try:
        with transaction.atomic():
            single = actions.result_tally(contest=contest)
            single_files = _files(single)
            single_copy = Result.objects.get(pk=single.pk)
            raise _RolledBack
    except _RolledBack:
        pass
    assert not Result.objects.filter(contest=contest).exists()

    settings.STACKVOTE_TALLY_CHUNK_SIZE = 10
    assert tally_contest.delay(contest.pk).get() is None  # the chord stored it
    run = TallyRun.objects.get(contest=contest)
    assert run.chunks_total == 5 and run.chunks_done == 5
    chunked = Result.objects.get(contest=contest)
    assert_same_count(single_copy, chunked)
    assert chunked.ballot_set_sha256 == single_copy.ballot_set_sha256
    chunked_files = _files(chunked)
    # The ballot CSV is shuffled afresh each time: the same lines, in another order.
    for kind in ("ballots_preflib", "receipts", "trackers"):
        assert chunked_files[kind] == single_files[kind], kind
    one, other = single_files["ballots_csv"], chunked_files["ballots_csv"]
    assert one.splitlines()[0] == other.splitlines()[0]
    assert sorted(one.splitlines()[1:]) == sorted(other.splitlines()[1:])
    assert len(one.splitlines()) == 46


@pytest.mark.django_db
def test_the_published_files_are_those_of_the_per_ballot_writers(sealed_contest: Any) -> None:
    result = actions.result_tally(contest=sealed_contest)
    files = _files(result)
    matrix = selectors.contest_ballot_matrix(sealed_contest, trackers=True, receipts=True)
    assert matrix.trackers is not None and matrix.receipt_hashes is not None
    trackers = [tracker.decode("ascii") for tracker in matrix.trackers]
    names = list(matrix.names)
    expected = reference_trackers_csv(names, trackers, matrix.ranks)
    assert files["trackers"] == expected
    assert exports.trackers_csv(names, trackers, matrix.ranks) == expected
    receipts = counted_receipt_hashes(sealed_contest)
    assert len(receipts) == 45
    assert files["receipts"] == reference_receipts(receipts)
    assert exports.receipts_text(receipts) == reference_receipts(receipts)


@pytest.mark.django_db
def test_the_rank_matrix_is_read_back_exactly_as_it_was_cast(sealed_contest: Any) -> None:
    matrix = selectors.contest_ballot_matrix(sealed_contest)
    names = [choice.label for choice in matrix.choices]
    wanted = sorted(
        tuple(row[WIKIPEDIA_CANDIDATES.index(name)] for name in names)
        for row in wikipedia_ballots()
    )
    assert sorted(tuple(row) for row in matrix.ranks.tolist()) == wanted
