"""The pairwise matrix: ``d[i][j]`` = (weighted) number of ballots ranking i strictly above j.

This is the only part of a tally whose cost grows with the number of ballots, so it is
written for speed, in numpy alone:

1. Ranks become one unsigned byte per candidate (see ``ballots.effective_ranks``).
2. Identical ballots are merged and counted once with a weight. Rows are packed into 64-bit
   words, hashed, and sorted by (hash, position); neighbours whose words are equal merge.
   The hash only decides the order: rows merge only when every word is equal, so a hash
   collision can at worst leave two copies unmerged, never merge different ballots.
3. For each pair i < j the engine compares two contiguous byte rows and counts the ones
   that are set (``np.count_nonzero`` is vectorised and releases the GIL). Weights are
   applied by binary planes: ballots whose weight has bit b set are counted once and the
   count is shifted left by b, which stays in exact integer arithmetic.
4. Large inputs are split by the top bits of the row hash, so that all copies of a ballot
   land in the same part; each part is merged and counted on its own thread and the partial
   matrices are added, which is exact because the matrix is a sum over ballots.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .ballots import as_rank_array, as_weight_array, effective_ranks

__all__ = ["pairwise_counts", "pairwise_from_effective_ranks"]

# Below this many (candidate pairs × ballots) one broadcast comparison is cheaper than a
# Python loop over pairs.
_BROADCAST_LIMIT = 1 << 22
# Columns compared at a time in the pair loop: large enough to amortise the per-call cost,
# small enough that two rows and the result stay in the processor's cache.
_CHUNK = 1 << 18
# Below this many ballots threads cost more than they save.
_THREAD_MIN_BALLOTS = 1 << 17
# Odd 64-bit constants (from splitmix64 and xxhash) that spread packed rows over the hash
# space; any odd constants would keep the count exact.
_MIX = (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0xC2B2AE3D27D4EB4F)


def available_threads() -> int:
    """Processors this process may run on (respects CPU affinity, e.g. in containers)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def pairwise_counts(
    ballots: np.ndarray | Iterable[Sequence[int]],
    weights: np.ndarray | Sequence[int] | None = None,
    *,
    candidate_count: int | None = None,
    threads: int | None = None,
) -> np.ndarray:
    """Return the C×C int64 pairwise matrix of ``ballots`` (V×C ranks, 0 = unranked).

    ``weights`` gives each ballot's multiplicity (whole numbers ≥ 0). ``candidate_count``
    fixes C when there may be no ballots at all. ``threads`` caps the worker threads
    (default: the processors available). Matrices of disjoint ballot sets add up to the
    matrix of their union, which is what lets a large count be split across workers.
    """
    ranks = as_rank_array(ballots, candidate_count=candidate_count)
    ballot_weights = as_weight_array(weights, ranks.shape[0])
    return pairwise_from_effective_ranks(effective_ranks(ranks), ballot_weights, threads=threads)


def pairwise_from_effective_ranks(
    effective: np.ndarray, weights: np.ndarray | None = None, *, threads: int | None = None
) -> np.ndarray:
    """Pairwise matrix of V×C effective ranks (unsigned, smaller = preferred)."""
    ballot_count, candidate_count = effective.shape
    if weights is not None:
        keep = weights > 0
        if not keep.all():
            effective, weights = effective[keep], weights[keep]
            ballot_count = effective.shape[0]
    if ballot_count == 0 or candidate_count < 2:
        return np.zeros((candidate_count, candidate_count), dtype=np.int64)
    effective = np.ascontiguousarray(effective)
    words = _packed_rows(effective)
    hashes = _row_hashes(words)
    transposed = np.ascontiguousarray(effective.T)
    parts = _part_count(ballot_count, threads)
    if parts == 1:
        return _merge_and_count(transposed, words, hashes, weights, None)
    # Copies of one ballot share a hash, so splitting by hash keeps them together and each
    # part can be merged on its own.
    shift = np.uint64(64 - parts.bit_length() + 1)
    buckets = (hashes >> shift).astype(np.intp)
    selections = [np.flatnonzero(buckets == part) for part in range(parts)]
    with ThreadPoolExecutor(max_workers=parts) as pool:
        partials = list(
            pool.map(
                lambda rows: _merge_and_count(transposed, words, hashes, weights, rows),
                selections,
            )
        )
    return np.sum(partials, axis=0, dtype=np.int64)


def _part_count(ballot_count: int, threads: int | None) -> int:
    limit = available_threads() if threads is None else max(1, threads)
    if ballot_count < _THREAD_MIN_BALLOTS or limit < 2:
        return 1
    parts = 1
    while parts * 2 <= min(limit, 8):
        parts *= 2
    return parts


