"""Bad files through the management commands: a ``CommandError`` naming the file (and the
line), nothing stored, never an "Internal error" (what ``ingest_run_execute`` records when an
unexpected exception escapes the parser or the database)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command
from hypothesis import example, given
from hypothesis import strategies as st

from tests.security.strategies import (
    FUZZ,
    YAML_TRICKS,
    changes,
    json_values,
    owner_lists,
    project_teams,
    text,
)
from tests.security.test_fuzz_parsers import damaged_configurations

pytestmark = pytest.mark.django_db

GOVERNANCE_FILES = (
    "projects.yaml",
    "technical-committee-repos.yaml",
    "sigs-repos.yaml",
    "legacy.yaml",
)


def _stored() -> tuple[int, ...]:
    from accounts.models import Contribution, ExtraVoter, Repository, Team, TeamRepository

    return tuple(
        model.objects.count()
        for model in (Team, TeamRepository, ExtraVoter, Repository, Contribution)
    )


def _run(command: str, path: Path) -> str:
    """The command's error message, or "" when it succeeded."""
    try:
        call_command(command, str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    except CommandError as error:
        return str(error)
    return ""


def _check_refusal(message: str, path: Path, before: tuple[int, ...]) -> None:
    if not message:
        return
    assert message.startswith("Nothing imported."), message
    assert "Internal error" not in message, message
    assert str(path) in message, message
    assert _stored() == before, "a refused import stored something"


def _yaml(document: Any) -> str | None:
    try:
        return yaml.safe_dump(document, allow_unicode=True)
    except (yaml.YAMLError, ValueError, OverflowError):
        return None


@FUZZ
@given(
    name=st.sampled_from(GOVERNANCE_FILES),
    content=st.one_of(
        text,
        st.sampled_from(YAML_TRICKS),
        st.one_of(project_teams, owner_lists).map(_yaml).filter(bool),
    ),
)
@example(name="projects.yaml", content="nova:\n  deliverables:\n    nova:\n      repos: [a/b]\n")
@example(name="projects.yaml", content=f"{'n' * 300}:\n  deliverables: {{d: {{repos: [a/b]}}}}\n")
@example(name="projects.yaml", content=f"x:\n  deliverables: {{d: {{repos: [a/{'b' * 300}]}}}}\n")
@example(
    name="technical-committee-repos.yaml",
    content="tc:\n  - repo: a/b\n    extra-acs:\n      - {email: 'x@y', expires-in: August 2026,"
    f" name: {'n' * 300}}}\n",
)
@example(name="projects.yaml", content="'!!!':\n  deliverables: {d: {repos: [a/b]}}\n")
def test_import_governance_imports_or_refuses_naming_the_file(
    tmp_path: Path, name: str, content: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    before = _stored()
    _check_refusal(_run("import_governance", path), path, before)


@FUZZ
@given(
    records=st.lists(
        st.one_of(
            changes,
            json_values,
            # Values that fit the parser but not the database columns.
            st.builds(
                lambda project, revision, email, name: {
                    "project": project,
                    "number": 7,
                    "lastUpdated": 1_772_000_000,
                    "owner": {"name": name, "email": email},
                    "patchSets": [{"number": 1, "revision": revision}],
                },
                project=st.sampled_from(["openstack/nova", "p" * 300, "a/\x00b", "a b/\u2028"]),
                revision=st.sampled_from(["a" * 40, "b" * 65, "x", "\x00"]),
                email=st.sampled_from(["a@b.c", "\x00@b.c", "e" * 300 + "@b.c"]),
                name=text,
            ),
        ),
        min_size=1,
        max_size=3,
    ),
    garbage=st.sampled_from(["", "{", "\x00", "[]", "\ufeff{}"]),
)
@example(records=[{"project": "p" * 300, "number": 1, "lastUpdated": 1}], garbage="")
@example(
    records=[{"project": "p", "number": 1, "lastUpdated": 1, "patchSets": [{"revision": "x"}]}],
    garbage="",
)
@example(records=[{"project": "a/\x00", "number": 1, "lastUpdated": 1}], garbage="")
@example(records=[{"project": "p", "number": 10**30, "lastUpdated": 1}], garbage="")
def test_ingest_gerrit_stores_or_refuses_naming_the_line(
    tmp_path: Path, records: list[Any], garbage: str
) -> None:
    path = tmp_path / "gerrit.json"
    lines = [json.dumps(record) for record in records] + [garbage]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = _stored()
    message = _run("ingest_gerrit", path)
    _check_refusal(message, path, before)
    if message:
        assert "line " in message, message


@FUZZ
@given(content=damaged_configurations(), manual=st.booleans())
def test_import_election_creates_a_draft_or_refuses(
    tmp_path: Path, content: str, manual: bool
) -> None:
    from elections.models import Contest, Election

    path = tmp_path / "configuration.yaml"
    path.write_text(content, encoding="utf-8")
    before = (Election.objects.count(), Contest.objects.count())
    try:
        call_command(
            "import_election",
            str(path),
            *(["--manual"] if manual else []),
            stdout=open("/dev/null", "w"),
        )  # noqa: SIM115
    except CommandError as error:
        assert str(error)
        assert (Election.objects.count(), Contest.objects.count()) == before
