"""The ballot-box tables: one per contest while polling is open, holding ciphertext only.

A box is opened at its contest's first ballot: a fresh key in the key directory, the table
``voting_box_<contest id>`` (lookup, sealed ciphertext) and the ``BallotBox`` row with the
contest's choice order frozen in it, in the cast's transaction, under a lock that lets one
cast open it. The seal
(``elections.voting.actions.sealing``) reads the box, drops its table and destroys the key.
The table is not a Django model because it exists per contest: dropping one contest's
table touches no other contest, where deleting rows from a shared table would leave dead row
versions behind and vacuuming them away would lock every contest.

Table names come from ``boxcrypt.box_table`` (an integer id), never from user input.
"""

from __future__ import annotations

import logging
import uuid
import zlib
from typing import Any

from django.db import connection

from elections.models import Contest
from elections.voting.actions.errors import BALLOT_BOX_UNAVAILABLE_MESSAGE, BallotBoxUnavailable
from elections.voting.boxcrypt import (
    BallotUnreadable,
    FixedRows,
    box_table,
    key_check,
    open_order,
    seal_order,
)
from elections.voting.keys import BallotKeyMissing, key_create, key_load, key_path
from elections.voting.models import BallotBox
from elections.voting.sealed import CopyFormatError, copy_binary_fields

# A lookup is a hex HMAC-SHA256 (``boxcrypt.box_lookup``).
LOOKUP_CHARS = 64

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock(namespace, contest id): one cast opens a contest's box.
_LOCK_NAMESPACE = zlib.crc32(b"stackvote ballot box") & 0x7FFFFFFF


# An open box as its BallotBox row's (key_id, key_check, choice_order): the sealed frozen
# order, None for a box opened before orders were frozen.
OpenBox = tuple[Any, str, bytes | None]


def box_key(contest_id: int, box: OpenBox | None) -> bytes:
    """The key of the contest's open box (``box`` is its ``BallotBox`` (key_id, key_check,
    choice_order), or None when the box is not open yet: it is opened now, in the current
    transaction)."""
    if box is None:
        return _box_open(contest_id)
    key_id, check = box[0], box[1]
    try:
        key = key_load(key_id)
    except BallotKeyMissing as error:
        logger.critical("Contest %s: %s", contest_id, error)
        raise BallotBoxUnavailable(BALLOT_BOX_UNAVAILABLE_MESSAGE) from error
    if key_check(key) != check:
        logger.critical(
            "Contest %s: the key in %s is not the key of its ballot box.",
            contest_id,
            key_path(key_id),
        )
        raise BallotBoxUnavailable(BALLOT_BOX_UNAVAILABLE_MESSAGE)
    return key


def open_box(contest_id: int) -> OpenBox | None:
    """The contest's open box as (key_id, key_check, choice_order), or None."""
    row = (
        BallotBox.objects.filter(contest_id=contest_id)
        .values_list("key_id", "key_check", "choice_order")
        .first()
    )
    return None if row is None else (row[0], row[1], _blob(row[2]))


def _blob(value: Any) -> bytes | None:
    return None if value is None else bytes(value)


def box_order(contest_id: int, key: bytes, box: OpenBox | None) -> list[str] | None:
    """The order of choices frozen in the contest's open box (read again when ``box`` is
    None: the current transaction opened it), None for a box of JSON ballots."""
    if box is None:
        box = open_box(contest_id)
    if box is None or box[2] is None:
        return None
    try:
        return open_order(key, contest_id=contest_id, blob=box[2])
    except BallotUnreadable as error:
        logger.critical("Contest %s: its ballot box's order of choices does not open.", contest_id)
        raise BallotBoxUnavailable(BALLOT_BOX_UNAVAILABLE_MESSAGE) from error


def _box_open(contest_id: int) -> bytes:
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, contest_id])
    existing = open_box(contest_id)
    if existing is not None:
        # Another cast opened it while this one waited for the lock.
        return box_key(contest_id, existing)
    blob = "bytea" if postgres else "BLOB"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {box_table(contest_id)} ("
            "lookup varchar(64) PRIMARY KEY, "
            f"sealed {blob} NOT NULL)"
        )
        cursor.execute(f"SELECT 1 FROM {box_table(contest_id)} LIMIT 1")  # noqa: S608
        if cursor.fetchone() is not None:
            # Rows no open box owns (a table restored or left by hand): never mix them in.
            logger.critical(
                "Contest %s: %s holds ballots but no ballot box row; casting refused.",
                contest_id,
                box_table(contest_id),
            )
            raise BallotBoxUnavailable(BALLOT_BOX_UNAVAILABLE_MESSAGE)
    key_id = uuid.uuid4()
    key = key_create(key_id)
    # The order of each ballot's ranks from now on, whatever happens to the choices later.
    choice_keys = [choice.key for choice in Contest.objects.get(pk=contest_id).ballot_choices()]
    BallotBox.objects.create(
        contest_id=contest_id,
        key_id=key_id,
        key_check=key_check(key),
        choice_order=seal_order(key, contest_id=contest_id, choice_keys=choice_keys),
    )
    return key


def box_insert_sql(contest_id: int) -> str:
    return f"INSERT INTO {box_table(contest_id)} (lookup, sealed) VALUES (%s, %s)"  # noqa: S608


def box_delete(contest_id: int, lookup: str) -> bool:
    """Delete the ballot with ``lookup``; False when there is none (or a racing change took it)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {box_table(contest_id)} WHERE lookup = %s", [lookup])  # noqa: S608
        return cursor.rowcount == 1


def box_rows(contest_id: int) -> list[tuple[str, bytes]]:
    """Every (lookup, ciphertext) of the box; empty when it was never opened."""
    if open_box(contest_id) is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT lookup, sealed FROM {box_table(contest_id)}")  # noqa: S608
        return [(lookup, bytes(sealed)) for lookup, sealed in cursor.fetchall()]


def box_rows_fixed(contest_id: int, width: int) -> FixedRows | None:
    """Every (lookup, ciphertext) of a packed box in one binary COPY, as fixed-width fields
    of the stream itself, when every ciphertext is ``width`` bytes long (None when one is
    not: the caller reads them one by one). The stream, which arrives a row at a time, is
    gathered in one growing buffer."""
    stream = bytearray()
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {box_table(contest_id)} (lookup, sealed) TO STDOUT WITH (FORMAT binary)",
            _Appended(stream),
        )
    try:
        fields = copy_binary_fields(stream, [LOOKUP_CHARS, width])
    except CopyFormatError:
        return None
    return FixedRows(
        lookups=fields.columns[0],
        sealed=stream,
        lookup_width=LOOKUP_CHARS,
        width=width,
        offset=fields.offsets[1],
        stride=fields.stride,
        count=fields.count,
    )


class _Appended:
    """A file whose writes are appended to a buffer."""

    def __init__(self, buffer: bytearray) -> None:
        self.write = buffer.extend


def box_drop(contest_id: int) -> None:
    """Drop the box's table and its row: the ciphertext goes with the table's files."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {box_table(contest_id)}")
    BallotBox.objects.filter(contest_id=contest_id).delete()
