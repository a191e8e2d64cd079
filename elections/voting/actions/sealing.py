"""Sealing a closed contest's ballot box: its ballots decrypted, sorted by receipt hash and
stored in blocks for the count, its table dropped and its key destroyed."""

from __future__ import annotations

import functools
import logging
import struct
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from audit.actions import audit_record
from elections.models import Contest
from elections.voting.actions.boxes import (
    OpenBox,
    box_drop,
    box_key,
    box_order,
    box_rows,
    box_rows_fixed,
    open_box,
)
from elections.voting.actions.casting import _lock
from elections.voting.actions.errors import BallotBoxTampered, NotPolling
from elections.voting.blocks import DuplicateReceipts, receipt_order, split_blocks
from elections.voting.boxcrypt import (
    RANK_DTYPE,
    BallotUnreadable,
    FixedRows,
    OpenedBallot,
    open_ballot,
    open_box_records,
    sealed_record_width,
)
from elections.voting.keys import key_destroy, key_ids
from elections.voting.models import BallotBoxSeal, SealedBlock, VoterRecord
from elections.voting.sealed import (
    DIGEST_VERSION,
    copy_binary_in,
    random_uuid4s,
    sealed_digest,
)

logger = logging.getLogger(__name__)


def ballots_seal(*, contest: Contest) -> BallotBoxSeal:
    """At the close: turn the contest's ballot box into the ballots that are counted.

    Under the contest's lock (no other contest is locked): every ballot of the box is
    decrypted with the contest key, the ballots are sorted by receipt hash (the hash of a
    random code: an order that says nothing of who voted when) and written in blocks of
    thousands (``SealedBlock``, one binary ``COPY``), all in this one transaction; the box
    table is dropped, and the key file destroyed once this commits. The rows written during
    polling, their dead versions in the WAL and in backups, held only ciphertext, which
    nobody can read any more.

    A ballot that does not open under the key (changed in the database, moved to another row,
    or another key), or two ballots with one receipt (one copied), stops the seal with
    ``BallotBoxTampered``: nothing is counted, the box is left as it is for the officials to
    investigate. Sealing a sealed box returns its seal.
    """
    with transaction.atomic():
        locked = _lock(contest)
        if locked.is_polling():
            raise NotPolling(
                "Polling is still open in this contest; the ballot box is sealed at the close."
            )
        existing = BallotBoxSeal.objects.filter(contest=locked).first()
        if existing is not None:
            return existing
        box = open_box(locked.pk)
        opened = _open_box(locked, box)
        seal = _store_sealed(locked, opened, key_id=box[0] if box else None)
        box_drop(locked.pk)
        if box is not None:
            transaction.on_commit(functools.partial(key_destroy, box[0]))
    return seal


@dataclass(frozen=True)
class _OpenedBox:
    """A box's ballots once decrypted, as columns: the frozen order of the choices, the
    receipt hashes (``S64``), the trackers (``S32``) and the ranks (rows × choices)."""

    choice_keys: list[str]
    receipt_hashes: np.ndarray
    trackers: np.ndarray
    ranks: np.ndarray

    @property
    def count(self) -> int:
        return int(self.trackers.shape[0])


def _store_sealed(contest: Contest, opened: _OpenedBox, *, key_id: Any) -> BallotBoxSeal:
    """Store the opened ballots sorted by receipt hash, in blocks, and the seal with their
    digest."""
    try:
        order = receipt_order(opened.receipt_hashes)
    except DuplicateReceipts as error:
        raise BallotBoxTampered(
            f"Ballots in the ballot box of {contest.name} repeat a receipt ({error}): they "
            "were copied in the database after they were cast. Nothing was sealed or "
            "counted; the box and its key are kept for investigation "
            '(docs/operations.md, "Ballot box keys").'
        ) from error
    ordered = _OpenedBox(
        choice_keys=opened.choice_keys,
        receipt_hashes=opened.receipt_hashes[order],
        trackers=opened.trackers[order],
        ranks=np.ascontiguousarray(opened.ranks[order], dtype=RANK_DTYPE),
    )
    # The digest (numpy and SHA-256, which let go of the interpreter's lock) is computed
    # while PostgreSQL takes in the blocks.
    with ThreadPoolExecutor(max_workers=1) as pool:
        digesting = pool.submit(sealed_digest, ordered.choice_keys, ordered.trackers, ordered.ranks)
        _insert_blocks(contest, ordered)
        digest = digesting.result()
    voters = VoterRecord.objects.filter(contest=contest).count()
    if voters != opened.count:
        logger.error(
            "Contest %s sealed with %s ballots for %s voter records.",
            contest.pk,
            opened.count,
            voters,
        )
    audit_record(
        actor=None,
        action="ballots.seal",
        target=f"contest:{contest.pk}",
        detail={"ballots": opened.count, "voters": voters, "digest": digest},
    )
    return BallotBoxSeal.objects.create(
        contest=contest,
        ballots=opened.count,
        voters=voters,
        sealed_at=timezone.now(),
        digest=digest,
        digest_version=DIGEST_VERSION,
        choice_keys=ordered.choice_keys,
        key_id=key_id,
    )


