"""Importing the real governance files: teams, ownership, extra-ACs, re-imports, bad files."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accounts.actions import EligibilityError, governance_import
from accounts.governance import GovernanceError
from accounts.models import (
    Contribution,
    ExtraVoter,
    Repository,
    Team,
    TeamKind,
    TeamRepository,
)
from tests.accounts.conftest import GOVERNANCE, GOVERNANCE_FILES

pytestmark = pytest.mark.django_db


def _copy(tmp_path: Path, name: str, edit: Any = None) -> Path:
    text = (GOVERNANCE / name).read_text()
    target = tmp_path / name
    target.write_text(edit(text) if edit else text)
    return target


def test_real_files_give_teams_repositories_and_extra_acs(governance: None) -> None:
    assert Team.objects.filter(kind=TeamKind.OFFICIAL).count() == 42
    assert Team.objects.get(name="Technical Committee").kind == TeamKind.TC
    assert Team.objects.filter(kind=TeamKind.SIG).count() == 13
    nova = Team.objects.get(name="nova")
    assert nova.slug == "nova" and nova.ptl_email == "rene.ribaud@gmail.com"
    assert set(nova.repositories.values_list("name", flat=True)) >= {
        "openstack/nova",
        "openstack/python-novaclient",
    }
    assert ExtraVoter.objects.filter(source="tc").count() == 3
    assert ExtraVoter.objects.filter(source="sig").count() == 7
    election = ExtraVoter.objects.get(email="skaplons@redhat.com")
    assert election.team.name == "Technical Committee"
    assert election.repository.name == "openstack/election"
    assert election.expires_on == date(2026, 8, 1)


def test_legacy_teams_retire_and_partial_retirements_attach_to_live_teams(governance: None) -> None:
    astara = Team.objects.get(name="astara")
    assert (astara.kind, astara.retired_on) == (TeamKind.LEGACY, date(2016, 10, 6))
    cinder = Team.objects.get(name="cinder")
    assert cinder.kind == TeamKind.OFFICIAL and cinder.retired_on is None
    cinderlib = TeamRepository.objects.get(team=cinder, repository__name="openstack/cinderlib")
    assert (cinderlib.source, cinderlib.retired_on) == (TeamKind.LEGACY, date(2026, 6, 18))
    # legacy.yaml's "I18n" is the SIG "i18n": the same team by short name.
    i18n = Team.objects.get(slug="i18n")
    assert i18n.kind == TeamKind.SIG
    assert i18n.ownerships.filter(source=TeamKind.LEGACY).exists()


def test_reimporting_the_same_files_changes_nothing(governance: None) -> None:
    before = (
        Team.objects.count(),
        TeamRepository.objects.count(),
        ExtraVoter.objects.count(),
        Repository.objects.count(),
    )
    report = governance_import(paths=GOVERNANCE_FILES)
    assert report.created == () and report.renamed == () and report.unlisted == ()
    after = (
        Team.objects.count(),
        TeamRepository.objects.count(),
        ExtraVoter.objects.count(),
        Repository.objects.count(),
    )
    assert after == before


def test_a_renamed_team_keeps_its_identity_and_history(governance: None, tmp_path: Path) -> None:
    nova = Team.objects.get(name="nova")
    repository = Repository.objects.get(name="openstack/nova")
    Contribution.objects.create(
        repository=repository,
        kind="commit",
        source="git",
        ref="a" * 40,
        email="jane@example.org",
        date="2026-01-01T00:00:00Z",
    )
    renamed = _copy(tmp_path, "projects.yaml", lambda t: t.replace("\nnova:\n", "\ncompute:\n"))
    report = governance_import(paths=[renamed])
    assert report.renamed == (("nova", "compute"),)
    team = Team.objects.get(pk=nova.pk)
    assert (team.name, team.slug, team.listed) == ("compute", "compute", True)
    assert repository.contributions.count() == 1
    assert team.ownerships.filter(repository=repository).exists()


def test_a_team_dropped_from_projects_then_listed_in_legacy_is_retired(
    governance: None, tmp_path: Path
) -> None:
    def drop_zun(text: str) -> str:
        start = text.index("\nzun:\n")
        return text[: start + 1]

    projects = _copy(tmp_path, "projects.yaml", drop_zun)
    report = governance_import(paths=[projects])
    assert report.unlisted == ("zun",)
    zun = Team.objects.get(name="zun")
    assert not zun.listed and not zun.ownerships.exists()
    legacy = _copy(
        tmp_path,
        "legacy.yaml",
        lambda t: (
            t + "\nzun:\n  retired-on: 2026-05-01\n  deliverables:\n    zun:\n      repos:\n"
            "        - openstack/zun\n"
        ),
    )
    governance_import(paths=[legacy])
    zun.refresh_from_db()
    assert (zun.kind, zun.retired_on, zun.listed) == (TeamKind.LEGACY, date(2026, 5, 1), True)
    assert zun.ownerships.get().retired_on == date(2026, 5, 1)


def test_a_bad_file_imports_nothing_and_names_file_and_line(
    governance: None, tmp_path: Path
) -> None:
    before = TeamRepository.objects.count(), ExtraVoter.objects.count()
    good = _copy(tmp_path, "projects.yaml", lambda t: t.replace("\nnova:\n", "\ncompute:\n"))
    bad = _copy(tmp_path, "sigs-repos.yaml", lambda t: t.replace("August 2025", "Augsut 2025", 1))
    with pytest.raises(GovernanceError, match=r"sigs-repos.yaml, line 27: expires-in 'Augsut"):
        governance_import(paths=[good, bad])
    assert Team.objects.filter(name="nova").exists()
    assert (TeamRepository.objects.count(), ExtraVoter.objects.count()) == before


def test_two_files_of_the_same_kind_are_refused(tmp_path: Path) -> None:
    copy = _copy(tmp_path, "projects.yaml")
    with pytest.raises(EligibilityError, match="are both official files"):
        governance_import(paths=[GOVERNANCE / "projects.yaml", copy])


def test_command_imports_and_reports(db: Any) -> None:
    out = StringIO()
    call_command("import_governance", *map(str, GOVERNANCE_FILES), stdout=out)
    assert "Imported 4 file(s)" in out.getvalue()
    assert Team.objects.filter(name="nova").exists()


def test_command_turns_bad_input_into_a_readable_error(tmp_path: Path, db: Any) -> None:
    broken = tmp_path / "projects.yaml"
    broken.write_text("nova:\n  deliverables: [\n")
    with pytest.raises(CommandError, match=r"Nothing imported. .*projects.yaml, line \d+"):
        call_command("import_governance", str(broken))
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_governance", str(tmp_path / "missing.yaml"))
    assert not Team.objects.exists()
