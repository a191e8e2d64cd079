"""Property tests: the engine against the plain-Python oracle, and the method's invariants."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elections.condorcet import pairwise_counts, tally, tally_from_pairwise
from elections.condorcet.reference import reference_tally
from elections.condorcet.schulze import schulze_beats

QUICK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
METHODS = st.sampled_from(["schulze", "rankedpairs"])


@st.composite
def elections(draw, min_candidates=1, max_candidates=5, max_ballots=12):
    """Small elections with ties, truncation (0) and gaps in ranks."""
    size = draw(st.integers(min_candidates, max_candidates))
    count = draw(st.integers(0, max_ballots))
    rows = draw(
        st.lists(
            st.lists(st.integers(0, size + 1), min_size=size, max_size=size),
            min_size=count,
            max_size=count,
        )
    )
    names = [f"c{number}" for number in range(size)]
    return names, np.array(rows, dtype=np.int64).reshape(count, size)


@st.composite
def seat_options(draw, names):
    options = {"seats": draw(st.integers(1, len(names) + 1))}
    options["tie_seed"] = draw(st.sampled_from([None, "seed", "OpenStack 2026 TC"]))
    if draw(st.booleans()):
        options["affiliations"] = {
            name: draw(st.sampled_from(["acme", "initech", None])) for name in names
        }
        options["max_per_affiliation"] = draw(st.integers(1, 2))
    return options


@QUICK
@given(data=st.data(), election=elections(), method=METHODS)
def test_engine_agrees_with_the_plain_python_oracle(data, election, method):
    names, rows = election
    weights = data.draw(
        st.none() | st.lists(st.integers(0, 3), min_size=len(rows), max_size=len(rows))
    )
    options = data.draw(seat_options(names))
    merge = data.draw(st.sampled_from([None, True, False]))
    result = tally(names, rows, weights=weights, method=method, merge_identical=merge, **options)
    oracle = reference_tally(names, rows.tolist(), weights=weights, method=method, **options)
    assert result.pairwise == oracle["pairwise"]
    assert result.strongest_paths == oracle["strongest_paths"]
    assert result.ranking == oracle["ranking"]
    assert result.condorcet_winner == oracle["condorcet_winner"]
    assert result.smith_set == oracle["smith_set"]
    assert set(result.winners) == oracle["winners"]
    assert len(result.winners) == len(set(result.winners))
    assert result.unresolved_tie == oracle["unresolved_tie"]


@QUICK
@given(election=elections(min_candidates=2), method=METHODS)
def test_a_condorcet_winner_always_wins(election, method):
    names, rows = election
    result = tally(names, rows, method=method)
    if result.condorcet_winner is not None:
        assert result.ranking[0] == [result.condorcet_winner]
        assert result.winners == [result.condorcet_winner]


@QUICK
@given(election=elections(min_candidates=2), method=METHODS)
def test_a_condorcet_loser_never_wins(election, method):
    names, rows = election
    result = tally(names, rows, method=method)
    d = np.array(result.pairwise)
    for index, name in enumerate(names):
        others = [j for j in range(len(names)) if j != index]
        if all(d[j, index] > d[index, j] for j in others):
            assert name not in result.ranking[0]


@QUICK
@given(election=elections(min_candidates=2))
def test_schulze_winners_are_in_the_smith_set(election):
    names, rows = election
    result = tally(names, rows)
    assert set(result.ranking[0]) <= set(result.smith_set)


@QUICK
@given(data=st.data(), election=elections(), method=METHODS)
def test_result_does_not_depend_on_ballot_order(data, election, method):
    names, rows = election
    options = data.draw(seat_options(names))
    shuffled = rows[data.draw(st.permutations(range(len(rows))))] if len(rows) else rows
    assert tally(names, shuffled, method=method, **options) == tally(
        names, rows, method=method, **options
    )


@QUICK
@given(data=st.data(), election=elections(), method=METHODS)
def test_result_does_not_depend_on_candidate_order(data, election, method):
    """Draws depend on the seed and the names only, so even tie breaks are identical."""
    names, rows = election
    options = data.draw(seat_options(names))
    order = data.draw(st.permutations(range(len(names))))
    moved = tally([names[i] for i in order], rows[:, order], method=method, **options)
    result = tally(names, rows, method=method, **options)
    assert moved.ranking == result.ranking
    assert moved.winners == result.winners
    assert moved.tie_breaks == result.tie_breaks
    assert moved.unresolved_ties == result.unresolved_ties
    assert moved.affiliation_adjustments == result.affiliation_adjustments
    assert moved.smith_set == result.smith_set
    assert moved.condorcet_winner == result.condorcet_winner
    assert sorted(map(tuple, moved.locked_pairs)) == sorted(map(tuple, result.locked_pairs))
    assert np.array_equal(np.array(moved.pairwise), np.array(result.pairwise)[np.ix_(order, order)])


def reversed_ballots(rows: np.ndarray) -> np.ndarray:
    """Every ballot turned upside down, ties kept: the last become first.

    Unranked candidates are tied below the ranked ones, so reversed they are tied above
    them: they get rank 1 and the ranked candidates follow in reverse order.
    """
    flipped = np.zeros_like(rows)
    for number, row in enumerate(rows):
        top = int(row.max()) if row.size else 0
        has_unranked = bool((row == 0).any())
        for column, rank in enumerate(row):
            if rank == 0:
                flipped[number, column] = 1
            else:
                flipped[number, column] = top + 1 - rank + (1 if has_unranked else 0)
    return flipped


@QUICK
@given(election=elections(min_candidates=2))
def test_reversing_every_ballot_reverses_the_ranking(election):
    """The pairwise matrix is transposed and Schulze's relation turns around exactly; when
    the relation is a complete order with ties (the usual case), so is the ranking."""
    names, rows = election
    result = tally(names, rows)
    upside_down = tally(names, reversed_ballots(rows))
    assert upside_down.pairwise == np.array(result.pairwise).T.tolist()
    beats = schulze_beats(np.array(result.strongest_paths))
    assert np.array_equal(schulze_beats(np.array(upside_down.strongest_paths)), beats.T)
    place = {name: index for index, group in enumerate(result.ranking) for name in group}
    index = {name: i for i, name in enumerate(names)}
    weak_order = all(beats[index[a], index[b]] for a in names for b in names if place[a] < place[b])
    if weak_order:
        assert upside_down.ranking == result.ranking[::-1]


@QUICK
@given(election=elections(min_candidates=2))
def test_ranked_pairs_reversal_turns_a_strict_ranking_around(election):
    names, rows = election
    result = tally(names, rows, method="rankedpairs")
    upside_down = tally(names, reversed_ballots(rows), method="rankedpairs")
    assert sorted(map(tuple, upside_down.locked_pairs)) == sorted(
        (loser, winner) for winner, loser in result.locked_pairs
    )
    if all(len(group) == 1 for group in result.ranking):
        assert upside_down.ranking == result.ranking[::-1]


@QUICK
@given(data=st.data(), election=elections(min_candidates=2), method=METHODS)
def test_adding_a_ballot_for_the_winner_alone_keeps_them_winning(data, election, method):
    """Mono-add-plump: a new ballot ranking only the winner cannot unseat them."""
    names, rows = election
    result = tally(names, rows, method=method)
    if len(result.ranking[0]) != 1:
        return
    winner = names.index(result.ranking[0][0])
    plump = np.zeros((1, len(names)), dtype=np.int64)
    plump[0, winner] = 1
    extra = data.draw(st.integers(1, 3))
    more = np.vstack([rows, np.repeat(plump, extra, axis=0)])
    assert tally(names, more, method=method).ranking[0] == result.ranking[0]


@QUICK
@given(data=st.data(), election=elections(max_ballots=20), method=METHODS)
def test_summed_partial_matrices_give_the_single_process_result(data, election, method):
    names, rows = election
    cut = data.draw(st.integers(0, len(rows)))
    options = data.draw(seat_options(names))
    total = pairwise_counts(rows[:cut], candidate_count=len(names)) + pairwise_counts(
        rows[cut:], candidate_count=len(names)
    )
    assert tally_from_pairwise(
        names, total, ballot_count=len(rows), method=method, **options
    ) == tally(names, rows, method=method, **options)


@QUICK
@given(data=st.data(), election=elections())
def test_weights_count_like_repeated_ballots(data, election):
    names, rows = election
    weights = data.draw(st.lists(st.integers(0, 4), min_size=len(rows), max_size=len(rows)))
    repeated = np.repeat(rows, weights, axis=0) if len(rows) else rows
    assert tally(names, rows, weights=weights) == tally(names, repeated)
