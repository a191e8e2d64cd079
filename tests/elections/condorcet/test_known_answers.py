"""Known answers: published worked examples and small cases checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from elections.condorcet import tally

from .builders import ballots_from_orders, expand


def test_wikipedia_example_ranks_e_a_c_b_d(wikipedia_election):
    """Schulze's 45-voter example: the matrices and the ranking as published."""
    candidates, rows, weights = wikipedia_election
    result = tally(candidates, rows, weights=weights)
    assert result.pairwise == [
        [0, 20, 26, 30, 22],
        [25, 0, 16, 33, 18],
        [19, 29, 0, 17, 24],
        [15, 12, 28, 0, 14],
        [23, 27, 21, 31, 0],
    ]
    assert result.strongest_paths == [
        [0, 28, 28, 30, 24],
        [25, 0, 28, 33, 24],
        [25, 29, 0, 29, 24],
        [25, 28, 28, 0, 24],
        [25, 28, 28, 31, 0],
    ]
    assert result.ranking == [["E"], ["A"], ["C"], ["B"], ["D"]]
    assert result.winners == ["E"]
    assert result.ballot_count == 45
    assert result.condorcet_winner is None
    assert result.smith_set == ["A", "B", "C", "D", "E"]
    assert result.margins[4][0] == 23 - 22


def test_wikipedia_example_counts_the_same_from_one_row_per_voter(wikipedia_election):
    candidates, rows, weights = wikipedia_election
    by_weight = tally(candidates, rows, weights=weights)
    by_row = tally(candidates, expand(rows, weights))
    assert by_row == by_weight


def test_wikipedia_example_seats_the_top_of_the_ranking(wikipedia_election):
    candidates, rows, weights = wikipedia_election
    assert tally(candidates, rows, weights=weights, seats=3).winners == ["E", "A", "C"]


def test_wikipedia_example_under_ranked_pairs_elects_a():
    """Locking 33 B>D, 31 E>D, 30 A>D, 29 C>B, skipping 28 D>C (cycle C>B>D>C), 27 E>B,
    26 A>C, skipping 25 B>A, 24 C>E, skipping 23 E>A gives A > C > E > B > D."""
    candidates = ["A", "B", "C", "D", "E"]
    rows, weights = ballots_from_orders(
        candidates,
        [
            (5, "A>C>B>E>D"),
            (5, "A>D>E>C>B"),
            (8, "B>E>D>A>C"),
            (3, "C>A>B>E>D"),
            (7, "C>A>E>B>D"),
            (2, "C>B>A>D>E"),
            (7, "D>C>E>B>A"),
            (8, "E>B>A>D>C"),
        ],
    )
    result = tally(candidates, rows, weights=weights, method="rankedpairs")
    assert result.ranking == [["A"], ["C"], ["E"], ["B"], ["D"]]
    assert result.locked_pairs == [
        ["B", "D"],
        ["E", "D"],
        ["A", "D"],
        ["C", "B"],
        ["E", "B"],
        ["A", "C"],
        ["C", "E"],
    ]


def test_schulze_thirty_voter_example_ranks_d_a_c_b():
    """Schulze's 30-voter, 4-candidate worked example.

    Links: B>A 19, A>C 20, D>A 16, C>B 21, D>B 18, C>D 17. Strongest paths: D>A 18 (via B)
    vs A>D 17; D>C 18 vs 17; D>B 18 vs 17; A>C 20 vs 19; A>B 20 vs 19; C>B 21 vs 19.
    """
    candidates = ["A", "B", "C", "D"]
    rows, weights = ballots_from_orders(
        candidates,
        [
            (5, "A>C>B>D"),
            (2, "A>C>D>B"),
            (3, "A>D>C>B"),
            (4, "B>A>C>D"),
            (3, "C>B>D>A"),
            (3, "C>D>B>A"),
            (1, "D>A>C>B"),
            (5, "D>B>A>C"),
            (4, "D>C>B>A"),
        ],
    )
    result = tally(candidates, rows, weights=weights)
    assert result.pairwise == [[0, 11, 20, 14], [19, 0, 9, 12], [10, 21, 0, 17], [16, 18, 13, 0]]
    assert result.strongest_paths == [
        [0, 20, 20, 17],
        [19, 0, 19, 17],
        [19, 21, 0, 17],
        [18, 18, 18, 0],
    ]
    assert result.ranking == [["D"], ["A"], ["C"], ["B"]]


