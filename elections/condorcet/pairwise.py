"""The pairwise matrix: ``d[i][j]`` = (weighted) number of ballots ranking i strictly above j.

This is the only part of a tally whose cost grows with the number of ballots, so it is
written for speed, in numpy alone:

1. Ranks become one unsigned byte per candidate (see ``ballots.effective_ranks``) and the
   V×C array is transposed so that each candidate's ranks are one contiguous row.
2. For each pair i < j the engine compares two contiguous byte rows and counts the set
   results (``np.less`` into a reused buffer, then ``np.count_nonzero``; both release the
   GIL, so column ranges are counted on parallel threads and the partial matrices added,
   which is exact because the matrix is a sum over ballots). Weights are applied by binary
   planes: ballots whose weight has bit b set are counted once and the count shifted left
   by b, in exact integer arithmetic. Small sets of ballots (a few thousand, e.g. after
   merging) are instead counted with one comparison per candidate and a float64 matrix
   product, exact because every block's weights sum below 2**53.
3. Identical ballots can be merged first and counted once with a weight. Rows are packed
   into 64-bit words, hashed, and sorted by (hash, position); neighbours with equal hashes
   and equal words merge. The hash only decides the order: rows merge only when all their
   words are equal, so a collision can at worst leave two copies unmerged, never merge
   different ballots.

When to merge. Measured on 2 cores (bench/tally.py and a sweep over C and duplicate
shares), merging costs about 150-250 ns per ballot (the sort and the gathers hold the GIL),
while counting costs about 0.1 ns per ordered candidate pair per ballot, i.e. about 40 ns
per ballot for 20 candidates; and the merged ballots, now weighted, cost about twice as
much each to count. So merging pays only when (1 - 2 × distinct/ballots) × C(C-1) is above
about 2000: never below 46 candidates, and above that only for heavily repeated ballots.
``merge_identical=None`` (the default) decides by that rule, estimating the number of
distinct ballots from the row hashes by linear counting; True or False forces the choice.
The matrix is identical either way.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .ballots import as_rank_array, as_weight_array, effective_ranks

__all__ = [
    "available_threads",
    "count_weighted",
    "merge_identical_ballots",
    "pairwise_counts",
    "pairwise_from_effective_ranks",
]

# Elements (candidates × ballots) compared at once by the per-candidate count, and the most
# ballots it takes on: beyond that it leaves the cache and the pair loop is faster.
_ROWWISE_ELEMENTS = 1 << 16
_ROWWISE_MAX_BALLOTS = 1 << 16
# Columns compared at a time in the pair loop: large enough to amortise the per-call cost,
# small enough that two rows and the result stay in the processor's cache.
_CHUNK = 1 << 18
# Below this many ballots threads cost more than they save.
_THREAD_MIN_BALLOTS = 1 << 17
# Merge identical ballots when (1 - 2 × distinct/ballots) × C(C-1) reaches this; see above.
_MERGE_PAYS = 2000
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
    merge_identical: bool | None = None,
) -> np.ndarray:
    """Return the C×C int64 pairwise matrix of ``ballots`` (V×C ranks, 0 = unranked).

    ``weights`` gives each ballot's multiplicity (whole numbers ≥ 0). ``candidate_count``
    fixes C when there may be no ballots at all. ``threads`` caps the worker threads
    (default: the processors available); ``merge_identical`` forces merging identical
    ballots on or off (default: when it is faster). Matrices of disjoint ballot sets add up
    to the matrix of their union, which is what lets a large count be split across workers.
    """
    ranks = as_rank_array(ballots, candidate_count=candidate_count)
    ballot_weights = as_weight_array(weights, ranks.shape[0])
    return pairwise_from_effective_ranks(
        effective_ranks(ranks), ballot_weights, threads=threads, merge_identical=merge_identical
    )


def pairwise_from_effective_ranks(
    effective: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    threads: int | None = None,
    merge_identical: bool | None = None,
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
    if merge_identical is None:
        merge_identical = _merging_pays(effective)
    if merge_identical:
        distinct, weights = merge_identical_ballots(effective, weights)
    else:
        distinct = np.ascontiguousarray(effective.T)
    return _count_in_parallel(distinct, weights, threads)


def _merging_pays(effective: np.ndarray) -> bool:
    ballot_count, candidate_count = effective.shape
    ordered_pairs = candidate_count * (candidate_count - 1)
    if ordered_pairs < _MERGE_PAYS or ballot_count < 2:
        return False
    distinct = _estimated_distinct(_row_hashes(_packed_rows(effective)))
    return (1 - 2 * distinct / ballot_count) * ordered_pairs >= _MERGE_PAYS


def _estimated_distinct(hashes: np.ndarray) -> float:
    """Number of distinct hashes by linear counting (Whang, Vander-Zanden and Taylor, 1990):
    with z of m bitmap bits still clear after setting one bit per hash, about -m ln(z/m)
    distinct values were seen. m ≥ 4 × count keeps the error well under 1%."""
    bits = min(26, max(16, (4 * hashes.shape[0]).bit_length()))
    bitmap = np.zeros(1 << bits, dtype=bool)
    bitmap[(hashes >> np.uint64(64 - bits)).astype(np.intp)] = True
    clear = bitmap.shape[0] - np.count_nonzero(bitmap)
    if clear == 0:
        return float(hashes.shape[0])
    return -bitmap.shape[0] * math.log(clear / bitmap.shape[0])


def _part_count(ballot_count: int, threads: int | None) -> int:
    limit = available_threads() if threads is None else max(1, threads)
    if ballot_count < _THREAD_MIN_BALLOTS:
        return 1
    return max(1, min(limit, 8, ballot_count // (_THREAD_MIN_BALLOTS // 2)))


def _count_in_parallel(
    distinct: np.ndarray, weights: np.ndarray | None, threads: int | None
) -> np.ndarray:
    ballot_count = distinct.shape[1]
    parts = _part_count(ballot_count, threads)
    if parts == 1:
        return count_weighted(distinct, weights)
    bounds = np.linspace(0, ballot_count, parts + 1).astype(int)
    slices = [slice(start, stop) for start, stop in zip(bounds[:-1], bounds[1:], strict=True)]
    with ThreadPoolExecutor(max_workers=parts) as pool:
        partials = list(
            pool.map(
                lambda part: count_weighted(
                    distinct[:, part], None if weights is None else weights[part]
                ),
                slices,
            )
        )
    return np.sum(partials, axis=0, dtype=np.int64)


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


def merge_identical_ballots(
    effective: np.ndarray, weights: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Merge identical rows of V×C ``effective``: (C×U distinct ballots, U weights).

    Ballots seen once come first, so that the bulk is counted without weights and only the
    repeated ballots go through the weighted planes (see ``count_weighted``).
    """
    words = _packed_rows(effective)
    hashes = _row_hashes(words)
    count = hashes.shape[0]
    # Sort by (hash, position) in one pass: the low bits carry the position, the high bits
    # as much of the hash as fits.
    position_bits = max(1, (count - 1).bit_length())
    low_mask = np.uint64((1 << position_bits) - 1)
    keys = hashes & ~low_mask
    keys |= np.arange(count, dtype=np.uint64)
    keys.sort()
    ordered = (keys & low_mask).astype(np.intp)
    # Different hashes always start a new group; equal hashes only if some word differs.
    starts_group = np.ones(count, dtype=bool)
    truncated = keys >> np.uint64(position_bits)
    same_hash = np.flatnonzero(truncated[1:] == truncated[:-1]) + 1
    differs = np.zeros(same_hash.shape[0], dtype=bool)
    for word in words:
        differs |= word[ordered[same_hash]] != word[ordered[same_hash - 1]]
    starts_group[same_hash] = differs
    starts = np.flatnonzero(starts_group)
    representatives = ordered[starts]
    if weights is None:
        group_weights = np.diff(np.append(starts, count)).astype(np.int64)
    else:
        group_weights = np.add.reduceat(weights[ordered], starts).astype(np.int64)
    single = group_weights == 1
    if not single.all():
        regroup = np.concatenate([np.flatnonzero(single), np.flatnonzero(~single)])
        representatives = representatives[regroup]
        group_weights = group_weights[regroup]
    distinct = np.ascontiguousarray(effective[representatives].T)
    return distinct, group_weights


