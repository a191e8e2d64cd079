"""Reads of a contest's sealed ballots in bulk, for the count, the receipts and the seal's
checks.

Sealed ballots are stored in blocks of thousands (``SealedBlock``, ``voting/blocks.py``),
sorted by receipt hash. On PostgreSQL the blocks are read with one ``COPY (SELECT ...) TO
STDOUT (FORMAT binary)``, a few hundred rows for a million ballots, and their columns become
numpy arrays with no Python object per ballot; elsewhere (SQLite) through the ORM. A range of
positions (``BallotRange``) selects one chunk of a fanned-out count: the blocks it overlaps
are read, and cut to the range.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import BinaryField, F, Func, Sum, Value

from elections.models import Contest
from elections.voting.blocks import RECEIPT_DTYPE, TRACKER_DTYPE, joined, position_in_block
from elections.voting.boxcrypt import RANK_DTYPE
from elections.voting.models import BallotBoxSeal, SealedBlock
from elections.voting.receipts import sealed_ballots_digest
from elections.voting.sealed import parse_copy_rows, ranks_matrix, sealed_digest


@dataclass(frozen=True)
class BallotRange:
    """The contest's sealed ballots from position ``start`` (included) to ``stop`` (excluded)."""

    start: int
    stop: int


def ballot_ranges(total: int, parts: int) -> list[BallotRange]:
    """Positions ``0 .. total`` cut into ``parts`` ranges of about equal size."""
    bounds = [total * number // parts for number in range(parts + 1)]
    return [BallotRange(bounds[number], bounds[number + 1]) for number in range(parts)]


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


def sealed_ballot_count(contest: Contest) -> int:
    """How many sealed ballots the contest has (0 before the seal)."""
    total = SealedBlock.objects.filter(contest=contest).aggregate(total=Sum("count"))["total"]
    return int(total or 0)


def sealed_ballots(
    contest: Contest,
    *,
    trackers: bool = False,
    receipts: bool = False,
    ballots: BallotRange | None = None,
) -> SealedBallots:
    """The contest's sealed ballots (those at the positions of ``ballots``, if given), in the
    order they are stored."""
    keys = sealed_choice_keys(contest)
    names = ["start", "ranks"] + (["trackers"] if trackers else [])
    names += ["receipt_hashes"] if receipts else []
    columns = _block_columns(contest, names, ballots)
    begin, end = 0, None
    if ballots is not None and columns["start"]:
        begin = ballots.start - int(columns["start"][0])
        end = begin + max(ballots.stop - ballots.start, 0)
    width = len(keys) * RANK_DTYPE.itemsize

    def text(name: str, dtype: np.dtype) -> np.ndarray | None:
        if name not in columns:
            return None
        return joined(columns[name], dtype)[begin:end]

    packed = joined(columns["ranks"], np.uint8)
    rows = packed.shape[0] // width if width else 0
    return SealedBallots(
        choice_keys=keys,
        ranks=ranks_matrix(packed.reshape(rows, width)[begin:end], len(keys)),
        trackers=text("trackers", TRACKER_DTYPE),
        receipt_hashes=text("receipt_hashes", RECEIPT_DTYPE),
    )


def _block_columns(
    contest: Contest, names: list[str], ballots: BallotRange | None
) -> dict[str, list]:
    """The ``names`` columns of the contest's blocks (those overlapping ``ballots``), in
    block order: one list of values per column."""
    blocks = SealedBlock.objects.filter(contest=contest)
    if ballots is not None:
        blocks = blocks.annotate(end=F("start") + F("count")).filter(
            start__lt=ballots.stop, end__gt=ballots.start
        )
    blocks = blocks.order_by("number")
    if connection.vendor != "postgresql":
        found = list(blocks.values_list(*names))
        return {name: [row[index] for row in found] for index, name in enumerate(names)}
    query, parameters = blocks.values_list(*names).query.sql_with_params()
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        copy = cursor.mogrify(query, parameters).decode("utf-8")
        cursor.cursor.copy_expert(f"COPY ({copy}) TO STDOUT WITH (FORMAT binary)", buffer)
    rows = parse_copy_rows(buffer.getvalue())
    columns: dict[str, list] = {
        name: [row[index] for row in rows] for index, name in enumerate(names)
    }
    columns["start"] = [int.from_bytes(value, "big", signed=True) for value in columns["start"]]
    return columns


def sealed_receipt_hashes(contest: Contest) -> np.ndarray:
    """The receipt hashes of the contest's sealed ballots (``S64``), sorted."""
    rows = SealedBlock.objects.filter(contest=contest).order_by("number")
    return joined(list(rows.values_list("receipt_hashes", flat=True)), RECEIPT_DTYPE)


@dataclass(frozen=True)
class SealedBallot:
    """One sealed ballot found by its receipt hash: its packed ranks and its tracker."""

    ranks: bytes
    tracker: str


def sealed_ballot_for_receipt(contest: Contest, hashed: str) -> SealedBallot | None:
    """The sealed ballot whose receipt hash is ``hashed`` (hex), if there is one: the block
    whose first receipt hash is the greatest at most ``hashed`` (one indexed look-up), a
    binary search in its receipt hashes, and that ballot's slices of its columns."""
    wanted = hashed.encode("ascii")
    found = (
        SealedBlock.objects.filter(contest=contest, first_receipt__lte=wanted)
        .order_by("-first_receipt")
        .values_list("pk", "receipt_hashes")
        .first()
    )
    if found is None:
        return None
    index = position_in_block(found[1], hashed)
    if index is None:
        return None
    width = len(sealed_choice_keys(contest)) * RANK_DTYPE.itemsize
    tracker_width = TRACKER_DTYPE.itemsize
    ranks, tracker = (
        SealedBlock.objects.filter(pk=found[0])
        .annotate(
            one_ranks=_slice("ranks", index * width, width),
            one_tracker=_slice("trackers", index * tracker_width, tracker_width),
        )
        .values_list("one_ranks", "one_tracker")
        .get()
    )
    return SealedBallot(
        ranks=bytes(ranks), tracker=bytes(tracker).rstrip(b"\0").decode("ascii", "replace")
    )


def _slice(column: str, offset: int, length: int) -> Func:
    """``length`` bytes of a binary column from ``offset`` (``substr``: PostgreSQL and SQLite)."""
    return Func(
        F(column),
        Value(offset + 1),
        Value(max(length, 0)),
        function="substr",
        output_field=BinaryField(),
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
