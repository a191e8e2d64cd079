"""Gerrit's REST answers (``/changes/?o=DETAILED_ACCOUNTS&o=DETAILED_LABELS``): the XSSI
prefix, every branch, pages chained by ``_more_changes``, and OpenStack's owner-only rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accounts.gerritlog import GerritFormatError, parse_gerrit_export, parse_gerrit_rest
from accounts.models import Contribution

pytestmark = pytest.mark.django_db
QUIET = {"stdout": open("/dev/null", "w")}  # noqa: SIM115


def _change(number: int, *, branch: str = "master", more: bool = False) -> dict[str, Any]:
    change: dict[str, Any] = {
        "id": f"openstack%2Fnova~{branch}~I{number:040x}",
        "project": "openstack/nova",
        "branch": branch,
        "status": "MERGED",
        "_number": number,
        "submitted": "2026-03-02 10:11:12.000000000",
        "updated": "2026-03-02 10:11:12.000000000",
        "current_revision": f"{number:040x}",
        "owner": {
            "_account_id": 1000 + number,
            "name": f"Owner {number}",
            "email": f"Owner{number}@Example.org",
            "username": f"owner{number}",
        },
        "labels": {
            "Code-Review": {
                "all": [
                    {
                        "value": 2,
                        "date": "2026-03-01 09:00:00.000000000",
                        "_account_id": 7,
                        "email": "core@example.org",
                        "name": "Core",
                    },
                    {"value": 1, "_account_id": 8, "email": "plus-one@example.org"},
                ]
            },
            "Workflow": {"all": [{"value": 1, "_account_id": 7, "email": "core@example.org"}]},
        },
    }
    if more:
        change["_more_changes"] = True
    return change


def _page(path: Path, changes: list[dict[str, Any]]) -> Path:
    path.write_text(")]}'\n" + json.dumps(changes))
    return path


def test_a_rest_page_is_read_on_every_branch() -> None:
    text = ")]}'\n" + json.dumps([_change(1), _change(2, branch="stable/2025.1")])
    changes = list(parse_gerrit_rest(text, source="page.json"))
    assert [c.number for c in changes] == [1, 2]
    first = changes[0]
    assert first.authors[0].email == "owner1@example.org"
    assert {(r.reviewer.email, r.label, r.value) for r in first.reviews} == {
        ("core@example.org", "Code-Review", 2),
        ("core@example.org", "Workflow", 1),
    }
    assert first.merged_at.isoformat() == "2026-03-02T10:11:12+00:00"


def test_owner_only_mode_counts_the_change_owner_alone() -> None:
    text = ")]}'\n" + json.dumps([_change(1)])
    (change,) = parse_gerrit_export(text, source="p", owners_only=True)
    assert [a.email for a in change.authors] == ["owner1@example.org"]
    assert change.reviews == ()


def test_a_bad_change_is_named_by_its_place_in_the_page() -> None:
    broken = _change(2)
    broken["submitted"] = "yesterday"
    text = ")]}'\n" + json.dumps([_change(1), broken])
    with pytest.raises(GerritFormatError, match="page.json, change 2: submitted 'yesterday'"):
        list(parse_gerrit_rest(text, source="page.json"))


def test_pages_are_ingested_together_with_every_branch(tmp_path: Path) -> None:
    first = _page(tmp_path / "page-1.json", [_change(1), _change(2, more=True)])
    second = _page(tmp_path / "page-2.json", [_change(3, branch="stable/2025.2")])
    call_command("ingest_gerrit", str(first), str(second), **QUIET)
    refs = set(Contribution.objects.values_list("ref", flat=True))
    assert refs == {f"{n:040x}" for n in (1, 2, 3)}
    # One review per reviewer and change (CR+2 and W+1 by the same core count once).
    assert Contribution.objects.filter(email="core@example.org", kind="review").count() == 3


def test_a_missing_page_is_an_error_and_nothing_is_stored(tmp_path: Path) -> None:
    first = _page(tmp_path / "page-1.json", [_change(1), _change(2, more=True)])
    with pytest.raises(CommandError, match="page-1.json, page 0: the page says more changes"):
        call_command("ingest_gerrit", str(first), **QUIET)
    assert not Contribution.objects.exists()


def test_the_json_lines_export_is_still_read(tmp_path: Path) -> None:
    from tests.accounts.test_ingest import FIXTURES

    call_command("ingest_gerrit", str(FIXTURES / "gerrit-merged.jsonl"), **QUIET)
    assert Contribution.objects.exists()
