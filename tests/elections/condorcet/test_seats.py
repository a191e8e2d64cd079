"""Seats, public tie draws, unresolved ties and the affiliation limit."""

from __future__ import annotations

import hashlib

import pytest

from elections.condorcet import DRAW_RULE, draw_order, tally

from .builders import ballots_from_orders

NAMES = ["Ann", "Bob", "Cid", "Dee"]


def election(*orders: tuple[int, str]):
    return ballots_from_orders(NAMES, list(orders))


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_seats_go_to_the_top_of_the_ranking():
    rows, weights = election((3, "Ann>Bob>Cid>Dee"), (2, "Bob>Ann>Cid>Dee"))
    result = tally(NAMES, rows, weights=weights, seats=2)
    assert result.winners == ["Ann", "Bob"]
    assert result.tie_breaks == []
    assert not result.unresolved_tie


def test_a_tied_group_that_fits_is_seated_without_a_draw():
    rows, weights = election((1, "Ann=Bob>Cid>Dee"))
    result = tally(NAMES, rows, weights=weights, seats=2)
    assert result.winners == ["Ann", "Bob"]
    assert result.tie_breaks == []
    assert not result.unresolved_tie


def test_a_tie_straddling_the_last_seat_is_drawn_from_the_published_seed():
    """Ann first; Bob, Cid and Dee tied for the second seat."""
    rows, weights = election((1, "Ann>Bob=Cid=Dee"))
    seed = "TC election 2026-04"
    result = tally(NAMES, rows, weights=weights, seats=2, tie_seed=seed)
    expected = sorted(["Bob", "Cid", "Dee"], key=lambda name: sha(f"{seed}:{name}"))
    assert result.winners == ["Ann", expected[0]]
    [tie] = result.tie_breaks
    assert tie.seed == seed
    assert tie.place == 2
    assert tie.candidates == ["Bob", "Cid", "Dee"]
    assert tie.seats_available == 1
    assert [entry.candidate for entry in tie.draw] == expected
    assert [entry.sha256 for entry in tie.draw] == [sha(f"{seed}:{name}") for name in expected]
    assert tie.seated == [expected[0]]
    assert tie.rule == DRAW_RULE
    assert not result.unresolved_tie


def test_a_single_seat_tie_is_drawn_too():
    rows, weights = election((1, "Ann=Bob>Cid>Dee"))
    result = tally(NAMES, rows, weights=weights, tie_seed="s")
    assert result.winners == [min(["Ann", "Bob"], key=lambda name: sha(f"s:{name}"))]
    assert result.tie_breaks[0].seats_available == 1


def test_without_a_seed_the_tie_is_reported_and_only_certain_winners_are_listed():
    rows, weights = election((1, "Ann>Bob=Cid=Dee"))
    result = tally(NAMES, rows, weights=weights, seats=3)
    assert result.winners == ["Ann"]
    assert result.unresolved_tie
    [tie] = result.unresolved_ties
    assert tie.place == 2
    assert tie.candidates == ["Bob", "Cid", "Dee"]
    assert tie.seats_available == 2
    assert tie.seats_at_stake == 2
    assert tie.certain == []
    assert "no tie seed" in tie.reason
    assert result.tie_breaks == []


def test_the_draw_is_the_documented_sha256_order():
    entries = draw_order("x", ["b", "a", "c"])
    assert [entry.sha256 for entry in entries] == sorted(sha(f"x:{name}") for name in "abc")


def test_more_seats_than_candidates_seats_everyone():
    rows, weights = election((1, "Ann>Bob"))
    result = tally(NAMES, rows, weights=weights, seats=9)
    assert result.winners == ["Ann", "Bob", "Cid", "Dee"]
    assert not result.unresolved_tie


def test_affiliation_limit_skips_to_the_next_eligible_candidate():
    rows, weights = election((1, "Ann>Bob>Cid>Dee"))
    result = tally(
        NAMES,
        rows,
        weights=weights,
        seats=2,
        affiliations={"Ann": "Acme", "Bob": "Acme", "Cid": "Initech"},
        max_per_affiliation=1,
    )
    assert result.winners == ["Ann", "Cid"]
    [adjustment] = result.affiliation_adjustments
    assert adjustment.candidate == "Bob"
    assert adjustment.affiliation == "Acme"
    assert adjustment.place == 2
    assert "Acme" in adjustment.reason and "limit" in adjustment.reason
    assert result.max_per_affiliation == 1
    assert result.affiliations == {"Ann": "Acme", "Bob": "Acme", "Cid": "Initech"}


