"""The TC diversity rule over the whole committee: seats held by sitting members whose seats
are not up count against the limit per affiliation, and the result says who was passed
over and why."""

from __future__ import annotations

import pytest

from elections.condorcet import tally

CANDIDATES = ["Ann", "Bob", "Cid", "Dee"]
# Everyone ranks Ann > Bob > Cid > Dee.
BALLOTS = [[1, 2, 3, 4]] * 5
AFFILIATIONS = {"Ann": "Red Hat", "Bob": "Red Hat", "Cid": "Canonical", "Dee": "NVIDIA"}


def test_sitting_members_count_against_the_limit_and_the_skip_says_so() -> None:
    result = tally(
        CANDIDATES,
        BALLOTS,
        seats=2,
        affiliations=AFFILIATIONS,
        max_per_affiliation=4,
        seats_held={"Red Hat": 3},
    )
    # Red Hat holds 3 of its 4 seats already: Ann takes the 4th, Bob is passed over.
    assert result.winners == ["Ann", "Cid"]
    (adjustment,) = result.affiliation_adjustments
    assert adjustment.candidate == "Bob"
    assert "3 by sitting members whose seats are not up" in adjustment.reason
    assert result.seats_held == {"Red Hat": 3}


def test_without_sitting_members_the_limit_binds_only_inside_the_contest() -> None:
    result = tally(CANDIDATES, BALLOTS, seats=2, affiliations=AFFILIATIONS, max_per_affiliation=4)
    assert result.winners == ["Ann", "Bob"]
    assert result.seats_held is None


def test_an_affiliation_already_at_its_limit_wins_no_seat() -> None:
    result = tally(
        CANDIDATES,
        BALLOTS,
        seats=2,
        affiliations=AFFILIATIONS,
        max_per_affiliation=4,
        seats_held={"Red Hat": 4},
    )
    assert result.winners == ["Cid", "Dee"]
    assert [a.candidate for a in result.affiliation_adjustments] == ["Ann", "Bob"]


def test_a_negative_holding_is_refused() -> None:
    with pytest.raises(ValueError, match="seats_held for 'Red Hat' is negative"):
        tally(
            CANDIDATES,
            BALLOTS,
            affiliations=AFFILIATIONS,
            max_per_affiliation=1,
            seats_held={"Red Hat": -1},
        )
