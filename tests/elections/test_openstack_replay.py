"""Importing every past OpenStack cycle's configuration.yaml, and replaying 2026.1 from its own
candidacy files: the settlement equals what OpenStack published."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command

from accounts.models import Team
from audit.models import AuditEntry
from elections import actions
from elections.models import CandidacyState, ContestKind, ContestState, Election, Phase
from elections.openstack import ConfigurationError, parse_configuration
from elections.openstack.candidates import (
    CandidatesError,
    candidate_url,
    parse_exceptions,
    parse_members,
    read_candidates,
)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[2] / "data/openstack"
ELECTION = DATA / "election"
CONFIGURATIONS = sorted((ELECTION / "configurations").glob("*.yaml"))
CANDIDATES_2026_1 = ELECTION / "candidates/2026.1"
RESULTS_2026_1 = ELECTION / "results/2026.1"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures/openstack/candidates"
# The cycles replayed from their real candidacy files: where the files are, and the files of
# record that copy lacks (see tests/fixtures/openstack/README.md).
REPLAYED = {
    "2026.1": (CANDIDATES_2026_1, frozenset()),
    "2024.1": (FIXTURES / "2024.1", frozenset({"TC/noonedeadpunk@gmail.com"})),
}


def _replay_2026_1(*extra: str) -> Election:
    call_command(
        "import_election",
        str(ELECTION / "configurations/2026.1-combined.yaml"),
        "--candidates",
        str(CANDIDATES_2026_1),
        "--exceptions",
        str(ELECTION / "exceptions.txt"),
        "--members",
        str(DATA / "members.yaml"),
        *extra,
        stdout=open("/dev/null", "w"),  # noqa: SIM115
    )
    return Election.objects.get(slug="2026-1-combined")


# --- The configuration files ---------------------------------------------------------------


def test_fifteen_past_configurations_are_in_the_data() -> None:
    assert len(CONFIGURATIONS) == 15


@pytest.mark.parametrize("path", CONFIGURATIONS, ids=lambda path: path.stem)
def test_every_past_configuration_imports_with_its_calendar_as_run(path: Path) -> None:
    calendar = parse_configuration(path.read_text())
    call_command("import_election", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    election = Election.objects.get()
    # The file's own dates, unchanged, even where a phase was shorter than stackvote's minimum.
    assert election.nominations_opens_at == calendar.nominations_opens_at
    assert election.polling_closes_at == calendar.polling_closes_at
    assert election.calendar_of_record
    assert election.release == calendar.release
    assert election.release_tag and election.window_name
    kinds = {contest.kind for contest in election.contests.all()}
    assert (ContestKind.TC in kinds) == calendar.has_tc


def test_a_one_digit_day_reads_as_openstack_reads_it() -> None:
    calendar = parse_configuration((ELECTION / "configurations/xena-combined.yaml").read_text())
    # "PTL Nominations end: 2021-03-9T23:45" is the same moment as the TC's 2021-03-09T23:45.
    assert calendar.nominations_closes_at == datetime.datetime(
        2021, 3, 9, 23, 45, tzinfo=datetime.UTC
    )


def test_event_names_of_past_cycles_are_recognised() -> None:
    rocky = parse_configuration((ELECTION / "configurations/rocky-tc.yaml").read_text())
    assert rocky.election_type == "tc" and rocky.tc_seats == 7
    assert rocky.nominations_opens_at == datetime.datetime(2018, 4, 10, 23, 59, tzinfo=datetime.UTC)
    # Campaigning ended a day before the poll opened: the gap is campaigning all the same.
    assert rocky.polling_opens_at == datetime.datetime(2018, 4, 23, 23, 59, tzinfo=datetime.UTC)
    ussuri = parse_configuration((ELECTION / "configurations/ussuri-combined.yaml").read_text())
    assert ussuri.polling_closes_at - ussuri.polling_opens_at == datetime.timedelta(minutes=1)
    combined = parse_configuration(
        "release: r\nelection_type: combined\ntc_seats: 2\ntimeframe: {start: 2020-01-01T00:00,"
        " end: 2020-06-01T00:00}\ntimeline:\n"
        "  - {name: TC & PTL Nominations, start: 2020-06-01T00:00, end: 2020-06-08T00:00}\n"
        "  - {name: TC Vacancy Election, start: 2020-06-10T00:00, end: 2020-06-12T00:00}\n"
        "  - {name: PTL Elections, start: 2020-06-10T00:00, end: 2020-06-12T00:00}\n"
    )
    assert combined.nominations_closes_at.day == 8 and combined.polling_closes_at.day == 12


def test_tag_and_timeframe_name_are_kept() -> None:
    zed = parse_configuration((ELECTION / "configurations/zed-combined.yaml").read_text())
    assert (zed.tag, zed.window_name) == ("0.12.0", "Xena-Yoga")


def test_a_date_no_reader_accepts_is_refused_naming_the_field() -> None:
    text = (ELECTION / "configurations/zed-combined.yaml").read_text()
    with pytest.raises(ConfigurationError, match="PTL Election end: '2022-02-3x'"):
        parse_configuration(text.replace("end: 2022-02-24T23:45", "end: 2022-02-3x", 1))


def test_the_minimum_phase_length_still_holds_for_elections_planned_here(official: Any) -> None:
    zed = parse_configuration((ELECTION / "configurations/zed-combined.yaml").read_text())
    with pytest.raises(actions.ElectionError, match="Polling must stay open at least 14"):
        actions.election_create(
            actor=official,
            name="Planned",
            slug="planned",
            nominations_opens_at=zed.nominations_opens_at + datetime.timedelta(days=3650),
            nominations_closes_at=zed.nominations_opens_at + datetime.timedelta(days=3664),
            polling_opens_at=zed.nominations_opens_at + datetime.timedelta(days=3671),
            polling_closes_at=zed.nominations_opens_at + datetime.timedelta(days=3673),
            window_start=zed.window_start,
            window_end=zed.window_end,
        )


def test_a_tc_contest_is_imported_with_the_charters_affiliation_limit() -> None:
    call_command(
        "import_election",
        str(ELECTION / "configurations/rocky-tc.yaml"),
        stdout=open("/dev/null", "w"),  # noqa: SIM115
    )
    contest = Election.objects.get().contests.get(kind=ContestKind.TC)
    # No more than half of the nine-member TC from one employer.
    assert (contest.seats, contest.max_per_affiliation) == (7, 4)


# --- The candidacies of record -------------------------------------------------------------


def test_candidate_files_are_read_by_team_with_leaderless_teams_empty() -> None:
    record = read_candidates(CANDIDATES_2026_1)
    assert record.release == "2026.1"
    assert record.teams["Monasca"] == ()
    horizon = record.teams["Horizon"]
    assert [c.address for c in horizon] == ["lazekteam@gmail.com", "t.v.ovtchinnikova@gmail.com"]
    assert (
        horizon[1].platform
        == (CANDIDATES_2026_1 / "Horizon/t.v.ovtchinnikova@gmail.com").read_text()
    )
    assert candidate_url(record.record_path(horizon[1])) == (
        "https://opendev.org/openstack/election/raw/branch/master/candidates/2026.1/Horizon/"
        "t.v.ovtchinnikova%40gmail.com"
    )


def test_a_candidate_file_not_named_by_an_address_is_refused_naming_it(tmp_path: Path) -> None:
    (tmp_path / "Nova").mkdir()
    (tmp_path / "Nova" / "someone.txt").write_text("My platform")
    with pytest.raises(CandidatesError, match=r"Nova/someone.txt: a candidacy file is named"):
        read_candidates(tmp_path)


def test_exceptions_give_names_by_file_or_address_and_name_a_bad_line() -> None:
    names = parse_exceptions((ELECTION / "exceptions.txt").read_text())
    assert names["rocky/Zaqar/wanghao.txt"] == "Wang Hao"
    assert parse_exceptions("# c\nsomeone@example.org  Some  One\n") == {
        "someone@example.org": "Some One"
    }
    with pytest.raises(CandidatesError, match="exceptions.txt, line 2"):
        parse_exceptions("# fine\nno name here\n")


def test_members_yaml_lists_the_sitting_tc() -> None:
    members = parse_members((DATA / "members.yaml").read_text())
    frickler = next(m for m in members if m.irc == "frickler")
    assert frickler.email == "frickler@offenerstapel.de"
    assert frickler.since == datetime.date(2025, 9, 1)


# --- The replay of 2026.1 ------------------------------------------------------------------


def _published(kind: str, release: str = "2026.1") -> dict[str, Any]:
    return yaml.safe_load((ELECTION / "results" / release / f"{kind}.yaml").read_text())


def _replay(release: str) -> Election:
    directory, _ = REPLAYED[release]
    call_command(
        "import_election",
        str(ELECTION / f"configurations/{release}-combined.yaml"),
        "--candidates",
        str(directory),
        "--exceptions",
        str(ELECTION / "exceptions.txt"),
        "--members",
        str(DATA / "members.yaml"),
        stdout=open("/dev/null", "w"),  # noqa: SIM115
    )
    return Election.objects.get(release=release)


def _polls(results: dict[str, Any]) -> set[str]:
    """The contests a published file says were polled: those linked to a poll's result, not
    an acclaimed TC's "no poll required"."""
    return {
        name for name, link in results.get("elections_results", {}).items() if "://" in str(link)
    }