def test_openstack_tc_rule_at_most_half_the_seats_from_one_employer():
    """Four seats, limit two per employer: the third Acme candidate gives way."""
    names = ["a1", "a2", "a3", "b1", "c1"]
    rows, weights = ballots_from_orders(names, [(10, "a1>a2>a3>b1>c1")])
    result = tally(
        names,
        rows,
        weights=weights,
        seats=4,
        affiliations={"a1": "Acme", "a2": "Acme", "a3": "Acme", "b1": "Beta"},
        max_per_affiliation=2,
    )
    assert result.winners == ["a1", "a2", "b1", "c1"]
    assert [a.candidate for a in result.affiliation_adjustments] == ["a3"]


def test_candidates_without_affiliation_are_never_limited():
    rows, weights = election((1, "Ann>Bob>Cid>Dee"))
    result = tally(
        NAMES,
        rows,
        weights=weights,
        seats=3,
        affiliations={"Ann": "Acme", "Bob": None, "Cid": ""},
        max_per_affiliation=1,
    )
    assert result.winners == ["Ann", "Bob", "Cid"]
    assert result.affiliation_adjustments == []


def test_tied_colleagues_competing_for_their_affiliations_last_seat_are_drawn():
    """Bob and Cid (both Acme) tie; Acme may hold one seat, so the draw picks one."""
    rows, weights = election((1, "Bob=Cid>Ann>Dee"))
    affiliations = {"Bob": "Acme", "Cid": "Acme"}
    seeded = tally(
        NAMES,
        rows,
        weights=weights,
        seats=2,
        tie_seed="seed",
        affiliations=affiliations,
        max_per_affiliation=1,
    )
    first = min(["Bob", "Cid"], key=lambda name: sha(f"seed:{name}"))
    second = ({"Bob", "Cid"} - {first}).pop()
    assert seeded.winners == [first, "Ann"]
    assert seeded.tie_breaks[0].seated == [first]
    assert [a.candidate for a in seeded.affiliation_adjustments] == [second]
    unseeded = tally(
        NAMES, rows, weights=weights, seats=2, affiliations=affiliations, max_per_affiliation=1
    )
    # Who of Bob and Cid sits is open, but Ann's seat is certain either way.
    assert unseeded.winners == ["Ann"]
    [tie] = unseeded.unresolved_ties
    assert tie.candidates == ["Bob", "Cid"]
    assert tie.seats_at_stake == 1


def test_without_a_seed_members_seated_in_every_order_are_listed():
    """Three seats left for Ann(Acme), Bob(Acme), Cid: Acme may take one; Cid is certain."""
    rows, weights = election((1, "Ann=Bob=Cid>Dee"))
    result = tally(
        NAMES,
        rows,
        weights=weights,
        seats=3,
        affiliations={"Ann": "Acme", "Bob": "Acme"},
        max_per_affiliation=1,
    )
    assert result.winners == ["Cid", "Dee"]
    assert result.unresolved_ties[0].certain == ["Cid"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"seats": 0}, "seats must be"),
        ({"method": "borda"}, "method must be one of"),
        ({"tie_seed": ""}, "tie_seed must be"),
        ({"max_per_affiliation": 0}, "max_per_affiliation must be"),
        ({"affiliations": {"Zed": "Acme"}, "max_per_affiliation": 1}, "unknown candidates: Zed"),
    ],
)
def test_bad_options_are_refused_with_a_clear_message(options, message):
    with pytest.raises(ValueError, match=message):
        tally(NAMES, [[1, 2, 3, 4]], **options)


@pytest.mark.parametrize(
    ("candidates", "message"),
    [
        ([], "at least one candidate"),
        (["A", "A"], "repeated: A"),
        (["A", ""], "non-empty strings"),
    ],
)
def test_bad_candidate_lists_are_refused(candidates, message):
    with pytest.raises(ValueError, match=message):
        tally(candidates, [])
