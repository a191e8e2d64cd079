"""PURE: sealed ballots in compact form, built and read with numpy.

A sealed ballot's ranks are one little-endian 16-bit number per choice of the order frozen
in its seal (``boxcrypt.RANK_DTYPE``), 0 = unranked. The seal reads the box's fixed-width
rows in one binary ``COPY`` (``copy_binary_fields``: one numpy structured array) and writes
the sealed blocks, a few rows of long byte strings, in another (``copy_binary_rows``); the
count reads the blocks back (``parse_copy_rows``) into a rank matrix, with no Python object
per ballot.

The digest recorded at the seal (``sealed_digest``) is the SHA-256 of the frozen order and
the ballots' (tracker, ranks) records, sorted: it does not depend on the order the ballots
are stored in, and changes with any ranking, tracker, added or removed ballot.

This module imports the standard library and numpy only.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from elections.voting.blocks import bytewise_order
from elections.voting.boxcrypt import RANK_DTYPE

_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_COPY_HEADER = _COPY_SIGNATURE + struct.pack(">ii", 0, 0)
_COPY_TRAILER = struct.pack(">h", -1)
DIGEST_VERSION = 2


class CopyFormatError(Exception):
    """A binary COPY stream is not the fixed-width rows it was expected to hold."""


def random_uuid4s(count: int) -> np.ndarray:
    """``count`` random version-4 UUIDs (the operating system's random source) as a
    ``(count, 16)`` byte array: the ids of sealed ballots, which say nothing of their order."""
    ids = np.frombuffer(os.urandom(16 * count), dtype=np.uint8).reshape(count, 16).copy()
    ids[:, 6] = (ids[:, 6] & 0x0F) | 0x40
    ids[:, 8] = (ids[:, 8] & 0x3F) | 0x80
    return ids


@dataclass(frozen=True)
class CopyFields:
    """The fixed-width fields of a binary COPY stream: one ``(count, width)`` uint8 array per
    field (views on the stream, no copy), and where they lie in it: field ``f`` of row ``n``
    starts at byte ``offsets[f] + n * stride`` of the stream."""

    columns: list[np.ndarray]
    offsets: list[int]
    stride: int
    count: int


def copy_binary_fields(stream: bytes | bytearray, widths: Sequence[int]) -> CopyFields:
    """The fields of a binary COPY stream of fixed-width, non-null fields of ``widths``
    bytes; ``CopyFormatError`` when it is not such a stream."""
    if not stream.startswith(_COPY_SIGNATURE):
        raise CopyFormatError("Not a binary COPY stream.")
    (extension,) = struct.unpack_from(">i", stream, len(_COPY_SIGNATURE) + 4)
    start = len(_COPY_HEADER) + extension
    if not stream.endswith(_COPY_TRAILER):
        raise CopyFormatError("The binary COPY stream has no trailer.")
    body = memoryview(stream)[start : len(stream) - len(_COPY_TRAILER)]
    layout = [("fields", ">i2")]
    for number, width in enumerate(widths):
        layout += [(f"f{number}_length", ">i4"), (f"f{number}", np.uint8, (width,))]
    row_dtype = np.dtype(layout)
    if len(body) % row_dtype.itemsize:
        raise CopyFormatError("The rows of the binary COPY stream are not of the expected width.")
    rows = np.frombuffer(body, dtype=row_dtype)
    if rows.shape[0] and (
        np.any(rows["fields"] != len(widths))
        or any(np.any(rows[f"f{number}_length"] != width) for number, width in enumerate(widths))
    ):
        raise CopyFormatError("The rows of the binary COPY stream are not of the expected width.")
    names = [f"f{number}" for number in range(len(widths))]
    return CopyFields(
        columns=[rows[name] for name in names],
        offsets=[start + row_dtype.fields[name][1] for name in names],
        stride=row_dtype.itemsize,
        count=int(rows.shape[0]),
    )


def ranks_matrix(packed: np.ndarray, choice_count: int) -> np.ndarray:
    """Packed ranks (``(rows, 2 × choices)`` bytes) as a ``(rows, choices)`` int64 matrix."""
    if packed.shape[0] == 0:
        return np.zeros((0, choice_count), dtype=np.int64)
    ranks = np.ascontiguousarray(packed).view(RANK_DTYPE).reshape(packed.shape[0], choice_count)
    return ranks.astype(np.int64)


def sealed_digest(choice_keys: Sequence[str], trackers: np.ndarray, ranks: np.ndarray) -> str:
    """SHA-256 of a sealed contest's ballots (version 2): the frozen order as JSON, then every
    ballot's tracker (32 ASCII bytes) followed by its ranks (16-bit little-endian), the
    records sorted bytewise. ``trackers`` is an ``S32`` array, ``ranks`` a ``(rows,
    choices)`` integer matrix in ``choice_keys`` order."""
    count = int(trackers.shape[0])
    width = len(choice_keys) * RANK_DTYPE.itemsize
    records = np.empty((count, 32 + width), dtype=np.uint8)
    records[:, :32] = np.ascontiguousarray(trackers, dtype="S32").view(np.uint8).reshape(count, 32)
    packed = np.ascontiguousarray(ranks, dtype=RANK_DTYPE).view(np.uint8).reshape(count, width)
    records[:, 32:] = packed
    strings = records.view(f"S{32 + width}").reshape(count)
    ordered = records[bytewise_order(strings)]
    digest = hashlib.sha256(b"stackvote-sealed-v2\n")
    digest.update(json.dumps(list(choice_keys), ensure_ascii=False).encode("utf-8") + b"\n")
    digest.update(ordered)
    return digest.hexdigest()


def copy_binary_rows(rows: Sequence[Sequence[bytes]]) -> bytes:
    """The binary COPY stream of a few rows whose fields are given as their binary values
    (``struct.pack(">q", n)`` for a ``bigint``, the bytes themselves for a ``bytea``)."""
    parts = [_COPY_HEADER]
    for row in rows:
        parts.append(struct.pack(">h", len(row)))
        for field in row:
            parts.append(struct.pack(">i", len(field)))
            parts.append(field)
    parts.append(_COPY_TRAILER)
    return b"".join(parts)


# Bytes handed to PostgreSQL at a time by a COPY in (psycopg2's default is 8 KiB: a hundred
# megabytes of files would be thousands of calls).
COPY_CHUNK_BYTES = 1 << 20


def copy_binary_in(
    cursor: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[bytes]]
) -> None:
    """Write ``rows`` (as ``copy_binary_rows`` takes them) into ``columns`` of ``table`` with
    one binary COPY through ``cursor``, a psycopg2 cursor."""
    cursor.copy_expert(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT binary)",
        io.BytesIO(copy_binary_rows(rows)),
        size=COPY_CHUNK_BYTES,
    )


def parse_copy_rows(stream: bytes) -> list[list[memoryview]]:
    """The rows of a binary COPY stream of a few rows of non-null fields, each field a view
    on ``stream`` (no copy)."""
    if not stream.startswith(_COPY_SIGNATURE) or not stream.endswith(_COPY_TRAILER):
        raise CopyFormatError("Not a binary COPY stream.")
    view = memoryview(stream)
    (extension,) = struct.unpack_from(">i", stream, len(_COPY_SIGNATURE) + 4)
    offset = len(_COPY_HEADER) + extension
    end = len(stream) - len(_COPY_TRAILER)
    rows: list[list[memoryview]] = []
    while offset < end:
        (count,) = struct.unpack_from(">h", stream, offset)
        offset += 2
        row: list[memoryview] = []
        for _ in range(count):
            (length,) = struct.unpack_from(">i", stream, offset)
            offset += 4
            if length < 0:
                raise CopyFormatError("A field of the binary COPY stream is null.")
            row.append(view[offset : offset + length])
            offset += length
        rows.append(row)
    return rows
