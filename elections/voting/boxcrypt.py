"""PURE: ballots sealed under their contest's key while polling is open.

During polling a ballot is stored only as ciphertext, in the contest's own ballot-box table
(docs/secrecy.md). PostgreSQL marks the row with the id of the transaction that wrote it,
the same id as the voter's "has voted" record: that link, in the live table, its dead rows,
the WAL and every backup, then joins a voter to ciphertext only. At the seal the ballots are
decrypted, sorted by receipt hash and written in plaintext blocks, the box table is dropped and the
key file is destroyed, so the ciphertext left in old WAL and backups can no longer be read
by anyone, with every secret the application keeps.

A contest key is 32 random bytes. Two keys are derived from it (HMAC-SHA256 with a label):

- the **sealing key** encrypts each ballot with AES-256-GCM (a fresh 96-bit nonce per
  ballot), the contest id and the row's lookup bound in as associated data, so a ciphertext
  moved to another row or contest, or changed in any bit, fails to open;
- the **lookup key** turns (voter id, receipt code) into the row's lookup: the ballot a
  receipt names is found only with that voter's id, so someone else's receipt replaces
  nothing, and the lookup matches no hash published after the seal.

Two plaintext layouts exist. A box opened since the candidate order was frozen at its
opening (``BallotBox.choice_order``, itself sealed under the key by ``seal_order``: not even
the contest's choices are written in the clear in a cast's transaction) holds fixed-length
records (``FORMAT_PACKED``): the receipt hash and the tracker as ASCII hex, then one
little-endian 16-bit rank per choice of the frozen order, 0 = unranked, so that the seal
reads a whole box into numpy at once (``open_box_records``). Boxes opened before hold
compact JSON (``FORMAT_JSON``). The layout is part of the associated data: a record cannot
be passed off as the other layout.

This module imports the standard library, numpy, ``cryptography`` and
``elections.forking`` only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import mmap
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from elections.forking import Forked, can_fork

KEY_BYTES = 32
NONCE_BYTES = 12
FORMAT_JSON = b"stackvote ballot v1"
FORMAT_PACKED = b"stackvote ballot v2"
_FORMAT_ORDER = b"stackvote ballot order v2"
RECEIPT_HASH_CHARS = 64
TRACKER_CHARS = 32
# Ranks of a packed ballot: one little-endian unsigned 16-bit number per choice.
RANK_DTYPE = np.dtype("<u2")


class BallotUnreadable(Exception):
    """A stored ballot does not open under its contest's key: changed, moved or another key.

    ``unreadable`` says how many of the ballots read at once did not open."""

    def __init__(self, message: str, *, unreadable: int = 1) -> None:
        super().__init__(message)
        self.unreadable = unreadable


@dataclass(frozen=True)
class OpenedBallot:
    """What a ballot box row holds once decrypted."""

    ranks: dict[str, int]
    receipt_hash: str
    tracker: str


def new_box_key() -> bytes:
    """A fresh contest key from the operating system's random source."""
    return os.urandom(KEY_BYTES)


def key_check(key: bytes) -> str:
    """A value stored with the box to tell the right key from another one (reveals nothing)."""
    return _derive(key, b"check").hex()


def box_table(contest_id: int) -> str:
    """The name of the contest's ballot-box table (the id is an integer, never user text)."""
    return f"voting_box_{int(contest_id)}"


def box_lookup(key: bytes, voter_id: int, canonical_code: str) -> str:
    """The lookup of the ballot that ``voter_id`` cast with receipt ``canonical_code``."""
    message = f"{int(voter_id)}\n{canonical_code}".encode("ascii")
    return hmac.new(_derive(key, b"lookup"), message, hashlib.sha256).hexdigest()


def record_dtype(choice_count: int) -> np.dtype:
    """The numpy layout of a packed ballot record for ``choice_count`` choices."""
    return np.dtype(
        [
            ("receipt_hash", f"S{RECEIPT_HASH_CHARS}"),
            ("tracker", f"S{TRACKER_CHARS}"),
            ("ranks", RANK_DTYPE, (choice_count,)),
        ]
    )


