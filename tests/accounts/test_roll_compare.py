"""OpenStack's roll rule from Gerrit's REST pages (``ingest_gerrit --owners-only``) and two
officials comparing two rolls (``roll_compare``): count, fingerprint, what only one holds.

The fixture pages are two saved REST pages for nova's repositories (every branch, a change
merged before the window); ``openstack-owners-nova.txt`` is the roll openstack/election's
owners tool writes for them (its preferred addresses, domains lower-cased, local parts as
the accounts spell them)."""

from __future__ import annotations

import hashlib
import json
import subprocess
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accounts.actions import roll_freeze
from accounts.models import Contribution, IngestRun, Team
from accounts.rollcompare import RollFileError, read_roll, rolls_compare

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PAGES = FIXTURES / "gerrit-rest-nova"
OPENSTACK_ROLL = FIXTURES / "openstack-owners-nova.txt"
WINDOW = ("--start", "2025-09-12", "--end", "2026-08-19")


def _roll_file(tmp_path: Path, name: str = "stackvote-nova.txt") -> Path:
    out = StringIO()
    call_command("roll", "--team", "nova", *WINDOW, stdout=out, stderr=StringIO())
    path = tmp_path / name
    path.write_text(out.getvalue())
    return path


def _compare(*args: str) -> str:
    out = StringIO()
    call_command("roll_compare", *args, stdout=out)
    return out.getvalue()


def test_owner_only_ingest_counts_each_merged_changes_owner_on_every_branch(
    governance: None,
) -> None:
    call_command("ingest_gerrit", "--owners-only", str(PAGES), stdout=StringIO())
    assert IngestRun.objects.get().kind == IngestRun.Kind.GERRIT_OWNERS
    assert set(Contribution.objects.values_list("email", "kind")) == {
        ("alice.smith@example.org", "commit"),
        ("bob@example.org", "commit"),  # stable/2025.2
        ("carol@example.org", "commit"),  # python-novaclient, a nova deliverable
        ("erin@example.org", "commit"),  # stored; outside the window, so not on the roll
    }


def test_the_owner_only_roll_is_openstacks_roll(governance: None, tmp_path: Path) -> None:
    call_command("ingest_gerrit", "--owners-only", str(PAGES), stdout=StringIO())
    ours = _roll_file(tmp_path)
    output = _compare(str(ours), str(OPENSTACK_ROLL), "--check")
    assert "The rolls are the same." in output
    fingerprint = hashlib.sha256(b"alice.smith@example.org\nbob@example.org\ncarol@example.org\n")
    assert output.count(f"3 addresses, sha256 {fingerprint.hexdigest()}") == 2


def test_the_charters_roll_also_counts_reviewers_and_the_comparison_names_them(
    governance: None, tmp_path: Path
) -> None:
    call_command("ingest_gerrit", str(PAGES), stdout=StringIO())
    ours = _roll_file(tmp_path)
    output = _compare(str(ours), str(OPENSTACK_ROLL))
    assert f"The rolls differ: 2 only in {ours}, 0 only in {OPENSTACK_ROLL}." in output
    assert output.endswith(f"Only in {ours}:\n  core@example.org\n  dave@example.org\n")
    with pytest.raises(CommandError, match="The rolls differ"):
        call_command("roll_compare", str(ours), str(OPENSTACK_ROLL), "--check", stdout=StringIO())


def test_preserving_case_shows_addresses_that_differ_only_by_case(
    governance: None, tmp_path: Path
) -> None:
    call_command("ingest_gerrit", "--owners-only", str(PAGES), stdout=StringIO())
    ours = _roll_file(tmp_path)
    output = _compare(str(ours), str(OPENSTACK_ROLL), "--preserve-case")
    assert "Addresses compared as written" in output
    assert f"Only in {ours}:\n  alice.smith@example.org\n" in output
    assert f"Only in {OPENSTACK_ROLL}:\n  Alice.Smith@example.org\n" in output