def test_schwartz_set_heuristic_example_elects_c():
    """Wikipedia's 30-voter example for the Schwartz set heuristic (winner C)."""
    candidates = ["A", "B", "C", "D"]
    rows, weights = ballots_from_orders(
        candidates,
        [(3, "A>C>D>B"), (9, "B>A>C>D"), (8, "C>D>A>B"), (5, "D>A>B>C"), (5, "D>B>C>A")],
    )
    result = tally(candidates, rows, weights=weights)
    assert result.pairwise == [[0, 16, 17, 12], [14, 0, 19, 9], [13, 11, 0, 20], [18, 21, 10, 0]]
    assert result.winners == ["C"]
    assert result.ranking == [["C"], ["D"], ["B"], ["A"]]


def test_schulze_example_with_two_potential_winners():
    """9 voters; only D>A (6 vs 5) and B>C (7 vs 5) are decided by strongest paths, every
    other pair ties at 5, so B and D are both potential winners (Schulze's example of a
    tie), then A and C."""
    candidates = ["A", "B", "C", "D"]
    rows, weights = ballots_from_orders(
        candidates, [(3, "A>B>C>D"), (2, "D>A>B>C"), (2, "D>B>C>A"), (2, "C>B>D>A")]
    )
    result = tally(candidates, rows, weights=weights)
    assert result.strongest_paths == [[0, 5, 5, 5], [5, 0, 7, 5], [5, 5, 0, 5], [6, 5, 5, 0]]
    assert result.ranking == [["B", "D"], ["A", "C"]]
    assert result.winners == []
    assert result.unresolved_tie


def test_equal_ranks_on_a_ballot_count_for_neither_side():
    """A ranks B and C equal on the first ballot; the second ballot decides B over C."""
    result = tally(["A", "B", "C"], [[1, 2, 2], [2, 1, 3]])
    assert result.pairwise == [[0, 1, 2], [1, 0, 1], [0, 0, 0]]
    assert result.ranking == [["A", "B"], ["C"]]


def test_truncated_ballots_put_unranked_candidates_below_ranked_ones():
    """Ballots ranking only their favourite: unranked candidates lose to ranked ones and
    tie among themselves."""
    result = tally(["A", "B", "C"], [[1, 0, 0], [1, 0, 0], [0, 1, 0]])
    assert result.pairwise == [[0, 2, 2], [1, 0, 1], [0, 0, 0]]
    assert result.ranking == [["A"], ["B"], ["C"]]
    assert result.condorcet_winner == "A"


def test_only_the_order_of_ranks_matters():
    gaps = tally(["A", "B", "C"], [[1, 5, 5], [9, 0, 3]])
    dense = tally(["A", "B", "C"], [[1, 2, 2], [2, 0, 1]])
    assert gaps == dense


def test_no_ballots_leaves_every_candidate_tied():
    result = tally(["A", "B", "C"], np.zeros((0, 3), dtype=np.int64))
    assert result.ballot_count == 0
    assert result.pairwise == [[0, 0, 0]] * 3
    assert result.ranking == [["A", "B", "C"]]
    assert result.winners == []
    assert result.smith_set == ["A", "B", "C"]
    assert result.condorcet_winner is None


def test_no_ballots_given_as_an_empty_list():
    assert tally(["A", "B"], []).ranking == [["A", "B"]]


def test_one_candidate_wins_with_or_without_ballots():
    for ballots in ([], [[1]], [[0]]):
        result = tally(["Only"], ballots)
        assert result.winners == ["Only"]
        assert result.ranking == [["Only"]]
        assert result.condorcet_winner == "Only"
        assert result.pairwise == [[0]]


def test_all_candidates_tied_on_every_ballot():
    result = tally(["A", "B", "C", "D"], [[1, 1, 1, 1], [0, 0, 0, 0], [2, 2, 2, 2]])
    assert result.pairwise == [[0] * 4] * 4
    assert result.ranking == [["A", "B", "C", "D"]]
    assert result.unresolved_ties[0].candidates == ["A", "B", "C", "D"]


def test_condorcet_cycle_is_a_three_way_tie_under_both_methods():
    """A>B>C, B>C>A, C>A>B once each: every majority is 2 to 1, a perfect cycle."""
    rows = [[1, 2, 3], [3, 1, 2], [2, 3, 1]]
    for method in ("schulze", "rankedpairs"):
        result = tally(["A", "B", "C"], rows, method=method)
        assert result.ranking == [["A", "B", "C"]], method
        assert result.smith_set == ["A", "B", "C"]


@pytest.mark.parametrize("method", ["schulze", "rankedpairs"])
def test_condorcet_winner_is_reported_and_elected(method):
    rows = [[1, 2, 3], [1, 3, 2], [2, 1, 3]]
    result = tally(["A", "B", "C"], rows, method=method)
    assert result.condorcet_winner == "A"
    assert result.winners == ["A"]
    assert result.smith_set == ["A"]
