"""Replaying OpenStack cycles as openstack/election's own tooling reads its files: which
directories a PTL or a TC election reads, team directories and governance names, the layout
of older cycles, and the links of the results of 2019 and before."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import yaml
from django.core.management import CommandError, call_command

from elections.models import ContestKind, ContestState, Election
from elections.openstack.candidates import team_directory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[2] / "data/openstack"
ELECTION = DATA / "election"
CANDIDATES_2024_1 = Path(__file__).resolve().parents[1] / "fixtures/openstack/candidates/2024.1"


class _Capture:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def _published(release: str, kind: str) -> dict[str, Any]:
    return yaml.safe_load((ELECTION / "results" / release / f"{kind}.yaml").read_text())


def _tree_of_record(release: str, root: Path) -> Path:
    """candidates/<release>/ as the published results name its files (each platform a line
    naming its author), leaderless teams as directories holding only ``.placeholder``."""
    directory = root / release
    for kind in ("ptl", "tc"):
        published = _published(release, kind)
        for people in published["candidates"].values():
            for person in people:
                path = directory / unquote(person["url"]).split(f"/candidates/{release}/")[1]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(f"Platform of {person['fullname']}\n")
        for team in published.get("leaderless", []):
            (directory / team).mkdir(parents=True, exist_ok=True)
            (directory / team / ".placeholder").write_text("")
    return directory


def _import(config: str, candidates: Path, out: Any = None) -> Election:
    call_command(
        "import_election",
        str(ELECTION / "configurations" / config),
        "--candidates",
        str(candidates),
        stdout=out or _Capture(),
    )
    return Election.objects.get()


def test_a_ptl_election_leaves_the_tc_directory_of_its_release_aside(tmp_path: Path) -> None:
    # Train's PTL and TC elections were held weeks apart from the same candidates/train/.
    tree = _tree_of_record("train", tmp_path)
    assert (tree / "TC").is_dir()
    out = _Capture()
    election = _import("train-ptl.yaml", tree, out)
    assert "Not read (a PTL election reads no TC/): TC" in out.text
    assert not election.contests.filter(kind=ContestKind.TC).exists()
    ptl = _published("train", "ptl")
    polled = {c.team.name.replace(" ", "_") for c in election.contests.filter(state="polling")}
    assert polled == set(ptl["elections_results"])
    leaderless = {
        c.team.name.replace(" ", "_")
        for c in election.contests.filter(state=ContestState.APPOINTMENT_NEEDED)
    }
    assert leaderless == set(ptl.get("leaderless", []))


def test_a_tc_election_reads_only_tc_even_beside_files_it_could_not_read(tmp_path: Path) -> None:
    # Rocky's PTL candidacies were still named by IRC nick (Barbican/alee.txt); its TC
    # election, held two months later, named them by address.
    tree = _tree_of_record("rocky", tmp_path)
    assert (tree / "Barbican" / "alee.txt").is_file()
    out = _Capture()
    election = _import("rocky-tc.yaml", tree, out)
    assert "Not read (a TC election reads TC/ only): Barbican" in out.text
    (tc,) = election.contests.all()
    assert tc.state == ContestState.POLLING
    assert {c.candidate.email for c in tc.candidacies.all()} == {
        person["email"] for person in _published("rocky", "tc")["candidates"]["TC"]
    }


def test_a_tc_election_without_a_tc_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "rocky" / "Nova").mkdir(parents=True)
    (tmp_path / "rocky" / "Nova" / "someone@example.org").write_text("Platform")
    with pytest.raises(CommandError, match="no TC/ directory for a TC election"):
        _import("rocky-tc.yaml", tmp_path / "rocky")
    assert not Election.objects.exists()


def test_a_candidacy_named_by_irc_nick_is_refused_saying_why(tmp_path: Path) -> None:
    (tmp_path / "train" / "Barbican").mkdir(parents=True)
    (tmp_path / "train" / "Barbican" / "alee.txt").write_text("My platform")
    with pytest.raises(CommandError, match=r"Barbican/alee.txt: .* by IRC nick"):
        _import("train-ptl.yaml", tmp_path / "train")
    assert not Election.objects.exists()


def test_team_directories_are_named_as_openstack_election_names_them() -> None:
    assert team_directory("Puppet OpenStack") == "Puppet_OpenStack"
    assert team_directory("OpenStack-Helm") == "OpenStack_Helm"
    assert team_directory("ec2-api") == "Ec2_Api"
    assert team_directory("mistral") == "Mistral"
    assert team_directory("OpenStackAnsible") == "OpenStackAnsible"


def test_with_the_governance_teams_loaded_the_export_keeps_the_directories_of_record(
    tmp_path: Path,
) -> None:
    call_command(
        "import_governance",
        str(DATA / "projects.yaml"),
        str(DATA / "legacy.yaml"),
        stdout=_Capture(),
    )
    election = _import("2024.1-combined.yaml", CANDIDATES_2024_1)
    # The directory OpenStack_Helm is the governance team "OpenStack-Helm", not a new one.
    helm = election.contests.get(directory_of_record="OpenStack_Helm")
    assert helm.team.name == "OpenStack-Helm" and helm.team.listed
    call_command("export_results", election.slug, "--out", str(tmp_path), stdout=_Capture())
    exported = yaml.safe_load((tmp_path / "ptl.yaml").read_text())
    published = _published("2024.1", "ptl")
    # Leaderless teams have no file left to name their directory ("Openstack_Chef",
    # "Ec2_Api"): the replay kept it.
    assert sorted(exported["leaderless"]) == sorted(published["leaderless"])
    assert sorted(exported["projects"]) == sorted(published["projects"])


def test_results_of_2019_and_before_link_the_files_on_cgit(tmp_path: Path) -> None:
    election = _import("ussuri-combined.yaml", _tree_of_record("ussuri", tmp_path / "in"))
    call_command("export_results", election.slug, "--out", str(tmp_path), stdout=_Capture())
    exported = yaml.safe_load((tmp_path / "ptl.yaml").read_text())
    published = _published("ussuri", "ptl")
    for team, people in published["candidates"].items():
        assert [c["url"] for c in exported["candidates"][team]] == [c["url"] for c in people]
    assert exported["candidates"]["Nova"][0]["url"].startswith(
        "https://git.openstack.org/cgit/openstack/election/plain/candidates/ussuri/Nova/"
    )
