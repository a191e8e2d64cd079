"""Sealed ballots stored in blocks (elections/voting/blocks.py): many blocks read back as one
contest, receipts found in whichever block holds them, a repeated receipt refused, and the
migration that moved ballots sealed one row each into blocks and back."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from hypothesis import given, settings
from hypothesis import strategies as st

from elections.models import Contest
from elections.voting import blocks, selectors
from elections.voting.actions import ballot_cast
from elections.voting.ballot_reads import ballot_ranges, sealed_ballot_count, sealed_ballots
from elections.voting.models import BallotBoxSeal, SealedBlock
from elections.voting.receipts import new_receipt_code, receipt_hash

from .box import sealed_rows
from .test_services import ranking_of

VOTERS = 11


def _hashes(count: int) -> np.ndarray:
    return np.array(
        [hashlib.sha256(os.urandom(16)).hexdigest().encode("ascii") for _ in range(count)],
        dtype="S64",
    )


def test_the_seal_order_sorts_receipt_hashes_and_refuses_a_repeated_one() -> None:
    hashes = _hashes(5000)
    order = blocks.receipt_order(hashes)
    assert hashes[order].tolist() == sorted(hashes.tolist())
    # Equal in their first 16 digits, different after: still sorted exactly.
    near = np.array([b"a" * 16 + b"f" * 48, b"a" * 16 + b"0" * 48, b"0" * 64], dtype="S64")
    assert near[blocks.receipt_order(near)].tolist() == sorted(near.tolist())
    copied = np.concatenate([hashes, hashes[1234:1235]])
    with pytest.raises(blocks.DuplicateReceipts, match="1 receipt hashes"):
        blocks.receipt_order(copied)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([b"", b"a", b"aaaaaaaa", b"aaaaaaab", b"\0" * 8]), st.binary()),
        max_size=60,
    ),
    st.integers(1, 40),
)
def test_the_bytewise_order_is_a_stable_sort_of_the_strings(
    parts: list[tuple[bytes, bytes]], width: int
) -> None:
    """Strings that share their first eight bytes (or are equal, or hold zero bytes) are
    ordered as a stable sort of the strings orders them: the published trackers file and the
    sealed digest depend on it to the byte."""
    strings = np.array([(lead + rest)[:width] for lead, rest in parts], dtype=f"S{width}")
    order = blocks.bytewise_order(strings)
    assert order.tolist() == np.argsort(strings, kind="stable").tolist()


def test_blocks_cut_the_sorted_ballots_and_a_search_finds_each_one() -> None:
    hashes = np.sort(_hashes(23))
    trackers = np.array([h[:32] for h in hashes.tolist()], dtype="S32")
    ranks = np.arange(23 * 3, dtype=np.uint16).reshape(23, 3)
    cut = blocks.split_blocks(hashes, trackers, ranks, size=5)
    assert [(b.number, b.start, b.count) for b in cut] == [
        (0, 0, 5),
        (1, 5, 5),
        (2, 10, 5),
        (3, 15, 5),
        (4, 20, 3),
    ]
    assert blocks.joined([b.ranks for b in cut], "<u2").reshape(23, 3).tolist() == ranks.tolist()
    for number, wanted in enumerate(hashes.tolist()):
        block = cut[number // 5]
        assert block.first_receipt <= wanted
        assert blocks.position_in_block(block.receipt_hashes, wanted.decode()) == number % 5
    assert blocks.position_in_block(cut[0].receipt_hashes, "f" * 64) is None


@pytest.fixture
def sealed_in_blocks(
    make_poll: Any, make_user: Any, close_poll: Any, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """A poll of ``VOTERS`` voters sealed in blocks of 4 ballots (3 blocks)."""
    monkeypatch.setattr(blocks, "BLOCK_BALLOTS", 4)
    voters = [make_user(f"block{n}@example.org") for n in range(VOTERS)]
    contest = make_poll(electors=voters)
    codes = [
        ballot_cast(contest=contest, voter=voter, ranking=ranking_of(contest, A=1 + n % 3, B=2))
        for n, voter in enumerate(voters)
    ]
    return {"contest": close_poll(contest), "codes": codes}


def test_every_receipt_is_found_in_its_block_and_others_are_not(
    sealed_in_blocks: dict[str, Any],
) -> None:
    contest: Contest = sealed_in_blocks["contest"]
    assert list(
        SealedBlock.objects.filter(contest=contest).order_by("number").values_list("count")
    ) == [(4,), (4,), (3,)]
    for code in sealed_in_blocks["codes"]:
        assert selectors.receipt_check(contest, code).state == "counted"
    assert selectors.receipt_check(contest, new_receipt_code()).state == "not found"
    expected = sorted(receipt_hash(code) for code in sealed_in_blocks["codes"])
    assert selectors.counted_receipt_hashes(contest) == expected
    seal = BallotBoxSeal.objects.get(contest=contest)
    assert seal.digest == selectors.sealed_ballots_digest_now(contest)


def test_ranges_across_blocks_read_every_ballot_once(sealed_in_blocks: dict[str, Any]) -> None:
    contest: Contest = sealed_in_blocks["contest"]
    whole = sealed_ballots(contest, trackers=True, receipts=True)
    assert whole.receipt_hashes is not None and whole.trackers is not None
    assert sealed_ballot_count(contest) == VOTERS == whole.ranks.shape[0]
    for parts in (1, 2, 3, 5, VOTERS, VOTERS + 2):
        pieces = [
            sealed_ballots(contest, receipts=True, ballots=part)
            for part in ballot_ranges(VOTERS, parts)
        ]
        assert np.concatenate([p.ranks for p in pieces]).tolist() == whole.ranks.tolist()
        read = np.concatenate([p.receipt_hashes for p in pieces if p.receipt_hashes is not None])
        assert read.tolist() == whole.receipt_hashes.tolist()
    stored = [(h, t) for h, t, _ in sealed_rows(contest)]
    as_read = [
        (h.decode(), t.decode()) for h, t in zip(whole.receipt_hashes, whole.trackers, strict=True)
    ]
    assert stored == as_read


def _migrate(target: str) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("voting", target)])


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_sealed_ballots_into_blocks_and_back(
    sealed_in_blocks: dict[str, Any],
) -> None:
    contest: Contest = sealed_in_blocks["contest"]
    before = Counter(sealed_rows(contest))
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("voting")[0][1]
    try:
        _migrate("0006_ballot_contest_index")  # one row per ballot again
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT receipt_hash, tracker, ranks FROM voting_ballot WHERE contest_id = %s",
                [contest.pk],
            )
            rows = Counter((h, t, bytes(r)) for h, t, r in cursor.fetchall())
        assert rows == before
    finally:
        _migrate(latest)
    # Back in blocks of 4,096 (one block here), sorted by receipt hash, the same ballots.
    assert SealedBlock.objects.filter(contest=contest).count() == 1
    after = sealed_rows(contest)
    assert Counter(after) == before
    assert [h for h, _, _ in after] == sorted(h for h, _, _ in after)
    seal = BallotBoxSeal.objects.get(contest=contest)
    assert seal.digest == selectors.sealed_ballots_digest_now(contest)
    for code in sealed_in_blocks["codes"]:
        assert selectors.receipt_check(contest, code).state == "counted"