def pack_ranks(choice_keys: Sequence[str], ranks: dict[str, int]) -> bytes:
    """``ranks`` ({choice key: rank}) as one 16-bit rank per choice of ``choice_keys``."""
    column = {key: index for index, key in enumerate(choice_keys)}
    unknown = sorted(set(ranks) - set(column))
    if unknown:
        raise ValueError(f"Choices {unknown} are not in the ballot's frozen order.")
    row = np.zeros(len(choice_keys), dtype=RANK_DTYPE)
    for key, rank in ranks.items():
        if not 0 <= int(rank) <= np.iinfo(RANK_DTYPE).max:
            raise ValueError(f"Rank {rank} is out of range.")
        row[column[key]] = int(rank)
    return row.tobytes()


def unpack_ranks(choice_keys: Sequence[str], packed: bytes) -> dict[str, int]:
    """The ``{choice key: rank}`` of ranked choices held in ``packed`` (see ``pack_ranks``)."""
    row = np.frombuffer(bytes(packed), dtype=RANK_DTYPE)
    if row.shape[0] != len(choice_keys):
        raise ValueError("The packed ranks do not match the frozen order.")
    return {key: int(rank) for key, rank in zip(choice_keys, row.tolist(), strict=True) if rank}


def seal_ballot(
    key: bytes,
    *,
    contest_id: int,
    lookup: str,
    ranks: dict[str, int],
    receipt_hash: str,
    tracker: str,
    choice_keys: Sequence[str] | None = None,
) -> bytes:
    """The ciphertext stored for one ballot: nonce followed by AES-GCM output.

    With ``choice_keys`` (the box's frozen order) the packed layout, else compact JSON."""
    if choice_keys is None:
        layout = FORMAT_JSON
        plaintext = json.dumps(
            {"r": ranks, "h": receipt_hash, "t": tracker}, sort_keys=True, separators=(",", ":")
        ).encode("utf-8")
    else:
        if len(receipt_hash) != RECEIPT_HASH_CHARS or len(tracker) != TRACKER_CHARS:
            raise ValueError("A receipt hash is 64 hex digits and a tracker 32.")
        layout = FORMAT_PACKED
        plaintext = (
            receipt_hash.encode("ascii") + tracker.encode("ascii") + pack_ranks(choice_keys, ranks)
        )
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(_derive(key, b"seal")).encrypt(
        nonce, plaintext, _associated(contest_id, lookup, layout)
    )


def open_ballot(
    key: bytes,
    *,
    contest_id: int,
    lookup: str,
    blob: bytes,
    choice_keys: Sequence[str] | None = None,
) -> OpenedBallot:
    """Decrypt one stored ballot; raises ``BallotUnreadable`` if it was tampered with.

    ``choice_keys`` is the box's frozen order (None for a box of JSON records)."""
    if choice_keys is not None:
        records = open_box_records(
            key, contest_id=contest_id, rows=[(lookup, blob)], choice_count=len(choice_keys)
        )
        record = records[0]
        return OpenedBallot(
            ranks=unpack_ranks(choice_keys, record["ranks"].tobytes()),
            receipt_hash=record["receipt_hash"].decode("ascii"),
            tracker=record["tracker"].decode("ascii"),
        )
    blob = bytes(blob)
    try:
        plaintext = AESGCM(_derive(key, b"seal")).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], _associated(contest_id, lookup, FORMAT_JSON)
        )
    except (InvalidTag, ValueError) as error:
        raise BallotUnreadable("A stored ballot does not open under its contest's key.") from error
    content = json.loads(plaintext)
    return OpenedBallot(
        ranks={str(k): int(v) for k, v in content["r"].items()},
        receipt_hash=str(content["h"]),
        tracker=str(content["t"]),
    )


def sealed_record_width(choice_count: int) -> int:
    """The length of every ciphertext of a packed box with ``choice_count`` choices."""
    return NONCE_BYTES + record_dtype(choice_count).itemsize + 16


