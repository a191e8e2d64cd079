"""The pairwise count: input checks, merging identical ballots, and every counting path."""

from __future__ import annotations

import numpy as np
import pytest

from elections.condorcet import pairwise, pairwise_counts, tally, tally_from_pairwise
from elections.condorcet.reference import reference_pairwise

from .builders import naive_pairwise


def random_ballots(rng: np.random.Generator, count: int, size: int) -> np.ndarray:
    """Random ranks with ties and truncation, plus a block of repeated ballots."""
    rows = rng.integers(1, size + 1, size=(count, size))
    cut = rng.integers(0, size + 1, size=(count, 1))
    rows[rows > cut] = 0
    repeated = rows[: count // 4].copy()
    rows[count // 2 : count // 2 + len(repeated)] = repeated
    return rows


def test_matrix_matches_the_plain_python_reference():
    rng = np.random.default_rng(7)
    rows = random_ballots(rng, 300, 6)
    weights = rng.integers(0, 4, size=300)
    assert pairwise_counts(rows).tolist() == reference_pairwise(rows.tolist())
    assert pairwise_counts(rows, weights).tolist() == reference_pairwise(rows.tolist(), weights)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.int32, np.int64, np.uint64])
def test_any_integer_dtype_counts_the_same(dtype):
    rows = np.array([[1, 2, 0], [3, 3, 1], [0, 0, 0]])
    assert (pairwise_counts(rows.astype(dtype)) == naive_pairwise(rows)).all()


@pytest.mark.parametrize("top", [254, 255, 256, 65535, 65536, 2**40])
def test_large_rank_numbers_keep_their_order(top):
    """Ranks are packed into the smallest unsigned type; the boundaries must not wrap."""
    rows = np.array([[top, top - 1, 0, 1], [1, top, top, 0]], dtype=np.int64)
    assert (pairwise_counts(rows) == naive_pairwise(rows)).all()


def test_identical_ballots_are_merged_with_their_weights(monkeypatch):
    counted = []
    real = pairwise.count_weighted

    def spy(distinct, weights):
        counted.append((distinct.shape[1], None if weights is None else weights.tolist()))
        return real(distinct, weights)

    monkeypatch.setattr(pairwise, "count_weighted", spy)
    rows = np.array([[1, 2, 3]] * 5 + [[3, 2, 1]] * 2 + [[1, 1, 0]])
    matrix = pairwise_counts(rows, threads=1, merge_identical=True)
    # Three distinct ballots; the one seen once comes first.
    assert counted == [(3, [1, 5, 2])] or counted == [(3, [1, 2, 5])]
    assert (matrix == naive_pairwise(rows)).all()
    assert (pairwise_counts(rows, merge_identical=False) == matrix).all()


def test_merging_is_chosen_only_where_it_is_faster(monkeypatch):
    """Merging costs more than it saves for a few dozen candidates (see ``pairwise``)."""
    merged = []
    real = pairwise.merge_identical_ballots

    def spy(effective, weights):
        merged.append(effective.shape)
        return real(effective, weights)

    monkeypatch.setattr(pairwise, "merge_identical_ballots", spy)
    rng = np.random.default_rng(1)
    few_kinds = rng.integers(0, 80, size=(10, 80))[rng.integers(0, 10, size=2000)]
    assert (pairwise_counts(few_kinds) == naive_pairwise(few_kinds)).all()
    assert merged == [(2000, 80)]
    all_different = rng.integers(0, 80, size=(2000, 80))
    pairwise_counts(all_different)
    twenty = few_kinds[:, :20]
    pairwise_counts(twenty)
    assert merged == [(2000, 80)]


@pytest.mark.parametrize("merge", [True, False])
def test_merged_and_unmerged_counts_agree_with_weights(merge):
    rng = np.random.default_rng(4)
    rows = random_ballots(rng, 4000, 6)
    weights = rng.integers(0, 9, size=4000)
    expected = naive_pairwise(rows, weights)
    assert (pairwise_counts(rows, weights, merge_identical=merge) == expected).all()


def test_huge_weights_stay_exact():
    """Weights near 2**53 would lose units in a float64 sum; blocks are cut to avoid it."""
    rows = np.array([[1, 2], [1, 2], [2, 1]])
    weights = np.array([2**52 + 1, 2**52 + 3, 5])
    assert pairwise_counts(rows, weights).tolist() == [[0, 2**53 + 4], [5, 0]]


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_threaded_and_single_threaded_counts_agree(monkeypatch, threads):
    monkeypatch.setattr(pairwise, "_THREAD_MIN_BALLOTS", 16)
    monkeypatch.setattr(pairwise, "available_threads", lambda: 4)
    rng = np.random.default_rng(threads)
    rows = random_ballots(rng, 5000, 7)
    weights = rng.integers(0, 5, size=5000)
    assert (pairwise_counts(rows, weights, threads=threads) == naive_pairwise(rows, weights)).all()