def test_the_fingerprint_is_what_sort_and_sha256sum_print(tmp_path: Path) -> None:
    """An official without stackvote checks it with coreutils alone."""
    roll = tmp_path / "roll.txt"
    roll.write_text("b@example.org\nA@example.org\nb@example.org\n")
    command = "LC_ALL=C sort -u roll.txt | sha256sum"
    printed = subprocess.run(  # noqa: S602
        command, shell=True, cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.split()[0]
    comparison = rolls_compare(("a", read_roll(roll.read_text())), ("b", []), preserve_case=True)
    assert comparison.first.fingerprint == printed
    assert comparison.first.repeated == 1


def test_a_frozen_roll_is_compared_by_its_id(governance: None, tmp_path: Path) -> None:
    call_command("ingest_gerrit", "--owners-only", str(PAGES), stdout=StringIO())
    import datetime

    roll = roll_freeze(
        team=Team.objects.get(name="nova"),
        start=datetime.date(2025, 9, 12),
        end=datetime.date(2026, 8, 19),
    )
    output = _compare(f"roll:{roll.pk}", str(OPENSTACK_ROLL))
    assert f"roll #{roll.pk} (nova, 2025-09-12..2026-08-19): 3 addresses" in output
    assert f"sha256 {roll.fingerprint}" in output
    assert "The rolls are the same." in output
    with pytest.raises(CommandError, match="roll:999999: no frozen roll"):
        _compare("roll:999999", str(OPENSTACK_ROLL))


def test_the_json_of_manage_py_roll_is_read(governance: None, tmp_path: Path) -> None:
    call_command("ingest_gerrit", "--owners-only", str(PAGES), stdout=StringIO())
    out = StringIO()
    call_command("roll", "--team", "nova", *WINDOW, "--json", stdout=out)
    path = tmp_path / "roll.json"
    path.write_text(out.getvalue())
    assert "The rolls are the same." in _compare(str(path), str(OPENSTACK_ROLL))
    fingerprint = json.loads(out.getvalue())["fingerprint"]
    assert f"sha256 {fingerprint}" in _compare(str(path), str(OPENSTACK_ROLL))


def test_a_line_that_is_not_an_address_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("# the nova roll\nbob@example.org\nBob Jones <bob@example.org>\n")
    with pytest.raises(CommandError, match=r"bad.txt, line 3: 'Bob Jones <bob@example.org>'"):
        _compare(str(bad), str(OPENSTACK_ROLL))
    with pytest.raises(RollFileError, match="under 'emails'"):
        read_roll('{"emails": "x@example.org"}', source="roll.json")


def test_a_missing_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        _compare(str(tmp_path / "nope.txt"), str(OPENSTACK_ROLL))


def test_pages_in_a_directory_are_read_in_page_order(governance: None, tmp_path: Path) -> None:
    """page-10 follows page-2: a page-ordering by name alone would refuse the answer."""
    pages = tmp_path / "pages"
    pages.mkdir()
    first = json.loads((PAGES / "page-1.json").read_text().removeprefix(")]}'\n"))
    second = json.loads((PAGES / "page-2.json").read_text().removeprefix(")]}'\n"))
    (pages / "page-2.json").write_text(")]}'\n" + json.dumps(first))
    (pages / "page-10.json").write_text(")]}'\n" + json.dumps(second))
    call_command("ingest_gerrit", str(pages), stdout=StringIO())
    assert Contribution.objects.filter(kind="review").exists()


def test_owner_only_data_from_the_query_export_keeps_only_owners(governance: Any) -> None:
    from tests.accounts.test_ingest import FIXTURES as INGEST_FIXTURES

    call_command(
        "ingest_gerrit", "--owners-only", str(INGEST_FIXTURES / "gerrit-merged.jsonl"),
        stdout=StringIO(),
    )  # fmt: skip
    assert Contribution.objects.exists()
    assert not Contribution.objects.filter(kind="review").exists()