def _packed_rows(effective: np.ndarray) -> np.ndarray:
    """Each row's bytes, zero-padded to whole 64-bit words; returned as W×V (word-major)."""
    ballot_count = effective.shape[0]
    row_bytes = effective.shape[1] * effective.itemsize
    word_count = -(-row_bytes // 8)
    padded = np.zeros((ballot_count, word_count * 8), dtype=np.uint8)
    padded[:, :row_bytes] = effective.view(np.uint8).reshape(ballot_count, row_bytes)
    return np.ascontiguousarray(padded.view(np.uint64).T)


def _row_hashes(words: np.ndarray) -> np.ndarray:
    hashes = np.zeros(words.shape[1], dtype=np.uint64)
    for index, column in enumerate(words):
        hashes ^= column
        hashes *= np.uint64(_MIX[index % len(_MIX)])
        hashes ^= hashes >> np.uint64(31)
    return hashes


def _merge_and_count(
    transposed: np.ndarray,
    words: np.ndarray,
    hashes: np.ndarray,
    weights: np.ndarray | None,
    rows: np.ndarray | None,
) -> np.ndarray:
    """Merge identical ballots among ``rows`` (all when None) and count the distinct ones."""
    if rows is None:
        rows = np.arange(hashes.shape[0])
    count = rows.shape[0]
    candidate_count = transposed.shape[0]
    if count == 0:
        return np.zeros((candidate_count, candidate_count), dtype=np.int64)
    # Sort by (hash, position) in one pass: the low bits carry the position, the high bits
    # as much of the hash as fits.
    position_bits = max(1, (count - 1).bit_length())
    low_mask = np.uint64((1 << position_bits) - 1)
    keys = hashes[rows] & ~low_mask
    keys |= np.arange(count, dtype=np.uint64)
    keys.sort()
    ordered = rows[(keys & low_mask).astype(np.intp)]
    starts_group = np.zeros(count, dtype=bool)
    starts_group[0] = True
    for word in words:
        column = word[ordered]
        starts_group[1:] |= column[1:] != column[:-1]
    starts = np.flatnonzero(starts_group)
    representatives = ordered[starts]
    if weights is None:
        group_weights = np.diff(np.append(starts, count)).astype(np.int64)
    else:
        group_weights = np.add.reduceat(weights[ordered], starts).astype(np.int64)
    # Ballots seen once come first, so that the bulk is counted without weights and only the
    # (usually few) repeated ballots go through the weighted planes.
    single = group_weights == 1
    if not single.all():
        regroup = np.concatenate([np.flatnonzero(single), np.flatnonzero(~single)])
        representatives = representatives[regroup]
        group_weights = group_weights[regroup]
    distinct = np.take(transposed, representatives, axis=1)
    return count_weighted(distinct, group_weights)


def count_weighted(distinct: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Pairwise matrix of C×U effective ranks (one column per ballot) with integer weights.

    Fastest when the ballots of weight 1 come first (as ``_merge_and_count`` arranges).
    """
    candidate_count, ballot_count = distinct.shape
    if ballot_count * candidate_count * candidate_count <= _BROADCAST_LIMIT:
        return _count_broadcast(distinct, weights)
    single = weights == 1
    leading = int(np.argmin(single)) if not single.all() else ballot_count
    if not single[leading:].any():
        matrix = _count_unweighted(distinct[:, :leading])
        distinct, weights = distinct[:, leading:], weights[leading:]
    else:
        matrix = np.zeros((candidate_count, candidate_count), dtype=np.int64)
    if weights.size == 0:
        return matrix
    top = int(weights.max())
    for bit in range(top.bit_length()):
        in_plane = ((weights >> bit) & 1).astype(bool)
        if in_plane.all():
            plane = distinct
        elif in_plane.any():
            plane = np.compress(in_plane, distinct, axis=1)
        else:
            continue
        matrix += _count_any(plane) << bit
    return matrix


def _count_any(distinct: np.ndarray) -> np.ndarray:
    candidate_count, ballot_count = distinct.shape
    if ballot_count * candidate_count * candidate_count <= _BROADCAST_LIMIT:
        return _count_broadcast(distinct, np.ones(ballot_count, dtype=np.int64))
    return _count_unweighted(distinct)


def _count_broadcast(distinct: np.ndarray, weights: np.ndarray) -> np.ndarray:
    candidate_count = distinct.shape[0]
    prefers = distinct[:, None, :] < distinct[None, :, :]
    flat = prefers.reshape(candidate_count * candidate_count, -1)
    return (flat.astype(np.int64) @ weights).reshape(candidate_count, candidate_count)


def _count_unweighted(distinct: np.ndarray) -> np.ndarray:
    candidate_count, ballot_count = distinct.shape
    matrix = np.zeros((candidate_count, candidate_count), dtype=np.int64)
    scratch = np.empty(min(_CHUNK, ballot_count), dtype=bool)
    for start in range(0, ballot_count, _CHUNK):
        block = distinct[:, start : start + _CHUNK]
        out = scratch[: block.shape[1]]
        for i in range(candidate_count):
            row_i = block[i]
            for j in range(i + 1, candidate_count):
                row_j = block[j]
                np.less(row_i, row_j, out=out)
                matrix[i, j] += np.count_nonzero(out)
                np.less(row_j, row_i, out=out)
                matrix[j, i] += np.count_nonzero(out)
    return matrix