@pytest.mark.parametrize("rowwise", [True, False])
def test_pair_loop_and_matrix_product_paths_agree(monkeypatch, rowwise):
    monkeypatch.setattr(pairwise, "_rowwise_is_cheaper", lambda count, planes: rowwise)
    monkeypatch.setattr(pairwise, "_CHUNK", 257)
    monkeypatch.setattr(pairwise, "_ROWWISE_ELEMENTS", 1000)
    rng = np.random.default_rng(3)
    rows = random_ballots(rng, 3000, 9)
    weights = rng.integers(0, 1000, size=3000)
    assert (pairwise_counts(rows, weights) == naive_pairwise(rows, weights)).all()
    assert (pairwise_counts(rows) == naive_pairwise(rows)).all()
    merged = pairwise_counts(rows, weights, merge_identical=True)
    assert (merged == naive_pairwise(rows, weights)).all()


def test_large_election_matches_the_naive_count():
    """Big enough to take the threaded path with the default thresholds."""
    rng = np.random.default_rng(11)
    rows = random_ballots(rng, 300_000, 12).astype(np.uint8)
    assert (pairwise_counts(rows) == naive_pairwise(rows)).all()


def test_wide_rows_spanning_several_words_are_merged_exactly():
    rng = np.random.default_rng(5)
    base = rng.integers(0, 40, size=(50, 37))
    rows = np.vstack([base, base[::-1], base[:7]])
    assert (pairwise_counts(rows) == naive_pairwise(rows)).all()


def test_matrices_of_parts_add_up_to_the_whole():
    rng = np.random.default_rng(9)
    rows = random_ballots(rng, 2000, 5)
    parts = [pairwise_counts(chunk) for chunk in np.array_split(rows, 7)]
    assert (sum(parts) == pairwise_counts(rows)).all()


def test_tally_from_a_summed_matrix_equals_the_tally_of_all_ballots(wikipedia_election):
    candidates, rows, weights = wikipedia_election
    total = pairwise_counts(rows[:3], weights[:3]) + pairwise_counts(rows[3:], weights[3:])
    assert tally_from_pairwise(candidates, total, ballot_count=45, seats=2) == tally(
        candidates, rows, weights=weights, seats=2
    )


def test_zero_weight_ballots_count_for_nothing():
    rows = np.array([[1, 2], [2, 1]])
    assert pairwise_counts(rows, [3, 0]).tolist() == [[0, 3], [0, 0]]


def test_empty_input_needs_the_candidate_count():
    assert pairwise_counts([], candidate_count=3).shape == (3, 3)
    assert pairwise_counts(np.zeros((0, 2), dtype=int)).tolist() == [[0, 0], [0, 0]]


@pytest.mark.parametrize(
    ("ballots", "message"),
    [
        ([[1, 2, 3], [1, 2]], "ballot 2 has 2 ranks but there are 3 candidates"),
        ([[1, -1, 2]], "ballot 1 gives candidate 'B' the negative rank -1"),
        (np.array([[1.0, 2.0, 3.0]]), "ranks must be whole numbers"),
        ([[1.5, 2, 3]], "ballot 1 holds float64 values; ranks must be whole numbers"),
        (np.array([1, 2, 3]), "must be a 2-dimensional array"),
        (np.ones((2, 4), dtype=int), "ballots have 4 columns but there are 3 candidates"),
        ([[[1], [2], [3]]], "ballot 1 is not a flat row of ranks"),
    ],
)
def test_malformed_ballots_are_refused_with_a_clear_message(ballots, message):
    with pytest.raises(ValueError, match=message):
        tally(["A", "B", "C"], ballots)


def test_rows_of_different_lengths_are_refused_without_candidates():
    with pytest.raises(ValueError, match="ballot 2 has 1 ranks but ballot 1 has 2"):
        pairwise_counts([[1, 2], [1]])


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([1], "one entry per ballot"),
        ([1, -2], "ballot 2 has the negative weight -2"),
        ([1.5, 1], "weights must be whole numbers"),
    ],
)
def test_malformed_weights_are_refused(weights, message):
    with pytest.raises(ValueError, match=message):
        tally(["A", "B"], [[1, 2], [2, 1]], weights=weights)


@pytest.mark.parametrize(
    ("matrix", "ballot_count", "message"),
    [
        ([[0, 1]], 1, "must be 2×2"),
        ([[0, -1], [0, 0]], 1, "negative count"),
        ([[1, 0], [0, 0]], 1, "zeros on its diagonal"),
        ([[0, 2], [1, 0]], 2, "more than ballot_count=2"),
        ([[0.0, 1.0], [0.0, 0.0]], 1, "whole numbers"),
        ([[0, 1], [0, 0]], -1, "ballot_count must be"),
    ],
)
def test_malformed_matrices_are_refused(matrix, ballot_count, message):
    with pytest.raises(ValueError, match=message):
        tally_from_pairwise(["A", "B"], matrix, ballot_count=ballot_count)