def count_weighted(distinct: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Pairwise matrix of C×U effective ranks (one column per ballot) with integer weights
    (None: every ballot once).

    Fastest when the ballots of weight 1 come first (as ``merge_identical_ballots`` does):
    they are counted without weights, and only the rest go through the weighted paths.
    """
    candidate_count, ballot_count = distinct.shape
    if weights is None:
        return _count_plain(distinct, None, 1)
    single = weights == 1
    leading = ballot_count if single.all() else int(np.argmin(single))
    if single[leading:].any():
        leading = 0
    matrix = _count_plain(distinct[:, :leading], None, 1) if leading else None
    rest, rest_weights = distinct[:, leading:], weights[leading:]
    if rest_weights.size:
        planes = int(rest_weights.max()).bit_length()
        counted = _count_plain(rest, rest_weights, planes)
        matrix = counted if matrix is None else matrix + counted
    if matrix is None:
        return np.zeros((candidate_count, candidate_count), dtype=np.int64)
    return matrix


# Measured costs that decide between the two counting loops (2-core VM, numpy 2.4), per
# ordered candidate pair: the pair loop pays about 3 µs of numpy calls per weight plane plus
# about 0.09 ns per ballot; the per-candidate matrix product about 0.4 ns per ballot while
# its blocks stay in cache. The product is therefore used for small ballot sets only.
def _rowwise_is_cheaper(ballot_count: int, planes: int) -> bool:
    return ballot_count <= _ROWWISE_MAX_BALLOTS and 0.4 * ballot_count < planes * 3000


def _count_plain(distinct: np.ndarray, weights: np.ndarray | None, planes: int) -> np.ndarray:
    candidate_count, ballot_count = distinct.shape
    if ballot_count == 0:
        return np.zeros((candidate_count, candidate_count), dtype=np.int64)
    if _rowwise_is_cheaper(ballot_count, planes):
        return _count_rowwise(distinct, weights)
    if weights is None:
        return _count_pairs(distinct)
    matrix = np.zeros((candidate_count, candidate_count), dtype=np.int64)
    for bit in range(planes):
        in_plane = ((weights >> bit) & 1).astype(bool)
        if in_plane.all():
            plane = distinct
        elif in_plane.any():
            plane = np.compress(in_plane, distinct, axis=1)
        else:
            continue
        matrix += _count_plain(plane, None, 1) << bit
    return matrix


def _count_rowwise(distinct: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """One comparison of each candidate's row against all rows, summed by a matrix product.

    The product runs in float64 (BLAS), which is exact while the weights of a block sum
    below 2**53; blocks are cut so that they do, and to bound the temporary arrays.
    """
    candidate_count, ballot_count = distinct.shape
    ballot_weights = (
        np.ones(ballot_count, dtype=np.float64) if weights is None else weights.astype(np.float64)
    )
    matrix = np.zeros((candidate_count, candidate_count), dtype=np.int64)
    step = max(1, _ROWWISE_ELEMENTS // candidate_count)
    if weights is not None and int(weights.max()) > 0:
        step = min(step, max(1, (2**53 - 1) // int(weights.max())))
    for start in range(0, ballot_count, step):
        block = distinct[:, start : start + step]
        block_weights = ballot_weights[start : start + step]
        for i in range(candidate_count):
            prefers = np.less(block[i], block).astype(np.float64)
            matrix[i] += (prefers @ block_weights).astype(np.int64)
    return matrix


def _count_pairs(distinct: np.ndarray) -> np.ndarray:
    """Unweighted count, one pair of contiguous rows at a time (best for many ballots)."""
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
