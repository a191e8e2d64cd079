"""PURE: sealed ballots stored in blocks of many ballots, built and read with numpy.

A sealed contest's ballots are stored sorted by receipt hash, in blocks of up to
``BLOCK_BALLOTS`` ballots (``SealedBlock`` rows). A block holds its ballots as columns, each
one byte string: the receipt hashes (64 ASCII hex digits each), the trackers (32 ASCII hex
digits each; zero bytes for a ballot sealed before trackers existed) and the ranks (one
little-endian 16-bit number per choice of the seal's frozen order, 0 = unranked). A million
ballots are a few hundred rows, read with ``numpy.frombuffer`` into the rank matrix.

The order says nothing of who voted when: a receipt hash is the SHA-256 of a code drawn
from the operating system's random source at the cast, so sorting by it is a random order,
and it is an order by a value every ballot carries anyway. It makes a receipt found with one
indexed look-up of the block whose first receipt hash is at most the one sought, then a
binary search in that block (``position_in_block``). Receipt hashes are unique in a contest:
the seal refuses a box in which two ballots carry one (``DuplicateReceipts``).

This module imports the standard library, numpy and the engine's ``textrows`` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from elections.condorcet.textrows import tied_places
from elections.voting.boxcrypt import RANK_DTYPE, RECEIPT_HASH_CHARS, TRACKER_CHARS

BLOCK_BALLOTS = 4096
RECEIPT_DTYPE = np.dtype(f"S{RECEIPT_HASH_CHARS}")
TRACKER_DTYPE = np.dtype(f"S{TRACKER_CHARS}")


class DuplicateReceipts(ValueError):
    """Two ballots of one contest carry the same receipt hash."""


@dataclass(frozen=True)
class Block:
    """One block of sealed ballots: ``count`` ballots from position ``start`` of the contest's
    order, ``first_receipt`` the smallest receipt hash in it, and the three columns."""

    number: int
    start: int
    count: int
    first_receipt: bytes
    receipt_hashes: bytes
    trackers: bytes
    ranks: bytes


def receipt_order(receipt_hashes: np.ndarray) -> np.ndarray:
    """The permutation that sorts ``receipt_hashes`` (``S64``) bytewise; raises
    ``DuplicateReceipts`` when two hashes are equal."""
    hashes = np.ascontiguousarray(receipt_hashes, dtype=RECEIPT_DTYPE)
    order = bytewise_order(hashes)
    ordered = hashes[order]
    repeated = int(np.count_nonzero(ordered[1:] == ordered[:-1]))
    if repeated:
        raise DuplicateReceipts(f"{repeated} receipt hashes are carried by more than one ballot.")
    return order


def bytewise_order(values: np.ndarray) -> np.ndarray:
    """The stable permutation that sorts fixed-width byte strings (``S<n>``) bytewise.

    Sorted by their first eight bytes as one big-endian 64-bit number (an unstable sort of
    numbers, many times faster than a sort of strings), then the strings whose first eight
    bytes tie with another's sorted among themselves in full, in their original order where
    equal. Hashes and trackers, random hex, rarely tie in eight bytes."""
    strings = np.ascontiguousarray(values)
    count, width = int(strings.shape[0]), strings.dtype.itemsize
    if count < 2 or width < 8:
        return np.argsort(strings, kind="stable")
    raw = strings.view(np.uint8).reshape(count, width)
    lead = np.ascontiguousarray(raw[:, :8]).view(">u8").reshape(count).astype(np.uint64)
    order = np.argsort(lead)
    places = tied_places(lead[order])
    if places.size:
        # The tied strings fill the same places, in full order (and in their first order
        # where they are equal).
        among = np.sort(order[places])
        order[places] = among[np.argsort(strings[among], kind="stable")]
    return order


def split_blocks(
    receipt_hashes: np.ndarray,
    trackers: np.ndarray,
    ranks: np.ndarray,
    *,
    size: int | None = None,
) -> list[Block]:
    """Ballots already sorted by receipt hash (``S64``, ``S32``, ``(rows, choices)`` ranks)
    cut into blocks of ``size`` ballots (``BLOCK_BALLOTS``; the last one shorter)."""
    size = size or BLOCK_BALLOTS
    hashes = np.ascontiguousarray(receipt_hashes, dtype=RECEIPT_DTYPE)
    tracked = np.ascontiguousarray(trackers, dtype=TRACKER_DTYPE)
    packed = np.ascontiguousarray(ranks, dtype=RANK_DTYPE)
    blocks: list[Block] = []
    for number, start in enumerate(range(0, int(hashes.shape[0]), size)):
        stop = min(start + size, int(hashes.shape[0]))
        blocks.append(
            Block(
                number=number,
                start=start,
                count=stop - start,
                first_receipt=hashes[start].ljust(RECEIPT_HASH_CHARS, b"\0"),
                receipt_hashes=hashes[start:stop].tobytes(),
                trackers=tracked[start:stop].tobytes(),
                ranks=packed[start:stop].tobytes(),
            )
        )
    return blocks


def joined(blobs: Sequence[bytes | memoryview], dtype: np.dtype | str) -> np.ndarray:
    """Columns of consecutive blocks as one array of ``dtype`` (one copy at most)."""
    if len(blobs) == 1:
        return np.frombuffer(blobs[0], dtype=dtype)
    if not blobs:
        return np.zeros(0, dtype=dtype)
    return np.frombuffer(b"".join(blobs), dtype=dtype)


def position_in_block(receipt_hashes: bytes | memoryview, wanted: str) -> int | None:
    """Where the receipt hash ``wanted`` (hex) is in a block's sorted receipt hashes, if it
    is there: a binary search."""
    hashes = np.frombuffer(receipt_hashes, dtype=RECEIPT_DTYPE)
    key = wanted.encode("ascii")
    index = int(np.searchsorted(hashes, key))
    if index < hashes.shape[0] and hashes[index] == key:
        return index
    return None
