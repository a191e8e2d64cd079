"""A team's leadership across cycles: the archive's per-team turnout stored by
``import_results``, polls counted here with their own, and the team's history page."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.models import Team
from elections.models import Contest, CycleOfRecord, Election
from tests.builders import build_world

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[3] / "data/openstack/election"
RESULTS = DATA / "results"


def _import(*releases: str) -> None:
    for release in releases:
        call_command(
            "import_results",
            str(RESULTS / release),
            "--configurations",
            str(DATA / "configurations"),
            stdout=io.StringIO(),
        )


def _history(team: str, client: Client | None = None) -> str:
    slug = Team.objects.get(name__iexact=team).slug
    response = (client or Client()).get(reverse("results_team_history", args=[slug]))
    assert response.status_code == 200
    return response.content.decode()


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [" ".join(row.split()) for row in body.split("<tr>")[1:]]


def test_the_archives_turnout_is_stored_on_the_polls_it_describes() -> None:
    """train's ptl.yaml: Nova 81 of 194, OpenStack_Charms 23 of 68."""
    _import("train")
    train = Election.objects.get(release="train")
    figures = {
        c.team.name: (c.electorate_of_record, c.voters_of_record)
        for c in train.contests.filter(voters_of_record__isnull=False).select_related("team")
    }
    assert figures == {"Nova": (194, 81), "OpenStack Charms": (68, 23)}
    # Contests the archive gives no figures for (acclamations here) have none.
    assert train.contests.filter(electorate_of_record__isnull=True).count() == (
        train.contests.count() - 2
    )


def test_cycles_no_election_can_hold_are_kept_as_the_archives_record() -> None:
    """ocata and 2025.2 have no configuration, rocky's is TC-only: their PTL outcomes are
    kept per team (no election is invented), with turnout where the archive gives it."""
    out = io.StringIO()
    for release in ("ocata", "rocky", "2025.2"):
        call_command(
            "import_results", str(RESULTS / release),
            "--configurations", str(DATA / "configurations"), stdout=out,
        )  # fmt: skip
    assert "ocata: skipped" in out.getvalue()
    assert "the outcomes of its" in out.getvalue()
    assert list(Election.objects.values_list("release", flat=True)) == ["rocky"]
    kolla = {row.release: row for row in CycleOfRecord.objects.filter(team__name="Kolla")}
    assert (kolla["ocata"].electorate, kolla["ocata"].voters) == (174, 77)
    assert (kolla["rocky"].electorate, kolla["rocky"].voters) == (186, 71)
    assert kolla["rocky"].winners == ["Jeffrey Zhang"]
    assert kolla["rocky"].outcome == CycleOfRecord.Outcome.POLLED
    assert kolla["rocky"].result_url.startswith("https://civs")
    leaderless = CycleOfRecord.objects.filter(outcome=CycleOfRecord.Outcome.LEADERLESS)
    assert {row.team.name for row in leaderless} >= {"Barbican", "Masakari", "Oslo"}
    assert all(row.winners == [] and row.release == "2025.2" for row in leaderless)
    # Importing again updates the rows rather than adding more.
    count = CycleOfRecord.objects.count()
    _import("ocata")
    assert CycleOfRecord.objects.count() == count


def test_a_teams_page_lists_its_cycles_with_turnout_where_known() -> None:
    _import("ocata", "rocky", "stein", "train", "2026.1")
    rows = _rows(_history("Kolla"))
    cycles = [row.split("</th>")[0].rsplit("</a>", 1)[0].rsplit(">", 1)[1] for row in rows]
    assert cycles == ["2026.1", "train", "stein", "rocky", "ocata"]
    rocky = rows[3]
    assert "Elected in a poll held outside stackvote" in rocky and "Jeffrey Zhang" in rocky
    assert "<td>186</td> <td>71</td> <td>38.17%</td>" in rocky
    assert "published result" in rocky and "From the published archive only." in rocky
    assert "<td>174</td> <td>77</td> <td>44.25%</td>" in rows[4]
    acclaimed = rows[0]
    assert "Elected by acclamation" in acclaimed and "Michal Nasiadka" in acclaimed
    assert "No poll held" in acclaimed


def test_a_poll_held_elsewhere_without_figures_says_turnout_is_not_known() -> None:
    _import("2026.1")
    rows = _rows(_history("Horizon"))
    assert len(rows) == 1
    assert "Tatiana Ovchinnikova" in rows[0]
    assert "Turnout not known" in rows[0]


def test_the_election_page_shows_the_archives_turnout() -> None:
    _import("train")
    election = Election.objects.get(release="train")
    page = Client().get(reverse("results_election", args=[election.slug])).content.decode()
    nova = page.split('id="nova', 1)[1].split("</tr>", 1)[0]
    assert "<td>194</td>" in nova and "<td>81</td>" in nova and "41.75%" in nova
    assert "Nova across cycles" in nova


def test_figures_that_cannot_be_are_refused_naming_the_team(tmp_path: Path) -> None:
    bad = tmp_path / "train"
    bad.mkdir()
    text = (RESULTS / "train/ptl.yaml").read_text()
    (bad / "ptl.yaml").write_text(text.replace("votes_cast: 81", "votes_cast: 810", 1))
    with pytest.raises(CommandError, match="election_statistics.Nova: 810 votes cast from"):
        call_command(
            "import_results", str(bad), "--configurations", str(DATA / "configurations"),
            stdout=io.StringIO(),
        )  # fmt: skip
    assert not Election.objects.exists()


@pytest.fixture
def world(
    official: Any,
    make_user: Any,
    make_team: Any,
    contribute: Any,
    django_capture_on_commit_callbacks: Any,
) -> Any:
    return build_world(
        official=official,
        make_user=make_user,
        make_team=make_team,
        contribute=contribute,
        capture_on_commit=django_capture_on_commit_callbacks,
        label="<b>x</b>",
    )


def test_a_poll_counted_here_gives_its_own_turnout(world: Any) -> None:
    page = _history(world.team.name)
    rows = _rows(page)
    published = next(row for row in rows if "Elected in a poll counted here" in row)
    result = world.result
    assert f"<td>{result.electorate_size}</td> <td>{result.ballot_count}</td>" in published
    assert f"{result.turnout_percent}%" in published
    # What a person typed is shown as text.
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_results_kept_for_the_electorate_are_left_out_for_others(world: Any) -> None:
    Election.objects.filter(pk=world.published_election.pk).update(results_electorate_only=True)
    page = _history(world.team.name)
    assert "Elected in a poll counted here" not in page
    elector = Client()
    elector.force_login(world.elector)
    assert "Elected in a poll counted here" in _history(world.team.name, elector)


def test_the_page_reads_a_fixed_number_of_queries(django_assert_max_num_queries: Any) -> None:
    _import("ocata", "rocky", "train", "ussuri", "2026.1")
    assert Contest.objects.filter(team__name="Kolla").count() == 3
    assert CycleOfRecord.objects.filter(team__name="Kolla").count() == 2
    with django_assert_max_num_queries(12):
        _history("Kolla")


def test_an_unknown_team_is_not_found() -> None:
    assert Client().get(reverse("results_team_history", args=["nope"])).status_code == 404
