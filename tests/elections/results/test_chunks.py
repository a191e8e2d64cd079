"""Properties of the chunked count: any split of the ballots adds up to the whole."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from elections.condorcet import pairwise_counts
from elections.results import counting, selectors


@st.composite
def ballots_and_cuts(draw: st.DrawFn) -> tuple[np.ndarray, list[int]]:
    candidates = draw(st.integers(min_value=1, max_value=6))
    rows = draw(
        st.lists(
            st.lists(
                st.integers(min_value=0, max_value=candidates),
                min_size=candidates,
                max_size=candidates,
            ),
            max_size=40,
        )
    )
    ranks = np.array(rows, dtype=np.int64).reshape(len(rows), candidates)
    cuts = sorted(draw(st.lists(st.integers(min_value=0, max_value=len(rows)), max_size=5)))
    return ranks, cuts


def partial(ranks: np.ndarray) -> dict[str, object]:
    return counting.PartialCount(
        pairwise=counting.pairwise_matrix(ranks),
        ballot_count=int(ranks.shape[0]),
        multiset=selectors.ballot_multiset_sum(ranks),
    ).as_json()


@settings(max_examples=150, deadline=None)
@given(ballots_and_cuts())
def test_chunks_add_up_to_the_single_count_and_its_digest(
    case: tuple[np.ndarray, list[int]],
) -> None:
    ranks, cuts = case
    pieces = np.split(ranks, cuts) if ranks.shape[0] else [ranks]
    total = counting.add_partials([partial(piece) for piece in pieces], ranks.shape[1])
    whole = (
        pairwise_counts(ranks, candidate_count=ranks.shape[1])
        if ranks.shape[0]
        else (np.zeros((ranks.shape[1], ranks.shape[1]), dtype=np.int64))
    )
    assert total.pairwise == np.asarray(whole).tolist()
    assert total.ballot_count == ranks.shape[0]
    assert total.multiset == selectors.ballot_multiset_sum(ranks)


@settings(max_examples=100, deadline=None)
@given(ballots_and_cuts(), st.randoms(use_true_random=False))
def test_the_ballot_set_digest_depends_on_the_ballots_not_their_order(
    case: tuple[np.ndarray, list[int]], shuffler: object
) -> None:
    ranks, _ = case
    names = [f"c{index}" for index in range(ranks.shape[1])]
    order = list(range(ranks.shape[0]))
    shuffler.shuffle(order)  # type: ignore[attr-defined]
    assert selectors.ballot_set_sha256(names, ranks) == selectors.ballot_set_sha256(
        names, ranks[order]
    )


def test_a_ballot_counted_twice_and_one_missed_changes_the_digest() -> None:
    ranks = np.array([[1, 2], [2, 1], [1, 0]])
    twice = np.array([[1, 2], [1, 2], [1, 0]])
    assert selectors.ballot_multiset_sum(ranks) != selectors.ballot_multiset_sum(twice)
