"""Feeds and result pages carry the contests decided without a poll: elected by acclamation,
or left for an appointment, and the polls of an imported cycle as its record says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import feedparser
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db

ELECTION = Path(__file__).resolve().parents[3] / "data/openstack/election"
QUIET = {"stdout": open("/dev/null", "w")}  # noqa: SIM115


@pytest.fixture
def replayed() -> str:
    call_command(
        "import_election",
        str(ELECTION / "configurations/2026.1-combined.yaml"),
        "--candidates",
        str(ELECTION / "candidates/2026.1"),
        "--exceptions",
        str(ELECTION / "exceptions.txt"),
        **QUIET,
    )
    call_command("import_results", str(ELECTION / "results/2026.1"), **QUIET)
    return "2026-1-combined"


def test_the_feeds_list_acclaimed_and_leaderless_contests(replayed: str, client: Client) -> None:
    for url in (
        reverse("results_feed_rss"),
        reverse("results_feed_atom"),
        reverse("results_election_feed_atom", args=[replayed]),
    ):
        feed = feedparser.parse(client.get(url).content)
        assert not feed.bozo, feed.bozo_exception
        titles = {entry.title for entry in feed.entries}
        assert "Adjutant PTL: Dale Smith (elected by acclamation)" in titles
        assert "Venus PTL: no candidate, appointment needed" in titles
        # 33 acclaimed and 4 leaderless contests: the two polls were counted elsewhere.
        assert len(feed.entries) == 37
        venus = next(e for e in feed.entries if e.title.startswith("Venus PTL"))
        assert venus.id.startswith("tag:") and venus.id.endswith("/venus/appointment_needed")
        assert venus.link.endswith(f"/results/{replayed}/#venus")
        # Settled when its nominations closed, not when it was imported.
        assert venus.published_parsed[:3] == (2025, 8, 20)


def test_the_feed_costs_the_same_queries_for_more_settled_contests(
    replayed: str, client: Client, make_team: Any
) -> None:
    url = reverse("results_feed_rss")
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    call_command(
        "import_election",
        str(ELECTION / "configurations/2026.2-combined.yaml"),
        "--candidates",
        str(ELECTION / "candidates/2026.1"),
        "--slug",
        "another",
        **QUIET,
    )
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    assert len(second.captured_queries) == len(first.captured_queries)


def test_the_results_page_shows_polls_held_elsewhere_with_their_winners(
    replayed: str, client: Client
) -> None:
    page = client.get(reverse("results_election", args=[replayed])).content.decode()
    assert 'id="horizon"' in page
    assert "Tatiana Ovchinnikova" in page
    assert 'href="https://civs1.civs.us/cgi-bin/results.pl?id=E_2cbcfa05fd0ec211"' in page
    assert "Elected by acclamation" in page and "Appointment needed" in page
