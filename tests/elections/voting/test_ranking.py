"""The ballot's ranks, read from the form's fields into a frozen value (pure)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from elections.voting.ranking import (
    Ranking,
    RankingError,
    field_name,
    order_from_field,
    parse_ranking,
    shuffled,
)

KEYS = ["candidacy-1", "candidacy-2", "candidacy-3", "candidacy-4"]
LABELS = {"candidacy-1": "Ada", "candidacy-2": "Bo", "candidacy-3": "Cy", "candidacy-4": "Di"}


def fields(**ranks: str) -> dict[str, list[str]]:
    return {field_name(f"candidacy-{key[1:]}"): [value] for key, value in ranks.items()}


def test_ranks_ties_and_unranked_become_dense_tiers() -> None:
    ranking = parse_ranking(fields(c1="1", c2="3", c3="3", c4=""), KEYS)
    assert ranking.as_dict() == {"candidacy-1": 1, "candidacy-2": 2, "candidacy-3": 2}
    assert ranking.unranked == ("candidacy-4",)
    assert ranking.tiers == (("candidacy-1",), ("candidacy-2", "candidacy-3"))
    assert ranking.describe(LABELS) == "1. Ada, 2. Bo = Cy; unranked: Di"


def test_equal_orders_are_equal_values_whatever_numbers_were_used() -> None:
    """Dense ranks: the numbers a voter picked cannot serve as a signature of their ballot."""
    a = parse_ranking(fields(c1="4", c2="2"), KEYS)
    b = parse_ranking(fields(c1="2", c2="1"), KEYS)
    assert a == b
    assert a.as_dict() == {"candidacy-1": 2, "candidacy-2": 1}


def test_missing_fields_are_unranked_and_other_fields_are_ignored() -> None:
    submitted = {"csrfmiddlewaretoken": ["x"], "step": ["review"], **fields(c2="1")}
    ranking = parse_ranking(submitted, KEYS)
    assert ranking.as_dict() == {"candidacy-2": 1}
    assert ranking.unranked == ("candidacy-1", "candidacy-3", "candidacy-4")


def test_everyone_tied_first_is_an_explicit_abstention() -> None:
    ranking = parse_ranking(fields(c1="1", c2="1", c3="1", c4="1"), KEYS)
    assert ranking.tiers == (tuple(KEYS),)


def test_a_ballot_ranking_nobody_is_refused() -> None:
    with pytest.raises(RankingError) as caught:
        parse_ranking(fields(c1="", c2=" "), KEYS)
    assert "Rank at least one candidate" in caught.value.general[0]


@pytest.mark.parametrize(
    "value", ["0", "-1", "5", "99999999999999999999", "1.5", "abc", "+1", "1e3", "١", "0x1"]
)
def test_ranks_outside_one_to_n_or_not_whole_numbers_are_refused(value: str) -> None:
    with pytest.raises(RankingError) as caught:
        parse_ranking(fields(c1=value, c2="1"), KEYS)
    assert set(caught.value.field_errors) == {"candidacy-1"}
    assert "from 1 to 4" in caught.value.field_errors["candidacy-1"]


def test_a_field_sent_twice_is_refused() -> None:
    submitted = {field_name("candidacy-1"): ["1", "2"], field_name("candidacy-2"): ["1"]}
    with pytest.raises(RankingError) as caught:
        parse_ranking(submitted, KEYS)
    assert "more than once" in caught.value.field_errors["candidacy-1"]


def test_a_candidate_not_in_the_contest_is_refused() -> None:
    submitted = {**fields(c1="1"), field_name("candidacy-99"): ["2"]}
    with pytest.raises(RankingError) as caught:
        parse_ranking(submitted, KEYS)
    assert "not standing in this contest" in caught.value.general[0]


def test_from_ranks_refuses_unknown_keys() -> None:
    with pytest.raises(RankingError):
        Ranking.from_ranks({"option-9": 1}, KEYS)


@given(st.dictionaries(st.sampled_from(KEYS), st.integers(min_value=1, max_value=4), min_size=1))
def test_parsing_keeps_the_order_and_makes_ranks_dense(ranks: dict[str, int]) -> None:
    ranking = parse_ranking({field_name(k): [str(v)] for k, v in ranks.items()}, KEYS)
    dense = ranking.as_dict()
    assert sorted(set(dense.values())) == list(range(1, len(set(ranks.values())) + 1))
    for a in ranks:
        for b in ranks:
            assert (ranks[a] < ranks[b]) == (dense[a] < dense[b])
    assert set(dense) | set(ranking.unranked) == set(KEYS)


def test_shuffle_is_a_permutation_and_varies() -> None:
    keys = [f"option-{n}" for n in range(12)]
    orders = {tuple(shuffled(keys)) for _ in range(20)}
    assert all(sorted(order) == sorted(keys) for order in orders)
    assert len(orders) > 1


def test_carried_order_must_be_a_permutation_of_the_contest() -> None:
    assert order_from_field("candidacy-3,candidacy-1,candidacy-4,candidacy-2", KEYS) == [
        "candidacy-3",
        "candidacy-1",
        "candidacy-4",
        "candidacy-2",
    ]
    assert order_from_field("candidacy-3,candidacy-1", KEYS) is None
    assert order_from_field("candidacy-1,candidacy-1,candidacy-2,candidacy-3", KEYS) is None
    assert order_from_field("", KEYS) is None


def test_pure_modules_import_no_django() -> None:
    code = (
        "import sys; import elections.voting.ranking, elections.voting.receipts; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
