"""The roll rule on plain values: one voter per person, min contributions, additions, exclusions."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.electorate import (
    Account,
    Addition,
    Tally,
    Window,
    electorate_build,
    join_identities,
    roll_fingerprint,
)

JANE = Account(
    key=1,
    address="jane@example.org",
    name="Jane Doe",
    verified=frozenset({"jane@example.org", "jdoe@work.example"}),
)


def test_window_days_are_utc_midnights_start_inclusive_end_exclusive() -> None:
    window = Window.from_days(date(2025, 9, 12), date(2026, 8, 19))
    assert window.start == datetime(2025, 9, 12, tzinfo=UTC)
    assert datetime(2025, 9, 12, tzinfo=UTC) in window
    assert datetime(2026, 8, 18, 23, 59, 59, tzinfo=UTC) in window
    assert datetime(2026, 8, 19, tzinfo=UTC) not in window


def test_window_rejects_naive_or_empty_ranges() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Window(datetime(2025, 1, 1), datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="not before"):
        Window.from_days(date(2026, 1, 1), date(2026, 1, 1))


def test_a_person_with_several_verified_addresses_is_one_voter() -> None:
    voters = electorate_build(
        tallies=[
            Tally("jane@example.org", "Jane", 1),
            Tally("jdoe@work.example", "J. Doe", 1),
        ],
        accounts={email: JANE for email in JANE.verified},
        min_contributions=2,
    )
    (jane,) = voters
    assert jane.email == "jane@example.org"
    assert jane.contributions == 2
    assert jane.addresses == ("jane@example.org", "jdoe@work.example")


def test_addresses_of_one_gerrit_account_are_one_voter() -> None:
    links = [("gerrit:42", "jane@example.org"), ("gerrit:42", "jane@home.example")]
    voters = electorate_build(
        tallies=[Tally("jane@example.org", "Jane", 1), Tally("jane@home.example", "Jane", 1)],
        accounts=join_identities({}, links),
        min_contributions=2,
    )
    (jane,) = voters
    assert jane.email == "jane@example.org" and jane.contributions == 2
    assert jane.addresses == ("jane@example.org", "jane@home.example")


def test_a_gerrit_identity_joins_an_address_to_the_account_that_verified_another() -> None:
    accounts = {email: JANE for email in JANE.verified}
    joined = join_identities(
        accounts, [("gerrit-user:jdoe", "jdoe@work.example"), ("gerrit-user:jdoe", "j@old.example")]
    )
    voters = electorate_build(
        tallies=[Tally("j@old.example", "J", 1), Tally("jane@example.org", "Jane", 1)],
        accounts=joined,
    )
    (jane,) = voters
    assert jane.email == "jane@example.org"  # the account's address
    assert jane.contributions == 2


def test_two_accounts_of_one_gerrit_identity_are_one_voter() -> None:
    other = Account(
        key=2, address="jd@other.example", name="", verified=frozenset({"jd@other.example"})
    )
    accounts = {**{email: JANE for email in JANE.verified}, "jd@other.example": other}
    joined = join_identities(
        accounts, [("gerrit:7", "jd@other.example"), ("gerrit:7", "jane@example.org")]
    )
    voters = electorate_build(
        tallies=[Tally("jd@other.example", "J", 1), Tally("jane@example.org", "Jane", 1)],
        accounts=joined,
    )
    assert [v.email for v in voters] == ["jane@example.org"]


def test_unlinked_addresses_are_left_as_they_were() -> None:
    accounts = {email: JANE for email in JANE.verified}
    assert join_identities(accounts, []) == accounts
    assert join_identities({}, [("gerrit:1", "solo@example.org")]) == {}


def test_addresses_no_account_verified_stay_separate_voters() -> None:
    voters = electorate_build(
        tallies=[Tally("jane@example.org", "Jane", 1), Tally("jane@home.example", "Jane", 1)],
        accounts={},
    )
    assert [v.email for v in voters] == ["jane@example.org", "jane@home.example"]


def test_min_contributions_is_a_threshold() -> None:
    tallies = [Tally("a@x.org", "A", 3), Tally("b@x.org", "B", 1)]
    assert [v.email for v in electorate_build(tallies=tallies, accounts={})] == [
        "a@x.org",
        "b@x.org",
    ]
    only = electorate_build(tallies=tallies, accounts={}, min_contributions=3)
    assert [v.email for v in only] == ["a@x.org"]
    with pytest.raises(ValueError, match="at least 1"):
        electorate_build(tallies=tallies, accounts={}, min_contributions=0)


def test_additions_need_no_contributions_and_exclusions_win() -> None:
    voters = electorate_build(
        tallies=[Tally("a@x.org", "A", 5), Tally("jdoe@work.example", "J", 1)],
        accounts={email: JANE for email in JANE.verified},
        additions=[Addition("translator@x.org", "T. Translator", "extra-acs of openstack/i18n")],
        excluded={"a@x.org", "jane@example.org"},
    )
    # Jane is excluded through another of her verified addresses.
    assert [(v.email, v.reasons) for v in voters] == [
        ("translator@x.org", ("extra-acs of openstack/i18n",))
    ]
    assert voters[0].name == "T. Translator"


def test_fingerprint_is_sha256_of_sorted_lines() -> None:
    emails = ["b@x.org", "a@x.org"]
    assert roll_fingerprint(emails) == hashlib.sha256(b"a@x.org\nb@x.org\n").hexdigest()
    assert roll_fingerprint([]) == hashlib.sha256(b"").hexdigest()


@given(st.lists(st.from_regex(r"[a-z]{1,6}@[a-z]{1,4}\.org", fullmatch=True), max_size=30))
def test_fingerprint_does_not_depend_on_order_or_repeats(emails: list[str]) -> None:
    assert roll_fingerprint(emails) == roll_fingerprint(reversed(emails + emails))


@given(
    tallies=st.lists(
        st.tuples(st.sampled_from([f"u{i}@x.org" for i in range(12)]), st.integers(0, 4)),
        max_size=40,
    ),
    excluded=st.sets(st.sampled_from([f"u{i}@x.org" for i in range(12)]), max_size=4),
    threshold=st.integers(1, 5),
)
def test_roll_invariants(
    tallies: list[tuple[str, int]], excluded: set[str], threshold: int
) -> None:
    """Sorted, no repeats, no excluded address, and a higher threshold never adds voters."""
    rows = [Tally(e, e, n) for e, n in tallies]
    voters = electorate_build(
        tallies=rows, accounts={}, excluded=excluded, min_contributions=threshold
    )
    emails = [v.email for v in voters]
    assert emails == sorted(set(emails))
    assert not set(emails) & excluded
    stricter = electorate_build(
        tallies=rows, accounts={}, excluded=excluded, min_contributions=threshold + 1
    )
    assert {v.email for v in stricter} <= set(emails)


def test_the_collector_paused_for_a_roll_runs_again_afterwards_even_on_an_error() -> None:
    import gc

    from accounts.electorate import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("a roll that fails")
    assert gc.isenabled()
    # Someone who paused it themselves finds it paused still.
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