@pytest.mark.parametrize("release", sorted(REPLAYED))
def test_replaying_a_cycle_settles_every_contest_as_openstack_published(release: str) -> None:
    election = _replay(release)
    ptl, tc = _published("ptl", release), _published("tc", release)
    assert election.phase == Phase.CLOSED  # its poll closed long ago
    contests = {
        c.team.name.replace(" ", "_") if c.team else "TC": c for c in election.contests.all()
    }
    leaderless = {
        name for name, c in contests.items() if c.state == ContestState.APPOINTMENT_NEEDED
    }
    assert leaderless == set(ptl["leaderless"])
    polled = {name for name, c in contests.items() if c.state == ContestState.POLLING}
    assert polled == _polls(ptl) | _polls(tc)
    acclaimed = {name for name, c in contests.items() if c.state == ContestState.ACCLAIMED}
    assert acclaimed == set(ptl["projects"]) - _polls(ptl)
    for team in acclaimed:
        (candidacy,) = contests[team].candidacies.all()
        assert candidacy.elected_by_acclamation
        assert candidacy.candidate.email == ptl["candidates"][team][0]["email"]


@pytest.mark.parametrize("release", sorted(REPLAYED))
def test_every_candidate_of_record_stands_where_the_results_say(release: str) -> None:
    election = _replay(release)
    _, missing = REPLAYED[release]
    standing = {
        (c.team.name.replace(" ", "_") if c.team else "TC", candidacy.candidate.email)
        for c in election.contests.all()
        for candidacy in c.candidacies.select_related("candidate")
    }
    published = {
        (team, person["email"].lower())
        for kind in ("ptl", "tc")
        for team, people in _published(kind, release)["candidates"].items()
        for person in people
        if f"{team}/{person['email']}" not in missing
    }
    assert standing == published


