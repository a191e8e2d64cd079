"""The governance patch of ``export_results``: the 2026.1 replay's PTLs and TC written into
copies of openstack/governance's real projects.yaml and members.yaml by ``git apply`` and
``patch -p1``, changing nothing else."""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command

from elections.actions import contest_record_appointment
from elections.models import Election
from elections.openstack.governance import (
    Leader,
    PtlOutcome,
    patch_members,
    patch_projects,
    team_directory_key,
)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[3] / "data/openstack"
ELECTION = DATA / "election"
RESULTS = ELECTION / "results"
PROJECTS = (DATA / "projects.yaml").read_text()
MEMBERS = (DATA / "members.yaml").read_text()


def _replay_2026_1(*, archive: bool = True) -> Election:
    quiet = {"stdout": io.StringIO()}
    call_command(
        "import_election",
        str(ELECTION / "configurations/2026.1-combined.yaml"),
        "--candidates",
        str(ELECTION / "candidates/2026.1"),
        "--exceptions",
        str(ELECTION / "exceptions.txt"),
        **quiet,
    )
    if archive:  # who won the two polls held elsewhere
        call_command("import_results", str(RESULTS / "2026.1"), **quiet)
    return Election.objects.get(slug="2026-1-combined")


def _checkout(root: Path, members: str = MEMBERS) -> Path:
    """A copy of the governance files where a checkout has them."""
    (root / "reference").mkdir(parents=True)
    shutil.copy(DATA / "projects.yaml", root / "reference/projects.yaml")
    (root / "reference/members.yaml").write_text(members)
    return root


def _export(governance: Path, out: Path) -> str:
    stdout = io.StringIO()
    call_command(
        "export_results", "2026-1-combined", "--out", str(out), "--governance", str(governance),
        stdout=stdout,
    )  # fmt: skip
    return stdout.getvalue()


def _apply(tool: str, checkout: Path, patch: Path) -> None:
    command = ["git", "apply", str(patch)] if tool == "git" else ["patch", "-p1", "-i", str(patch)]
    subprocess.run(command, cwd=checkout, check=True, capture_output=True)  # noqa: S603


def _winners(kind: str) -> dict[str, dict[str, Any]]:
    published = yaml.safe_load((RESULTS / "2026.1" / f"{kind}.yaml").read_text())
    return {
        team: next(c for c in candidates if c["elected"] is True)
        for team, candidates in published["candidates"].items()
        if any(c["elected"] is True for c in candidates)
    }


def _by_directory(projects: dict[str, Any]) -> dict[str, str]:
    return {team_directory_key(name): name for name in projects}