_BLOCK_COLUMNS = (
    "id",
    "contest_id",
    "number",
    "start",
    "count",
    "first_receipt",
    "receipt_hashes",
    "trackers",
    "ranks",
)


def _insert_blocks(contest: Contest, ballots: _OpenedBox) -> None:
    """Write the sealed ballots in blocks: on PostgreSQL one binary COPY of a few hundred
    rows for a million ballots, elsewhere through the ORM."""
    blocks = split_blocks(ballots.receipt_hashes, ballots.trackers, ballots.ranks)
    if not blocks:
        return
    if connection.vendor != "postgresql":
        SealedBlock.objects.bulk_create(
            SealedBlock(
                contest=contest,
                number=block.number,
                start=block.start,
                count=block.count,
                first_receipt=block.first_receipt,
                receipt_hashes=block.receipt_hashes,
                trackers=block.trackers,
                ranks=block.ranks,
            )
            for block in blocks
        )
        return
    ids = random_uuid4s(len(blocks))
    with connection.cursor() as cursor:
        copy_binary_in(
            cursor.cursor,
            SealedBlock._meta.db_table,
            _BLOCK_COLUMNS,
            [
                (
                    ids[block.number].tobytes(),
                    struct.pack(">q", contest.pk),
                    struct.pack(">i", block.number),
                    struct.pack(">q", block.start),
                    struct.pack(">i", block.count),
                    block.first_receipt,
                    block.receipt_hashes,
                    block.trackers,
                    block.ranks,
                )
                for block in blocks
            ],
        )


def _open_box(contest: Contest, box: OpenBox | None) -> _OpenedBox:
    if box is None:
        return _opened_from_json(contest, [])
    key = box_key(contest.pk, box)
    order = box_order(contest.pk, key, box)
    rows: Sequence[tuple[str | bytes, bytes]] | FixedRows | None = None
    if order is not None and connection.vendor == "postgresql":
        rows = box_rows_fixed(contest.pk, sealed_record_width(len(order)))
    if rows is None:
        rows = box_rows(contest.pk)
    if not rows:
        return _opened_from_json(contest, [], order)
    if order is not None:
        try:
            records = open_box_records(
                key, contest_id=contest.pk, rows=rows, choice_count=len(order)
            )
        except BallotUnreadable as error:
            raise _tampered(contest, error.unreadable, len(rows)) from error
        return _OpenedBox(
            choice_keys=list(order),
            receipt_hashes=records["receipt_hash"],
            trackers=records["tracker"],
            ranks=records["ranks"],
        )
    opened: list[OpenedBallot] = []
    unreadable = 0
    assert not isinstance(rows, FixedRows)  # noqa: S101 - read whole only with an order
    for lookup, blob in rows:
        try:
            opened.append(open_ballot(key, contest_id=contest.pk, lookup=str(lookup), blob=blob))
        except BallotUnreadable:
            unreadable += 1
    if unreadable:
        raise _tampered(contest, unreadable, len(rows))
    return _opened_from_json(contest, opened)


def _tampered(contest: Contest, unreadable: int, total: int) -> BallotBoxTampered:
    return BallotBoxTampered(
        f"{unreadable} of the {total} ballots in the ballot box of {contest.name} do not "
        "open under its key: they were changed in the database after they were cast. "
        "Nothing was sealed or counted; the box and its key are kept for investigation "
        '(docs/operations.md, "Ballot box keys").'
    )


def _opened_from_json(
    contest: Contest, opened: list[OpenedBallot], order: list[str] | None = None
) -> _OpenedBox:
    """The ballots of a box opened before orders were frozen (JSON records), in columns; the
    order is the contest's choices, then any other choice a ballot names."""
    if order is None:
        order = [choice.key for choice in contest.ballot_choices()]
        named = {key for ballot in opened for key in ballot.ranks}
        order += sorted(named - set(order))
    column = {key: index for index, key in enumerate(order)}
    ranks = np.zeros((len(opened), len(order)), dtype=RANK_DTYPE)
    for number, ballot in enumerate(opened):
        for key, rank in ballot.ranks.items():
            ranks[number, column[key]] = rank
    return _OpenedBox(
        choice_keys=order,
        receipt_hashes=np.array([b.receipt_hash.encode("ascii") for b in opened], dtype="S64"),
        trackers=np.array([b.tracker.encode("ascii") for b in opened], dtype="S32"),
        ranks=ranks,
    )


def ballot_keys_destroy_spent() -> list[str]:
    """Destroy the key file of every sealed box that still has one (a seal whose process
    stopped between its commit and the key's destruction); return those keys' ids.

    Only keys of this database's sealed boxes: a key without a box row may belong to a box
    being opened by a cast that has not committed yet, or to another database."""
    present = key_ids()
    if not present:
        return []
    sealed = BallotBoxSeal.objects.filter(key_id__in=present).values_list("key_id", flat=True)
    destroyed = [str(key_id) for key_id in sorted(sealed) if key_destroy(key_id)]
    if destroyed:
        logger.warning("Destroyed the keys of sealed ballot boxes: %s.", destroyed)
    return destroyed