def test_each_file_of_record_is_an_approved_candidacy_with_its_platform() -> None:
    election = _replay_2026_1()
    tc = election.contests.get(kind=ContestKind.TC)
    candidacies = {c.candidate.email: c for c in tc.candidacies.select_related("candidate")}
    assert set(candidacies) == {c["email"] for c in _published("tc")["candidates"]["TC"]}
    frickler = candidacies["frickler@offenerstapel.de"]
    assert frickler.state == CandidacyState.APPROVED
    assert frickler.platform == (CANDIDATES_2026_1 / "TC/frickler@offenerstapel.de").read_text()
    assert frickler.record_path == "2026.1/TC/frickler@offenerstapel.de"
    # members.yaml gives the name and IRC nick of a sitting TC member.
    assert (frickler.candidate.full_name, frickler.ircname) == ("Jens Harbott", "frickler")
    # One person standing for three PTLs is one account.
    assert election.contests.filter(candidacies__candidate=frickler.candidate).count() == 1
    kajinami = [
        c.team.name
        for c in election.contests.filter(candidacies__candidate__email="kajinamit@oss.nttdata.com")
    ]
    assert sorted(kajinami) == ["Heat", "Puppet OpenStack", "Storlets"]


def test_a_replay_mails_nobody_and_counts_nothing() -> None:
    from elections.models import Notification

    election = _replay_2026_1()
    assert not Notification.objects.exists()
    assert not election.contests.filter(state=ContestState.CLOSED).exists()
    moves = AuditEntry.objects.filter(action="election.phase_move")
    assert [entry.detail["to"] for entry in moves] == [Phase.CLOSED]