@pytest.mark.parametrize("tool", ["git", "patch"])
def test_the_patch_sets_every_2026_1_ptl_and_changes_nothing_else(
    tmp_path: Path, tool: str
) -> None:
    _replay_2026_1()
    checkout = _checkout(tmp_path / "governance")
    output = _export(checkout, tmp_path / "out")
    _apply(tool, checkout, tmp_path / "out/governance.patch")
    before = yaml.safe_load(PROJECTS)
    after = yaml.safe_load((checkout / "reference/projects.yaml").read_text())
    names = _by_directory(before)
    winners = _winners("ptl")
    assert len(winners) == 34  # 33 acclaimed, Horizon polled
    for directory, winner in winners.items():
        name = names[team_directory_key(directory)]
        ptl = after[name]["ptl"]
        assert ptl["email"].casefold() == winner["email"].casefold(), name
        if before[name]["ptl"]["email"].casefold() != winner["email"].casefold():
            assert (ptl["name"], ptl["irc"]) == (winner["fullname"], winner["ircname"] or None)
            assert "appointed" not in ptl  # elected, not appointed
        else:  # re-elected: the block as it was, its appointed history kept
            assert ptl == before[name]["ptl"]
        after[name]["ptl"] = before[name]["ptl"]
    assert after == before  # nothing else changed: teams, order of keys, other fields
    # Leaderless: vitrage already says so, OpenStack Charms' appointment for 2026.1 is
    # already in the file; Monasca and Venus have retired since.
    assert "Vitrage: leaderless, the TC appoints its PTL." in output
    assert "OpenStack_Charms: leaderless, appointed for 2026.1 already." in output
    assert "Monasca: not a team of" in output
    # Only PTL lines changed, comments and quoting as they were.
    patch = (tmp_path / "out/governance.patch").read_text()
    changed = [
        line[1:].strip()
        for line in patch.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changed
    assert all(line.startswith(("name:", "irc:", "email:", "appointed:", "- ")) for line in changed)
    # The TC of 2026.1 already sits in today's members.yaml: it is not touched.
    assert "members.yaml" not in patch


def _members_before_2026_1() -> str:
    """members.yaml as it stood before 2026.1: the seats up were filled in September 2024
    (2025.1: Doug Goldstein, Jens Harbott, Ghanshyam Mann, Sylvain Bauza)."""
    text = MEMBERS.replace("date: September 2025", "date: September 2024")
    tony = (
        "- name: Tony Breeds\n  irc: tonyb\n  email: tony@bakeyournoodle.com\n  memberid: 24399\n"
    )
    gmann = (
        "- name: Ghanshyam Mann\n  irc: gmann\n  email: gmann@ghanshyammann.com\n  memberid: 8556\n"
    )
    assert tony in text
    return text.replace(tony, gmann)


def test_the_tc_elected_replace_the_member_who_left_and_the_re_elected_get_the_date(
    tmp_path: Path,
) -> None:
    """Applied to members.yaml as it stood before 2026.1, the patch gives today's file: Tony
    Breeds takes the seat Ghanshyam Mann leaves, the re-elected are dated September 2025,
    the members elected in February 2025 stay (their member id is not known to stackvote)."""
    _replay_2026_1()
    checkout = _checkout(tmp_path / "governance", members=_members_before_2026_1())
    _export(checkout, tmp_path / "out")
    _apply("git", checkout, tmp_path / "out/governance.patch")
    after = yaml.safe_load((checkout / "reference/members.yaml").read_text())
    expected = yaml.safe_load(MEMBERS)
    for member in expected:
        if member["irc"] == "tonyb":
            member["memberid"] = None
    assert after == expected
    text = (checkout / "reference/members.yaml").read_text()
    assert text == MEMBERS.replace("memberid: 24399", "memberid: null")


def test_a_member_id_comes_from_the_membership_list(tmp_path: Path) -> None:
    _replay_2026_1()
    members = tmp_path / "members.csv"
    members.write_text(
        "member_id,name,addresses,affiliation,since\n24399,Tony Breeds,tony@bakeyournoodle.com,,\n"
    )
    call_command("import_members", str(members), stdout=io.StringIO())
    checkout = _checkout(tmp_path / "governance", members=_members_before_2026_1())
    _export(checkout, tmp_path / "out")
    _apply("git", checkout, tmp_path / "out/governance.patch")
    assert (checkout / "reference/members.yaml").read_text() == MEMBERS


def test_a_poll_whose_result_is_not_known_leaves_its_team_alone(tmp_path: Path) -> None:
    _replay_2026_1(archive=False)
    checkout = _checkout(tmp_path / "governance")
    output = _export(checkout, tmp_path / "out")
    assert "Horizon: the poll's result is not known yet; unchanged." in output
    assert "TC: the poll's result is not known yet; members.yaml unchanged." in output
    _apply("git", checkout, tmp_path / "out/governance.patch")
    after = yaml.safe_load((checkout / "reference/projects.yaml").read_text())
    assert after["horizon"]["ptl"] == yaml.safe_load(PROJECTS)["horizon"]["ptl"]


def test_an_appointed_ptl_is_listed_with_the_release_they_were_appointed_for(
    tmp_path: Path, official: Any, make_user: Any
) -> None:
    election = _replay_2026_1()
    appointee = make_user("ptl@example.org", full_name="Ann O'Neil")
    contest = election.contests.get(team__name__iexact="Vitrage")
    contest_record_appointment(
        contest=contest,
        actor=official,
        appointee=appointee,
        appointed_by="the Technical Committee",
        appointed_on=datetime.date(2025, 10, 1),
    )
    checkout = _checkout(tmp_path / "governance")
    _export(checkout, tmp_path / "out")
    _apply("git", checkout, tmp_path / "out/governance.patch")
    after = yaml.safe_load((checkout / "reference/projects.yaml").read_text())
    assert after["vitrage"]["ptl"] == {
        "name": "Ann O'Neil",
        "irc": None,
        "email": "ptl@example.org",
        "appointed": ["2026.1"],
    }


def test_the_same_person_appointed_again_gets_the_release_added_to_their_list() -> None:
    """adjutant's Callum Dickinson, appointed in five cycles, appointed once more."""
    leader = Leader("Callum Dickinson", "Callum027", "callum.dickinson@catalystcloud.nz")
    text, notes = patch_projects(
        PROJECTS, [PtlOutcome("Adjutant", leader, appointed=True)], release="2027.1"
    )
    assert notes == []
    assert yaml.safe_load(text)["adjutant"]["ptl"]["appointed"][-2:] == ["2026.2", "2027.1"]
    assert text.replace("      - '2027.1'\n", "", 1) == PROJECTS


def test_a_leaderless_team_is_marked_appointment_needed_as_openstack_writes_it() -> None:
    text, notes = patch_projects(
        PROJECTS, [PtlOutcome("Adjutant", None, leaderless=True)], release="2027.1"
    )
    assert notes == ["Adjutant: leaderless, the TC appoints its PTL."]
    assert yaml.safe_load(text)["adjutant"]["ptl"] == {
        "name": "APPOINTMENT NEEDED",
        "irc": None,
        "email": "example@example.org",
    }
    assert len(text.splitlines()) == len(PROJECTS.splitlines()) - 6  # its appointed list went


def test_a_seat_up_with_nobody_elected_to_it_is_removed_with_its_blank_line() -> None:
    text, _ = patch_members(
        _members_before_2026_1(),
        [],
        opens=datetime.date(2025, 8, 6),
        seated=datetime.date(2025, 9, 17),
    )
    left = yaml.safe_load(text)
    assert len(left) == 5
    assert all(member["date"] == "February 2026" for member in left)
    assert "\n\n\n" not in text and not text.startswith("\n")


def test_a_name_with_quotes_and_line_breaks_stays_one_value_of_its_block() -> None:
    """Whatever a record's name holds, the block keeps its three keys and nothing else."""
    leader = Leader("Ann 'Nan'\n    email: 'evil@example.org'", "nick: x", "ann@example.org")
    text, _ = patch_projects(PROJECTS, [PtlOutcome("Adjutant", leader)], release="2027.1")
    assert yaml.safe_load(text)["adjutant"]["ptl"] == {
        "name": "Ann 'Nan' email: 'evil@example.org'",
        "irc": "nick: x",
        "email": "ann@example.org",
    }
    members, _ = patch_members(
        MEMBERS,
        [Leader("Eve: #1\nrole: chair", "eve", "eve@example.org")],
        opens=datetime.date(2027, 8, 1),
        seated=datetime.date(2027, 9, 1),
    )
    eve = next(m for m in yaml.safe_load(members) if m["email"] == "eve@example.org")
    assert (eve["name"], eve["role"]) == ("Eve: #1 role: chair", None)


def test_governance_files_that_are_not_there_are_an_error_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    _replay_2026_1(archive=False)
    out = tmp_path / "out"
    with pytest.raises(CommandError, match=r"nowhere: no projects.yaml \(nor reference/"):
        call_command(
            "export_results", "2026-1-combined", "--out", str(out),
            "--governance", str(tmp_path / "nowhere"), stdout=io.StringIO(),
        )  # fmt: skip
    assert not out.exists()
