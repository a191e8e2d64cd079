"""Reads of a contest's sealed ballots in bulk, for the count and the seal's checks.

On PostgreSQL the ballots are read with ``COPY (SELECT ...) TO STDOUT (FORMAT binary)``: the
rows are of fixed width, so the stream is one numpy array and the ranks are a view of it
(``sealed.parse_copy_binary``), millions of ballots a second. Elsewhere (SQLite) through the
ORM. Ballots are returned in the order they are stored, which the seal shuffled; a range of
ballot ids (``IdRange``) selects one chunk of a fanned-out count: random ids spread evenly
over the id space, so equal ranges hold about equally many ballots.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

import numpy as np
from django.db import connection

from elections.models import Contest
from elections.voting.boxcrypt import RANK_DTYPE, RECEIPT_HASH_CHARS, TRACKER_CHARS
from elections.voting.models import Ballot, BallotBoxSeal
from elections.voting.receipts import sealed_ballots_digest
from elections.voting.sealed import CopyFormatError, parse_copy_binary, ranks_matrix, sealed_digest

# Ballot ids are compared as PostgreSQL compares uuids (bytewise), so ranges of the 128-bit
# number space are ranges of ids.
_ID_SPACE = 1 << 128


@dataclass(frozen=True)
class IdRange:
    """Ballot ids from ``start`` (included) to ``stop`` (excluded; None = to the end)."""

    start: uuid.UUID
    stop: uuid.UUID | None


def id_ranges(parts: int) -> list[IdRange]:
    """The ballot-id space cut into ``parts`` ranges of equal width."""
    bounds = [uuid.UUID(int=_ID_SPACE * number // parts) for number in range(parts)]
    return [
        IdRange(start, bounds[number + 1] if number + 1 < parts else None)
        for number, start in enumerate(bounds)
    ]


@dataclass(frozen=True)
class SealedBallots:
    """Sealed ballots as columns: ``ranks`` (rows × choices, int64) in the seal's frozen
    ``choice_keys`` order, and their trackers (``S32``) and receipt hashes (``S64``) when
    asked for (receipt hashes are for the published list of receipts: the seal is done)."""

    choice_keys: tuple[str, ...]
    ranks: np.ndarray
    trackers: np.ndarray | None = None
    receipt_hashes: np.ndarray | None = None


def sealed_choice_keys(contest: Contest) -> tuple[str, ...]:
    """The frozen order of the contest's sealed ballots' ranks (empty before the seal)."""
    seal = BallotBoxSeal.objects.filter(contest=contest).values_list("choice_keys", flat=True)
    keys = seal.first()
    return tuple(keys or ())


def sealed_ballots(
    contest: Contest,
    *,
    trackers: bool = False,
    receipts: bool = False,
    ids: IdRange | None = None,
) -> SealedBallots:
    """The contest's sealed ballots (those with ids in ``ids``, if given)."""
    keys = sealed_choice_keys(contest)
    if connection.vendor == "postgresql":
        try:
            return _copied(contest, keys, trackers=trackers, receipts=receipts, ids=ids)
        except CopyFormatError:
            pass  # ballots sealed before trackers were written: read them one by one
    rows = Ballot.objects.filter(contest=contest)
    if ids is not None:
        rows = rows.filter(id__gte=ids.start)
        if ids.stop is not None:
            rows = rows.filter(id__lt=ids.stop)
    found = list(rows.values_list("ranks", "tracker", "receipt_hash"))
    width = len(keys) * RANK_DTYPE.itemsize
    packed = np.frombuffer(b"".join(bytes(row[0]) for row in found), dtype=np.uint8)
    return SealedBallots(
        choice_keys=keys,
        ranks=ranks_matrix(packed.reshape(len(found), width), len(keys)),
        trackers=(
            np.array([row[1].encode("ascii") for row in found], dtype="S32") if trackers else None
        ),
        receipt_hashes=(
            np.array([row[2].encode("ascii") for row in found], dtype="S64") if receipts else None
        ),
    )


def _copied(
    contest: Contest,
    keys: tuple[str, ...],
    *,
    trackers: bool,
    receipts: bool,
    ids: IdRange | None,
) -> SealedBallots:
    names = ["ranks"] + (["tracker"] if trackers else []) + (["receipt_hash"] if receipts else [])
    columns = ", ".join(names)
    conditions = ["contest_id = %s"]
    parameters: list[object] = [contest.pk]
    if ids is not None:
        conditions.append("id >= %s")
        parameters.append(str(ids.start))
        if ids.stop is not None:
            conditions.append("id < %s")
            parameters.append(str(ids.stop))
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        query = cursor.mogrify(
            f"SELECT {columns} FROM {Ballot._meta.db_table} "  # noqa: S608
            f"WHERE {' AND '.join(conditions)}",
            parameters,
        ).decode("utf-8")
        cursor.cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT binary)", buffer)
    widths = {"ranks": len(keys) * RANK_DTYPE.itemsize, "tracker": TRACKER_CHARS}
    widths["receipt_hash"] = RECEIPT_HASH_CHARS
    fields = dict(
        zip(
            names,
            parse_copy_binary(buffer.getvalue(), [widths[name] for name in names]),
            strict=True,
        )
    )

    def text(name: str) -> np.ndarray | None:
        if name not in fields:
            return None
        return np.ascontiguousarray(fields[name]).view(f"S{widths[name]}").ravel()

    return SealedBallots(
        choice_keys=keys,
        ranks=ranks_matrix(fields["ranks"], len(keys)),
        trackers=text("tracker"),
        receipt_hashes=text("receipt_hash"),
    )


def sealed_ballots_digest_now(contest: Contest) -> str:
    """The digest of the contest's sealed ballots as they are stored now, as its seal's
    version computes it (to compare with the one recorded at the seal)."""
    seal = BallotBoxSeal.objects.filter(contest=contest).first()
    ballots = sealed_ballots(contest, trackers=True)
    assert ballots.trackers is not None  # noqa: S101 - asked for above
    if seal is not None and seal.digest_version == 1:
        return sealed_ballots_digest(
            (
                tracker.decode("ascii"),
                {k: int(r) for k, r in zip(ballots.choice_keys, row.tolist(), strict=True) if r},
            )
            for tracker, row in zip(ballots.trackers, ballots.ranks, strict=True)
        )
    return sealed_digest(ballots.choice_keys, ballots.trackers, ballots.ranks)