def test_the_replay_uses_the_governance_teams_by_their_names() -> None:
    call_command("import_governance", str(DATA / "projects.yaml"), stdout=open("/dev/null", "w"))  # noqa: SIM115
    puppet = Team.objects.get(name="Puppet OpenStack")
    election = _replay_2026_1()
    assert election.contests.get(team=puppet).state == ContestState.ACCLAIMED
    # Teams the governance files no longer hold are kept as teams of record, unlisted.
    venus = Team.objects.get(name="Venus")
    assert not venus.listed
    assert election.contests.get(team=venus).state == ContestState.APPOINTMENT_NEEDED


def test_a_bad_candidacy_file_leaves_nothing_behind(tmp_path: Path) -> None:
    copy = tmp_path / "2026.1"
    shutil.copytree(CANDIDATES_2026_1, copy)
    (copy / "Nova" / "not-an-address").write_text("x")
    with pytest.raises(CommandError, match="Nova/not-an-address"):
        call_command(
            "import_election",
            str(ELECTION / "configurations/2026.1-combined.yaml"),
            "--candidates",
            str(copy),
        )
    assert not Election.objects.exists()
    assert not Team.objects.exists()


def test_the_candidacies_of_another_release_are_refused() -> None:
    with pytest.raises(CommandError, match="candidacies of 2026.1, not of the rocky TC election"):
        call_command(
            "import_election",
            str(ELECTION / "configurations/rocky-tc.yaml"),
            "--candidates",
            str(CANDIDATES_2026_1),
        )
    assert not Election.objects.exists()


def test_sitting_members_not_up_count_against_the_tc_diversity_limit(tmp_path: Path) -> None:
    """members.yaml as of 2026-08: those seated in February 2026 keep their seats through the
    2027.1 election (nominations open 2026-08-05); those seated in September 2025 are up."""
    sitting = parse_members((DATA / "members.yaml").read_text())
    from elections.openstack.candidates import members_not_up

    staying = members_not_up(sitting, datetime.date(2026, 8, 5))
    assert {m.irc for m in staying} >= {"spotz", "gouthamr", "noonedeadpunk"}
    assert "frickler" not in {m.irc for m in staying}
    rows = ["member_id,addresses,affiliation"]
    rows += [f"{n},{m.email},Red Hat" for n, m in enumerate(staying[:3], start=1)]
    listing = tmp_path / "members.csv"
    listing.write_text("\n".join(rows) + "\n")
    call_command("import_members", str(listing), stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command(
        "import_election",
        str(DATA / "configuration.yaml"),
        "--members",
        str(DATA / "members.yaml"),
        stdout=open("/dev/null", "w"),  # noqa: SIM115
    )
    tc = Election.objects.get().contests.get(kind=ContestKind.TC)
    assert tc.max_per_affiliation == 4
    assert tc.seated_affiliations == {"Red Hat": 3}
