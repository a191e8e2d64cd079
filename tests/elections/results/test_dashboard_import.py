"""Importing an election from OpenStack's configuration.yaml in the officials' panel
(``/officials/import/``, elections/results/dashboard_import.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEntry
from elections.models import ContestKind, Election
from elections.results.dashboard_import import MAX_UPLOAD_BYTES
from elections.scenarios import scenario_team

pytestmark = pytest.mark.django_db
CONFIGURATION = Path(__file__).resolve().parents[3] / "data/openstack/configuration.yaml"
URL = "/officials/import/"


@pytest.fixture
def imports(settings: Any, tmp_path: Path) -> Path:
    """An import directory holding the real configuration.yaml."""
    directory = tmp_path / "imports"
    directory.mkdir()
    (directory / "configuration.yaml").write_bytes(CONFIGURATION.read_bytes())
    settings.STACKVOTE_IMPORT_DIRS = [str(directory)]
    return directory


def _upload(text: str | bytes, name: str = "configuration.yaml") -> SimpleUploadedFile:
    raw = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, raw, content_type="application/yaml")


def test_the_url_is_the_import_page() -> None:
    assert reverse("officials_import") == URL


def test_an_official_uploads_the_file_and_lands_on_the_new_dashboard(
    client: Any, official: Any, imports: Path
) -> None:
    nova = scenario_team(name="Nova", slug="nova")
    scenario_team(name="Swift", slug="swift")
    client.force_login(official)
    page = client.get(URL)
    assert page.status_code == 200
    assert b"configuration.yaml" in page.content  # the file in the import directory is listed
    response = client.post(
        URL, {"upload": _upload(CONFIGURATION.read_text()), "teams": [nova.pk], "manual": "on"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/officials/elections/2027-1-combined/"
    election = Election.objects.get(slug="2027-1-combined")
    assert not election.auto_advance
    assert sorted((c.kind, c.slug, c.seats) for c in election.contests.all()) == [
        (ContestKind.PTL, "nova", 1),
        (ContestKind.TC, "tc", 4),
    ]
    entry = AuditEntry.objects.get(action="election.create")
    assert entry.actor_id == official.pk
    assert (
        "Imported 2027.1 PTL and TC elections" in client.get(response["Location"]).content.decode()
    )


def test_an_official_picks_a_file_in_the_import_directories_with_every_ptl_team(
    client: Any, official: Any, imports: Path
) -> None:
    scenario_team(name="Nova", slug="nova")
    scenario_team(name="Swift", slug="swift")
    client.force_login(official)
    response = client.post(
        URL, {"path": "configuration.yaml", "all_ptl_teams": "on", "slug": "walk-import"}
    )
    assert response.status_code == 302
    election = Election.objects.get(slug="walk-import")
    assert sorted(election.contests.values_list("slug", flat=True)) == ["nova", "swift", "tc"]


@pytest.mark.parametrize("role", ["anonymous", "voter", "staff"])
def test_anyone_but_an_official_is_refused(
    client: Any, make_user: Any, imports: Path, role: str
) -> None:
    if role != "anonymous":
        client.force_login(make_user(f"{role}@example.org", is_staff=role == "staff"))
    get = client.get(URL)
    post = client.post(URL, {"path": "configuration.yaml"})
    if role == "anonymous":
        assert get.status_code == post.status_code == 302
        assert get["Location"].startswith("/admin/login/")
    else:
        assert get.status_code == post.status_code == 403
    assert not Election.objects.exists()


def test_a_bad_file_is_reported_with_its_line_and_nothing_is_created(
    client: Any, official: Any, imports: Path
) -> None:
    client.force_login(official)
    broken = CONFIGURATION.read_text().replace("tc_seats: 4", "tc_seats: [4")
    response = client.post(URL, {"upload": _upload(broken)})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Not valid YAML" in text
    assert "line 6" in text
    no_timeframe = client.post(URL, {"upload": _upload("release: x\ntimeline: []\n")})
    assert "The file has no timeframe" in no_timeframe.content.decode()
    latin = client.post(URL, {"upload": _upload("release: caf\xe9\n".encode("latin-1"))})
    assert "not UTF-8" in latin.content.decode()
    too_big = client.post(URL, {"upload": _upload("#" * (MAX_UPLOAD_BYTES + 1))})
    assert "at most" in too_big.content.decode()
    assert not Election.objects.exists()
    assert not AuditEntry.objects.filter(action="election.create").exists()


def test_a_refused_team_leaves_nothing_half_imported(
    client: Any, official: Any, imports: Path
) -> None:
    nova = scenario_team(name="Nova", slug="nova")
    client.force_login(official)
    client.post(URL, {"path": "configuration.yaml", "slug": "taken"})
    response = client.post(URL, {"path": "configuration.yaml", "slug": "taken", "teams": [nova.pk]})
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert Election.objects.count() == 1
    assert not Election.objects.get().contests.filter(kind=ContestKind.PTL).exists()


def test_a_file_outside_the_import_directories_is_refused(
    client: Any, official: Any, imports: Path
) -> None:
    client.force_login(official)
    outside = imports.parent / "configuration.yaml"
    outside.write_bytes(CONFIGURATION.read_bytes())
    for target in (str(outside), "../configuration.yaml", str(CONFIGURATION), "missing.yaml"):
        response = client.post(URL, {"path": target})
        assert response.status_code == 200
        assert "not a file in the import directories" in response.content.decode()
    assert not Election.objects.exists()
