"""Checking ballots and turning ranks into comparable "effective ranks".

A ballot is one row of ranks, one entry per candidate: 1 is the most preferred, equal
numbers are ties, 0 leaves the candidate unranked (tied below every ranked candidate, as
CIVS and Debian count it). Rows are numbered from 1 in every message, as a person reading
the ballot file would count them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

__all__ = ["as_rank_array", "as_weight_array", "effective_ranks"]


def _describe(candidates: Sequence[str] | None, column: int) -> str:
    if candidates is not None and column < len(candidates):
        return f"candidate {candidates[column]!r}"
    return f"candidate number {column + 1}"


def as_rank_array(
    ballots: np.ndarray | Iterable[Sequence[int]],
    *,
    candidate_count: int | None = None,
    candidates: Sequence[str] | None = None,
) -> np.ndarray:
    """Return ``ballots`` as a checked V×C integer array (no copy when already one).

    Raises ``ValueError`` naming the first offending ballot for a wrong width, ranks that are
    not whole numbers, or negative ranks.
    """
    if candidates is not None and candidate_count is None:
        candidate_count = len(candidates)
    if isinstance(ballots, np.ndarray):
        ranks = ballots
    else:
        rows = [np.asarray(row) for row in ballots]
        for number, row in enumerate(rows, start=1):
            if row.ndim != 1:
                raise ValueError(f"ballot {number} is not a flat row of ranks")
            if candidate_count is not None and row.shape[0] != candidate_count:
                raise ValueError(
                    f"ballot {number} has {row.shape[0]} ranks but there are "
                    f"{candidate_count} candidates"
                )
            if rows and row.shape[0] != rows[0].shape[0]:
                raise ValueError(
                    f"ballot {number} has {row.shape[0]} ranks but ballot 1 has {rows[0].shape[0]}"
                )
        if not rows:
            return np.zeros((0, candidate_count or 0), dtype=np.int64)
        for number, row in enumerate(rows, start=1):
            if row.dtype.kind not in "iu":
                raise ValueError(
                    f"ballot {number} holds {row.dtype} values; ranks must be whole numbers"
                )
        ranks = np.stack(rows)
    if ranks.ndim == 1 and ranks.size == 0:
        ranks = ranks.reshape(0, candidate_count or 0)
    if ranks.ndim != 2:
        raise ValueError(
            "ballots must be a 2-dimensional array of ranks (one row per ballot, one column "
            f"per candidate), got shape {ranks.shape}"
        )
    if ranks.dtype.kind not in "iu":
        raise ValueError(f"ranks must be whole numbers, got an array of {ranks.dtype}")
    if candidate_count is not None and ranks.shape[1] != candidate_count:
        raise ValueError(
            f"ballots have {ranks.shape[1]} columns but there are {candidate_count} candidates"
        )
    if ranks.dtype.kind == "i" and ranks.size and ranks.min() < 0:
        row, column = (int(i) for i in np.argwhere(ranks < 0)[0])
        raise ValueError(
            f"ballot {row + 1} gives {_describe(candidates, column)} the negative rank "
            f"{int(ranks[row, column])}; ranks are 1 (most preferred) and up, 0 for unranked"
        )
    return ranks


def as_weight_array(weights: Any, ballot_count: int) -> np.ndarray | None:
    """Return per-ballot weights as int64, or None when every ballot counts once."""
    if weights is None:
        return None
    values = np.asarray(weights)
    if values.ndim != 1 or values.shape[0] != ballot_count:
        raise ValueError(
            f"weights must have one entry per ballot (got shape {values.shape} for "
            f"{ballot_count} ballots)"
        )
    if values.size == 0:
        return values.astype(np.int64)
    if values.dtype.kind not in "iu":
        raise ValueError(f"weights must be whole numbers, got {values.dtype}")
    if values.dtype.kind == "i" and values.min() < 0:
        number = int(np.argmax(values < 0))
        raise ValueError(f"ballot {number + 1} has the negative weight {int(values[number])}")
    if values.dtype == np.uint64 and values.max() > np.iinfo(np.int64).max:
        raise ValueError("weights must fit in a signed 64-bit integer")
    return values.astype(np.int64, copy=False)


def effective_ranks(ranks: np.ndarray) -> np.ndarray:
    """Map ranks to the smallest unsigned type so that "smaller is preferred" holds for all.

    Subtracting 1 in unsigned arithmetic wraps 0 (unranked) to the type's maximum, below
    every real rank, and keeps the order of ranks 1, 2, ...; the count then only needs
    ``<`` on one byte per candidate in the common case (ranks up to 255).
    """
    top = int(ranks.max()) if ranks.size else 0
    for dtype in (np.uint8, np.uint16, np.uint32, np.uint64):
        if top <= np.iinfo(dtype).max:
            break
    effective = ranks.astype(dtype)
    effective -= dtype(1)
    return effective