@dataclass(frozen=True)
class FixedRows:
    """A packed box read whole: its rows' lookups (``lookup_width`` bytes a row) and
    ciphertexts (``width`` bytes a row), fixed-width fields of two buffers.

    The ``count`` ciphertexts are ``sealed[offset + n * stride : ... + width]`` (by default
    one after the other), and ``lookups`` is ``count × lookup_width`` bytes or a ``(count,
    lookup_width)`` uint8 array: a box read by binary ``COPY`` is opened from the stream
    itself, with no copy of its fields."""

    lookups: bytes | np.ndarray
    sealed: bytes | bytearray
    lookup_width: int
    width: int
    offset: int = 0
    stride: int = 0
    count: int = -1

    def __len__(self) -> int:
        if self.count >= 0:
            return self.count
        return len(self.sealed) // self.width if self.width else 0

    def lookup_matrix(self) -> np.ndarray:
        """The lookups as a ``(rows, lookup_width)`` uint8 array (a view where possible)."""
        if isinstance(self.lookups, np.ndarray):
            return self.lookups
        return np.frombuffer(self.lookups, dtype=np.uint8).reshape(len(self), self.lookup_width)


def open_box_records(
    key: bytes,
    *,
    contest_id: int,
    rows: Sequence[tuple[str | bytes, bytes]] | FixedRows,
    choice_count: int,
) -> np.ndarray:
    """Decrypt a whole box of packed records at once into a numpy array of ``record_dtype``.

    Raises ``BallotUnreadable`` naming how many rows do not open (changed in any bit, moved to
    another row or contest, or written in another layout)."""
    sealer = AESGCM(_derive(key, b"seal"))
    prefix = _associated(contest_id, "", FORMAT_PACKED)
    layout = record_dtype(choice_count)
    if isinstance(rows, FixedRows):
        plaintexts, unreadable = _open_fixed(sealer.decrypt, prefix, rows, layout.itemsize)
    else:
        plaintexts, unreadable = _open_rows(sealer.decrypt, prefix, rows, layout.itemsize)
    if unreadable:
        raise BallotUnreadable(
            f"{unreadable} of the {len(rows)} stored ballots do not open under their "
            "contest's key.",
            unreadable=unreadable,
        )
    return np.frombuffer(b"".join(plaintexts), dtype=layout)


def _open_rows(
    decrypt: Any, prefix: bytes, rows: Sequence[tuple[str | bytes, bytes]], size: int
) -> tuple[list[bytes], int]:
    def parts() -> Iterator[tuple[bytes, bytes, bytes] | None]:
        for lookup, blob in rows:
            blob = bytes(blob)
            try:
                named = lookup if isinstance(lookup, bytes) else lookup.encode("ascii")
            except UnicodeEncodeError:
                yield None
                continue
            yield blob[:NONCE_BYTES], blob[NONCE_BYTES:], prefix + named

    return _decrypt_each(decrypt, parts(), size)


