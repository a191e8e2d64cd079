"""Writing an election's outcome in OpenStack's published shape, and loading OpenStack's
archive of published results: the 2026.1 replay's export equals the published files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command

from elections.models import ContestState, Election, Phase
from elections.openstack.results import (
    ResultsFileError,
    announce_ptl,
    parse_results,
    render_results,
)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[3] / "data/openstack"
ELECTION = DATA / "election"
RESULTS = ELECTION / "results"
QUIET = {"stdout": open("/dev/null", "w")}  # noqa: SIM115


def _replay_2026_1(*extra: str) -> Election:
    call_command(
        "import_election",
        str(ELECTION / "configurations/2026.1-combined.yaml"),
        "--candidates",
        str(ELECTION / "candidates/2026.1"),
        "--exceptions",
        str(ELECTION / "exceptions.txt"),
        *extra,
        **QUIET,
    )
    return Election.objects.get(slug="2026-1-combined")


def _export(slug: str, out: Path) -> dict[str, dict[str, Any]]:
    call_command("export_results", slug, "--format", "openstack", "--out", str(out), **QUIET)
    return {kind: yaml.safe_load((out / f"{kind}.yaml").read_text()) for kind in ("ptl", "tc")}


def _published(release: str, kind: str) -> dict[str, Any]:
    return yaml.safe_load((RESULTS / release / f"{kind}.yaml").read_text())


@pytest.mark.parametrize("path", sorted(RESULTS.glob("*/*.yaml")), ids=lambda p: p.parent.name)
def test_every_published_results_file_is_read(path: Path) -> None:
    record = parse_results(path.read_text(), source=str(path), kind=path.stem)
    assert record.release == path.parent.name
    assert record.contests


def test_a_modern_results_file_is_written_back_byte_for_byte() -> None:
    for release in ("2026.1", "2025.1", "zed", "antelope"):
        for kind in ("ptl", "tc"):
            text = (RESULTS / release / f"{kind}.yaml").read_text()
            assert render_results(parse_results(text, source="f", kind=kind)) == text


def test_old_cycles_turnout_is_read() -> None:
    record = parse_results((RESULTS / "queens/ptl.yaml").read_text(), source="q", kind="ptl")
    assert record.turnout == {"Documentation": (271, 73), "Ironic": (221, 72)}


def test_a_results_file_without_emails_is_refused_naming_the_entry() -> None:
    text = "candidates:\n  Nova:\n  - elected: true\n    fullname: X\nelection: '1'\n"
    with pytest.raises(ResultsFileError, match=r"candidates.Nova\[1\]: a candidate needs an email"):
        parse_results(text, source="ptl.yaml", kind="ptl")


# The cycles replayed from their real candidacy files, and the files of record each copy lacks
# (tests/fixtures/openstack/README.md).
REPLAYED = {
    "2026.1": (ELECTION / "candidates/2026.1", frozenset()),
    "2024.1": (
        Path(__file__).resolve().parents[2] / "fixtures/openstack/candidates/2024.1",
        frozenset({"TC/noonedeadpunk@gmail.com"}),
    ),
}


def _replay(release: str, *extra: str) -> Election:
    call_command(
        "import_election",
        str(ELECTION / f"configurations/{release}-combined.yaml"),
        "--candidates",
        str(REPLAYED[release][0]),
        "--exceptions",
        str(ELECTION / "exceptions.txt"),
        *extra,
        **QUIET,
    )
    return Election.objects.get(release=release)


@pytest.mark.parametrize("release", sorted(REPLAYED))
def test_a_replayed_cycle_exports_what_openstack_published(release: str, tmp_path: Path) -> None:
    """Every field stackvote knows from the cycle's own files equals the published one: the
    teams, their candidates in order with address and link, who was acclaimed, which
    contests went to a poll, and the leaderless teams."""
    election = _replay(release, "--members", str(DATA / "members.yaml"))
    exported = _export(election.slug, tmp_path)
    missing = REPLAYED[release][1]
    for kind in ("ptl", "tc"):
        ours, theirs = exported[kind], _published(release, kind)
        polled = {
            team for team, link in theirs.get("elections_results", {}).items() if "://" in link
        }
        assert set(ours) <= set(theirs) | {"elections_results"}
        assert ours["election"] == theirs["election"] == release
        assert sorted(ours["projects"]) == sorted(theirs["projects"])
        assert set(ours.get("elections_results", {})) == polled | (
            {"TC"} if kind == "tc" else set()
        )
        assert sorted(ours.get("leaderless", [])) == sorted(theirs.get("leaderless", []))
        assert list(ours["candidates"]) == list(theirs["candidates"])
        for team, candidates in theirs["candidates"].items():
            kept = [c for c in candidates if f"{team}/{c['email']}" not in missing]
            mine = ours["candidates"][team]
            assert [(c["email"], c["url"]) for c in mine] == [(c["email"], c["url"]) for c in kept]
            if team not in polled:  # acclaimed: known at the close
                assert [c["elected"] for c in mine] == [c["elected"] for c in kept]
    # members.yaml knows the sitting TC's nicks.
    tc = {c["email"]: c for c in exported["tc"]["candidates"]["TC"]}
    assert tc["frickler@offenerstapel.de"]["ircname"] == "frickler"


def test_with_the_archive_loaded_the_export_equals_the_published_files(tmp_path: Path) -> None:
    _replay_2026_1()
    call_command("import_results", str(RESULTS / "2026.1"), **QUIET)
    exported = _export("2026-1-combined", tmp_path)
    for kind in ("ptl", "tc"):
        ours, theirs = exported[kind], _published("2026.1", kind)
        # OpenStack writes ``projects`` and ``leaderless`` from a set: their order is chance.
        for key in ("projects", "leaderless"):
            if key in theirs:
                assert sorted(ours.pop(key)) == sorted(theirs.pop(key))
        assert ours == theirs
    horizon = Election.objects.get().contests.get(team__name="Horizon")
    assert horizon.state == ContestState.POLLING
    assert horizon.result_of_record.startswith("https://civs1.civs.us/")


def test_the_announcements_name_the_acclaimed_the_polled_and_the_leaderless(
    tmp_path: Path,
) -> None:
    _replay_2026_1()
    call_command("import_results", str(RESULTS / "2026.1"), **QUIET)
    _export("2026-1-combined", tmp_path)
    ptl = (tmp_path / "announcement-ptl.txt").read_text()
    assert "* Horizon: Tatiana Ovchinnikova (https://civs1.civs.us/" in ptl
    assert "* Adjutant: Dale Smith" in ptl
    assert "* Monasca" in ptl.split("appoint")[1]
    tc = (tmp_path / "announcement-tc.txt").read_text()
    assert "Elected: Doug Goldstein, Dr. Jens Harbott, Sylvain Bauza, Tony Breeds." in tc


def test_a_poll_without_a_known_result_is_listed_as_polled_with_no_winner() -> None:
    text = (RESULTS / "2026.1/ptl.yaml").read_text()
    record = parse_results(text, source="ptl.yaml", kind="ptl")
    assert "* Horizon: Tatiana Ovchinnikova (https://" in announce_ptl(record)


def test_past_cycles_are_built_from_their_configuration_and_results(tmp_path: Path) -> None:
    call_command(
        "import_results",
        str(RESULTS / "zed"),
        "--configurations",
        str(ELECTION / "configurations"),
        **QUIET,
    )
    zed = Election.objects.get(release="zed")
    assert zed.phase == Phase.CLOSED
    assert (zed.nominations_opens_at.year, zed.calendar_of_record) == (2022, True)
    exported = _export(zed.slug, tmp_path)
    for kind in ("ptl", "tc"):
        ours, theirs = exported[kind], _published("zed", kind)
        for key in ("projects", "leaderless"):
            if key in theirs:
                assert sorted(ours.pop(key)) == sorted(theirs.pop(key))
        assert ours == theirs


def test_a_cycle_with_neither_election_nor_configuration_is_reported_not_invented() -> None:
    call_command("import_results", str(RESULTS / "ocata"), stdout=(out := _Capture()))
    assert "ocata: skipped" in out.text
    assert not Election.objects.exists()


def test_results_that_disagree_with_the_replayed_cycle_leave_nothing_behind(
    tmp_path: Path,
) -> None:
    _replay_2026_1()
    bad = tmp_path / "2026.1"
    bad.mkdir()
    text = (RESULTS / "2026.1/ptl.yaml").read_text()
    (bad / "ptl.yaml").write_text(text.replace("mharley@redhat.com", "someone@else.org", 1))
    (bad / "tc.yaml").write_text((RESULTS / "2026.1/tc.yaml").read_text())
    with pytest.raises(CommandError, match="someone@else.org stands for Barbican"):
        call_command("import_results", str(bad), **QUIET)
    assert not Election.objects.get().contests.exclude(result_of_record="").exists()


def test_exporting_before_nominations_close_is_refused(tmp_path: Path, make_team: Any) -> None:
    make_team("Nova", "nova")
    call_command("import_election", str(DATA / "configuration.yaml"), **QUIET)
    with pytest.raises(CommandError, match="Nominations have not closed"):
        call_command("export_results", "2027-1-combined", "--out", str(tmp_path), **QUIET)


class _Capture:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_results_of_a_kind_the_election_does_not_hold_are_skipped_and_said() -> None:
    call_command(
        "import_election",
        str(ELECTION / "configurations/rocky-tc.yaml"),
        "--candidates",
        str(_tc_only_candidates()),
        **QUIET,
    )
    out = _Capture()
    call_command("import_results", str(RESULTS / "rocky"), stdout=out)
    assert "ptl.yaml skipped: rocky-tc holds no PTL contest" in out.text
    tc = Election.objects.get().contests.get()
    assert tc.result_of_record.startswith("https://civs")


def _tc_only_candidates() -> Path:
    """rocky's TC candidates as files, built from its published results."""
    import tempfile

    record = parse_results((RESULTS / "rocky/tc.yaml").read_text(), source="tc", kind="tc")
    directory = Path(tempfile.mkdtemp()) / "rocky"
    (directory / "TC").mkdir(parents=True)
    for person in record.contests[0].candidates:
        (directory / "TC" / person.email.lower()).write_text(f"Platform of {person.fullname}")
    return directory
