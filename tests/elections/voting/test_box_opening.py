"""A large ballot box is opened by two processes at once: the same ballots as one process
opens, and every ballot changed in the database is counted, whichever half it is in."""

from __future__ import annotations

import os

import numpy as np
import pytest

from elections import forking
from elections.voting import boxcrypt

pytestmark = pytest.mark.skipif(not forking.can_fork(), reason="needs fork and two cores")

ORDER = [f"choice-{number}" for number in range(7)]
COUNT = 600


def packed_box(key: bytes) -> tuple[boxcrypt.FixedRows, list[dict[str, int]]]:
    draw = np.random.default_rng(3)
    lookups, sealed, ballots = [], [], []
    for number in range(COUNT):
        ranks = {
            key: int(rank) for key, rank in zip(ORDER, draw.integers(0, 4, 7), strict=True) if rank
        }
        lookup = boxcrypt.box_lookup(key, number, f"CODE-{number:05d}")
        blob = boxcrypt.seal_ballot(
            key,
            contest_id=9,
            lookup=lookup,
            ranks=ranks,
            receipt_hash=f"{number:064x}",
            tracker=f"{number:032x}",
            choice_keys=ORDER,
        )
        lookups.append(lookup.encode("ascii"))
        sealed.append(blob)
        ballots.append(ranks)
    rows = boxcrypt.FixedRows(
        lookups=b"".join(lookups),
        sealed=b"".join(sealed),
        lookup_width=64,
        width=boxcrypt.sealed_record_width(len(ORDER)),
    )
    return rows, ballots


def test_two_processes_open_the_same_ballots_as_one(monkeypatch: pytest.MonkeyPatch) -> None:
    key = boxcrypt.new_box_key()
    rows, ballots = packed_box(key)
    alone = boxcrypt.open_box_records(key, contest_id=9, rows=rows, choice_count=len(ORDER))
    monkeypatch.setattr(boxcrypt, "PARALLEL_FROM", 100)
    shared = boxcrypt.open_box_records(key, contest_id=9, rows=rows, choice_count=len(ORDER))
    assert shared.tobytes() == alone.tobytes()
    assert [boxcrypt.unpack_ranks(ORDER, row.tobytes()) for row in shared["ranks"]] == ballots
    assert shared["tracker"][COUNT - 1] == f"{COUNT - 1:032x}".encode("ascii")


def test_changed_ballots_are_counted_in_both_halves(monkeypatch: pytest.MonkeyPatch) -> None:
    key = boxcrypt.new_box_key()
    rows, _ = packed_box(key)
    sealed = bytearray(rows.sealed)
    for number in (5, 290, 301, 450, COUNT - 1):  # two in the first half, three in the child's
        sealed[number * rows.width + 20] ^= 1
    changed = boxcrypt.FixedRows(
        lookups=rows.lookups, sealed=bytes(sealed), lookup_width=64, width=rows.width
    )
    monkeypatch.setattr(boxcrypt, "PARALLEL_FROM", 100)
    with pytest.raises(boxcrypt.BallotUnreadable) as raised:
        boxcrypt.open_box_records(key, contest_id=9, rows=changed, choice_count=len(ORDER))
    assert raised.value.unreadable == 5
    assert "5 of the 600 stored ballots" in str(raised.value)


def test_a_helper_that_dies_leaves_the_whole_box_to_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = boxcrypt.new_box_key()
    rows, ballots = packed_box(key)
    parent = os.getpid()
    decrypt_each = boxcrypt._decrypt_each

    def dies_in_the_child(*args: object) -> tuple[list[bytes], int]:
        if os.getpid() != parent:
            os._exit(9)
        return decrypt_each(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(boxcrypt, "_decrypt_each", dies_in_the_child)
    monkeypatch.setattr(boxcrypt, "PARALLEL_FROM", 100)
    records = boxcrypt.open_box_records(key, contest_id=9, rows=rows, choice_count=len(ORDER))
    assert [boxcrypt.unpack_ranks(ORDER, row.tobytes()) for row in records["ranks"]] == ballots
