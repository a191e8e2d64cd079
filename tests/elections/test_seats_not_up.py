"""TC diversity: whose seats are not up. OpenStack TC charter: terms are two cycles long and
half of the TC is elected each cycle, so the members elected at the previous TC election keep
their seats. With the published results archive loaded, that is read from it; without it,
it is estimated from the seats' age in members.yaml; the result says which."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from elections.models import ContestKind, Election, Phase
from elections.openstack.candidates import (
    PreviousTcElection,
    parse_members,
    seats_not_up,
)
from elections.openstack.results import parse_results
from elections.results.scenarios import scenario_build
from elections.results.selectors import published_result

DATA = Path(__file__).resolve().parents[2] / "data" / "openstack"
ELECTION = DATA / "election"
QUIET = {"stdout": open("/dev/null", "w")}  # noqa: SIM115
pytestmark = pytest.mark.django_db
# 2026.2's nominations opened on 2026-02-04; the previous TC election is 2026.1's.
OPENS_2026_2 = datetime.date(2026, 2, 4)
ELECTED_2026_1 = {"Jens Harbott", "Doug Goldstein", "Sylvain Bauza", "Tony Breeds"}


def _previous_2026_1() -> PreviousTcElection:
    record = parse_results(
        (ELECTION / "results/2026.1/tc.yaml").read_text(), source="tc.yaml", kind="tc"
    )
    winners = [c for contest in record.contests for c in contest.candidates if c.won]
    return PreviousTcElection(
        release="2026.1",
        held_on=datetime.date(2025, 9, 17),
        elected=frozenset(c.email for c in winners),
        names=frozenset(c.fullname.casefold() for c in winners),
    )


def test_the_previous_elections_winners_keep_their_seats_not_the_newest_seated() -> None:
    """members.yaml today dates five seats February 2026: the 2026.2 election's. For that
    election itself they were up; only 2026.1's winners were not, which the age estimate
    (both dates under 300 days) cannot tell apart and the archive can."""
    sitting = parse_members((DATA / "members.yaml").read_text())
    decided = seats_not_up(sitting, OPENS_2026_2, _previous_2026_1())
    assert {m.name for m in decided.members} == ELECTED_2026_1
    assert "published results of the 2026.1 TC election" in decided.basis
    assert "Doug Goldstein" in decided.basis
    estimated = seats_not_up(sitting, OPENS_2026_2, None)
    assert len(estimated.members) == 9
    assert estimated.basis.startswith("Estimated from the seat dates of members.yaml")
    assert "no published TC results" in estimated.basis


def test_an_archive_older_than_the_previous_election_falls_back_to_the_estimate() -> None:
    """For 2027.1 (nominations 2026-08-05) the archive's newest TC results, 2026.1's, are
    not the previous election's (2026.2's, not yet published): the seats' age decides."""
    sitting = parse_members((DATA / "members.yaml").read_text())
    decided = seats_not_up(sitting, datetime.date(2026, 8, 5), _previous_2026_1())
    assert {m.irc for m in decided.members} == {
        "spotz",
        "gouthamr",
        "noonedeadpunk",
        "mnasiadka",
        "dansmith",
    }
    assert "older than the previous TC election" in decided.basis


def _members_list(tmp_path: Path) -> None:
    sitting = parse_members((DATA / "members.yaml").read_text())
    red_hat = {"bauzas", "tonyb", "dansmith", "gouthamr"}
    rows = ["member_id,name,addresses,affiliation"]
    for member in sitting:
        employer = "Red Hat" if member.irc in red_hat else f"Other {member.irc}"
        rows.append(f"{member.member_id},{member.name},{member.email},{employer}")
    listing = tmp_path / "members.csv"
    listing.write_text("\n".join(rows) + "\n")
    call_command("import_members", str(listing), **QUIET)


def _import_2026_2() -> Any:
    call_command(
        "import_election",
        str(ELECTION / "configurations/2026.2-combined.yaml"),
        "--members",
        str(DATA / "members.yaml"),
        **QUIET,
    )
    return Election.objects.get(release="2026.2").contests.get(kind=ContestKind.TC)


def test_with_the_archive_loaded_the_import_counts_the_previous_winners(tmp_path: Path) -> None:
    _members_list(tmp_path)
    call_command(
        "import_results",
        str(ELECTION / "results/2026.1"),
        "--configurations",
        str(ELECTION / "configurations"),
        **QUIET,
    )
    tc = _import_2026_2()
    # Sylvain Bauza and Tony Breeds (Red Hat) were elected in 2026.1; Dan Smith and Goutham
    # Pacha Ravi (Red Hat too) hold the seats 2026.2 elected, so theirs were up.
    assert tc.seated_affiliations["Red Hat"] == 2
    assert "published results of the 2026.1 TC election" in tc.seated_basis


def test_without_the_archive_the_import_says_it_estimated(tmp_path: Path) -> None:
    _members_list(tmp_path)
    tc = _import_2026_2()
    assert tc.seated_affiliations["Red Hat"] == 4
    assert tc.seated_basis.startswith("Estimated from the seat dates of members.yaml")


def test_the_result_says_how_the_seats_not_up_were_told_apart(official: Any, client: Any) -> None:
    basis = "From the published results of the 2026.1 TC election: Sylvain Bauza."
    scenario = scenario_build(
        official=official,
        slug="tc-2026",
        phase=Phase.PUBLISHED,
        ballots=((1, 2, 3),) * 3,
        seats=2,
        max_per_affiliation=2,
        affiliations=("ACME", "ACME", "Initech"),
        seated_affiliations={"ACME": 1},
        seated_basis=basis,
    )
    result = published_result(scenario.contest)
    assert [a["candidate"] for a in result.affiliation_adjustments] == ["Bob Baker"]
    page = client.get(result.get_absolute_url()).content.decode()
    assert "Affiliation rule" in page and "ACME 1" in page
    assert f"Whose seats were not up: {basis}" in page