def _open_fixed(decrypt: Any, prefix: bytes, rows: FixedRows, size: int) -> tuple[list[bytes], int]:
    """``_open_rows`` for a box read whole: each row's nonce, ciphertext and associated data
    are slices of three buffers (the associated data, prefix and lookup, laid out by numpy),
    with no bytes object made per row but the plaintext. A large box is opened by two
    processes at once (``_in_two_processes``)."""
    count = len(rows)
    associated = np.empty((count, len(prefix) + rows.lookup_width), dtype=np.uint8)
    associated[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    associated[:, len(prefix) :] = rows.lookup_matrix()
    aad = memoryview(associated.reshape(-1))
    sealed = memoryview(rows.sealed)
    step, width = associated.shape[1], rows.width
    stride, offset = rows.stride or width, rows.offset

    def opened(first: int, stop: int) -> tuple[list[bytes], int]:
        parts = (
            (
                sealed[start : start + NONCE_BYTES],
                sealed[start + NONCE_BYTES : start + width],
                aad[at : at + step],
            )
            for start, at in zip(
                range(offset + first * stride, offset + stop * stride, stride),
                range(first * step, stop * step, step),
                strict=True,
            )
        )
        return _decrypt_each(decrypt, parts, size)

    return _in_two_processes(opened, count, size)


# Below this many ballots a box is opened by one process: a second one would not pay for its
# start.
PARALLEL_FROM = 50_000


def _in_two_processes(
    opened: Callable[[int, int], tuple[list[bytes], int]], count: int, size: int
) -> tuple[list[bytes], int]:
    """``opened(0, count)`` (the plaintexts of rows 0 to ``count``, ``size`` bytes each, and
    how many rows do not open), the second half of the rows opened by a child process at
    the same time on a machine of several cores (``elections.forking``: one decryption per
    ballot holds the interpreter's lock, so threads would not share it out). The child
    writes its plaintexts into memory shared with this process (anonymous: never on disk)
    rather than sending them through a pipe."""
    if count < PARALLEL_FROM or not can_fork():
        return opened(0, count)
    half = count // 2
    length = (count - half) * size
    shared = mmap.mmap(-1, length)
    try:
        with Forked(_opened_into, opened, half, count, shared) as later:
            first, unreadable = opened(0, half)
            more = later.result()
        rest = [] if more else [shared[:length]]
    finally:
        shared.close()
    return [*first, *rest], unreadable + more


def _opened_into(
    opened: Callable[[int, int], tuple[list[bytes], int]], first: int, stop: int, into: mmap.mmap
) -> int:
    """Open rows ``first`` to ``stop`` into ``into``; how many do not open (then nothing is
    written)."""
    plaintexts, unreadable = opened(first, stop)
    if not unreadable:
        # Every row opened holds the same number of bytes: they fill ``into`` exactly.
        into[:] = b"".join(plaintexts)
    return unreadable


def _decrypt_each(
    decrypt: Any, parts: Iterable[tuple[Any, Any, Any] | None], size: int
) -> tuple[list[bytes], int]:
    """The plaintexts of the (nonce, ciphertext, associated data) ``parts`` that open and
    hold ``size`` bytes, and how many do not (None: a row that could not even be read)."""
    plaintexts: list[bytes] = []
    unreadable = 0
    for part in parts:
        if part is None:
            unreadable += 1
            continue
        try:
            plaintext = decrypt(*part)
        except (InvalidTag, ValueError):
            unreadable += 1
            continue
        if len(plaintext) != size:
            unreadable += 1
            continue
        plaintexts.append(plaintext)
    return plaintexts, unreadable


def seal_order(key: bytes, *, contest_id: int, choice_keys: Sequence[str]) -> bytes:
    """The box's frozen order of choices, sealed under its key (stored in its row)."""
    plaintext = json.dumps(list(choice_keys), separators=(",", ":")).encode("utf-8")
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(_derive(key, b"seal")).encrypt(
        nonce, plaintext, _associated(contest_id, "", _FORMAT_ORDER)
    )


def open_order(key: bytes, *, contest_id: int, blob: bytes) -> list[str]:
    """The frozen order sealed by ``seal_order``; raises ``BallotUnreadable`` if changed."""
    blob = bytes(blob)
    try:
        plaintext = AESGCM(_derive(key, b"seal")).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], _associated(contest_id, "", _FORMAT_ORDER)
        )
    except (InvalidTag, ValueError) as error:
        raise BallotUnreadable("The ballot box's order of choices does not open.") from error
    return [str(key) for key in json.loads(plaintext)]


def _associated(contest_id: int, lookup: str, layout: bytes) -> bytes:
    return layout + f"\ncontest {int(contest_id)}\nlookup {lookup}".encode("ascii")


def _derive(key: bytes, label: bytes) -> bytes:
    if len(key) != KEY_BYTES:
        raise ValueError("A contest key is 32 bytes.")
    return hmac.new(key, b"stackvote " + label, hashlib.sha256).digest()
