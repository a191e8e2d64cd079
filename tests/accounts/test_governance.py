"""OpenStack's own governance files, read unchanged; the extra-ACs and legacy rules."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from accounts.governance import (
    FileKind,
    GovernanceError,
    Person,
    Team,
    extra_ac_counts,
    legacy_repository_counts,
    parse_expires_in,
    parse_governance_file,
    parse_governance_text,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "openstack"
PROJECTS = DATA / "projects.yaml"
TC = DATA / "technical-committee-repos.yaml"
SIGS = DATA / "sigs-repos.yaml"
LEGACY = DATA / "legacy.yaml"


def _team(path: Path, name: str) -> Team:
    return next(t for t in parse_governance_file(path).teams if t.name == name)


def test_projects_yaml_gives_teams_deliverables_repositories_and_ptls() -> None:
    parsed = parse_governance_file(PROJECTS)
    assert parsed.kind is FileKind.OFFICIAL
    assert len(parsed.teams) == 42
    assert sum(len(t.repositories) for t in parsed.teams) == 579
    nova = _team(PROJECTS, "nova")
    assert nova.leadership_type == "ptl"
    assert nova.ptl == Person("René Ribaud", "rene.ribaud@gmail.com")
    assert {r.name for r in nova.repositories} >= {"openstack/nova", "openstack/python-novaclient"}
    assert all(r.retired_on is None for r in nova.repositories)
    barbican = _team(PROJECTS, "barbican")
    specs = next(r for r in barbican.repositories if r.name == "openstack/barbican-specs")
    assert specs.deliverable == "barbican-specs"


def test_distributed_leadership_teams_have_no_ptl() -> None:
    oslo = _team(PROJECTS, "oslo")
    assert oslo.leadership_type == "distributed"
    assert oslo.ptl is None


def test_technical_committee_repositories_carry_extra_acs() -> None:
    parsed = parse_governance_file(TC)
    assert parsed.kind is FileKind.TC
    (committee,) = parsed.teams
    assert committee.name == "Technical Committee"
    assert len(committee.repositories) == 11
    election = next(r for r in committee.repositories if r.name == "openstack/election")
    assert [(a.name, a.email, a.expires_on) for a in election.extra_acs] == [
        ("Ian Y. Choi", "ianyrchoi@gmail.com", date(2026, 8, 1)),
        ("Slawek Kaplonski", "skaplons@redhat.com", date(2026, 8, 1)),
    ]
    assert election.extra_acs[0].line == 8


def test_sig_extra_acs_keep_their_comments() -> None:
    i18n = _team(SIGS, "i18n")
    (repo,) = i18n.repositories
    assert len(repo.extra_acs) == 7
    assert repo.extra_acs[0].comment == "andibing (en-GB)"
    assert repo.extra_acs[1].expires_on == date(2025, 8, 1)


def test_legacy_teams_and_partially_retired_deliverables() -> None:
    parsed = parse_governance_file(LEGACY)
    assert parsed.kind is FileKind.LEGACY
    astara = _team(LEGACY, "astara")
    assert astara.retired_on == date(2016, 10, 6)
    assert all(r.retired_on == date(2016, 10, 6) for r in astara.repositories)
    cinder = _team(LEGACY, "cinder")
    assert cinder.partial and cinder.retired_on is None
    (cinderlib,) = cinder.repositories
    assert (cinderlib.name, cinderlib.retired_on) == ("openstack/cinderlib", date(2026, 6, 18))


def test_old_style_ptl_written_as_one_line_is_read() -> None:
    assert _team(LEGACY, "MagnetoDB").ptl == Person("Ilya Sviridov (isviridov)", "")


def test_expires_in_is_the_first_day_of_the_month() -> None:
    assert parse_expires_in("August 2026") == date(2026, 8, 1)
    assert parse_expires_in("february 2026") == date(2026, 2, 1)
    with pytest.raises(ValueError, match="not a month and year"):
        parse_expires_in("2026-08")


def test_extra_ac_counts_while_window_ends_before_its_expiry_month() -> None:
    """OpenStack: counts while the window's end < 00:00 UTC on the first of expires-in."""
    august = date(2026, 8, 1)
    assert extra_ac_counts(expires_on=august, window_end=datetime(2026, 7, 31, 23, 59, tzinfo=UTC))
    assert not extra_ac_counts(expires_on=august, window_end=datetime(2026, 8, 1, tzinfo=UTC))
    # The real 2026 election's window ends 2026-08-19: "August 2026" entries have expired.
    assert not extra_ac_counts(expires_on=august, window_end=datetime(2026, 8, 19, tzinfo=UTC))


def test_legacy_repositories_count_when_retired_inside_the_window() -> None:
    start = datetime(2025, 9, 12, tzinfo=UTC)
    assert legacy_repository_counts(retired_on=date(2025, 9, 12), window_start=start)
    assert legacy_repository_counts(retired_on=date(2026, 6, 18), window_start=start)
    assert not legacy_repository_counts(retired_on=date(2025, 9, 11), window_start=start)


def test_kind_is_recognised_by_shape_when_a_file_is_renamed(tmp_path: Path) -> None:
    for original, kind in ((PROJECTS, "official"), (TC, "tc"), (SIGS, "sig"), (LEGACY, "legacy")):
        copy = tmp_path / f"copy-of-{original.name}.yml"
        shutil.copy(original, copy)
        assert parse_governance_file(copy).kind == kind


def test_malformed_yaml_names_file_and_line() -> None:
    text = "nova:\n  leadership_type: ptl\n  deliverables:\n    nova: [unclosed\n"
    with pytest.raises(GovernanceError, match=r"projects.yaml, line \d+: malformed YAML"):
        parse_governance_text(text, source="projects.yaml")


def test_bad_expires_in_names_the_line() -> None:
    text = (
        "i18n:\n"
        "  - repo: openstack/i18n\n"
        "    extra-acs:\n"
        "      - name: A\n"
        "        email: a@example.org\n"
        "        expires-in: soon\n"
    )
    with pytest.raises(GovernanceError, match=r"sigs-repos.yaml, line 6: expires-in 'soon'"):
        parse_governance_text(text, source="sigs-repos.yaml")


def test_deliverable_without_repos_names_the_line() -> None:
    text = "nova:\n  leadership_type: ptl\n  deliverables:\n    nova:\n      docs: x\n"
    with pytest.raises(GovernanceError, match=r"line 4: deliverable 'nova' has no repos"):
        parse_governance_text(text, source="projects.yaml")


def test_repository_names_must_have_a_namespace() -> None:
    text = "nova:\n  leadership_type: ptl\n  deliverables:\n    nova:\n      repos: [nova]\n"
    with pytest.raises(GovernanceError, match=r"line 5: 'nova' is not a repository name"):
        parse_governance_text(text, source="projects.yaml")


def test_team_listed_twice_is_an_error() -> None:
    text = "API:\n  - repo: openstack/a\nAPI:\n  - repo: openstack/b\n"
    with pytest.raises(GovernanceError, match=r"line 3: team 'API' is listed twice"):
        parse_governance_text(text, source="sigs-repos.yaml")


def test_unrecognisable_file_is_an_error() -> None:
    with pytest.raises(GovernanceError, match="cannot tell which governance file"):
        parse_governance_text("hello: world\n", source="notes.yaml")
    with pytest.raises(GovernanceError, match="empty"):
        parse_governance_text("", source="projects.yaml")


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(GovernanceError, match="nothere.yaml: cannot read"):
        parse_governance_file(tmp_path / "nothere.yaml")
