"""The beat task that starts tallies after the close, the demo, settings checks, query counts."""

from __future__ import annotations

from typing import Any

import feedparser
import pytest
from django.core.checks import run_checks
from django.test import Client
from django.urls import reverse

from elections.results import actions
from elections.results.models import Result, TallyRun, TallyRunState
from elections.results.tasks import tally_closed_contests

pytestmark = pytest.mark.django_db


def test_the_beat_task_seals_and_tallies_every_closed_poll_once(
    polled_contest: Any, django_capture_on_commit_callbacks: Any
) -> None:
    first = polled_contest()
    second = polled_contest()
    with django_capture_on_commit_callbacks(execute=True):
        started = tally_closed_contests.delay().get()
    assert sorted(started) == sorted([first.pk, second.pk])
    assert Result.objects.filter(contest__in=[first, second]).count() == 2
    # Both are tallied now: the next run finds nothing to do.
    with django_capture_on_commit_callbacks(execute=True):
        assert tally_closed_contests.delay().get() == []


def test_the_beat_task_leaves_a_failed_tally_to_the_officials(
    polled_contest: Any, django_capture_on_commit_callbacks: Any
) -> None:
    contest = polled_contest()
    TallyRun.objects.create(
        contest=contest, task_id="failed-once", state=TallyRunState.FAILED, error="Worker lost"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tally_closed_contests.delay().get() == []
    assert not Result.objects.filter(contest=contest).exists()


def test_misconfigured_chunk_size_stops_start_up_with_a_check(settings: Any) -> None:
    settings.STACKVOTE_TALLY_CHUNK_SIZE = 0
    assert "results.E001" in {message.id for message in run_checks()}


def test_feeds_and_api_lists_use_the_same_number_of_queries_for_more_results(
    polled_contest: Any,
    official: Any,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def publish_one() -> None:
        contest = polled_contest()
        with django_capture_on_commit_callbacks(execute=True):
            actions.contest_close_and_tally(contest=contest)
        actions.result_publish(result=Result.objects.get(contest=contest), actor=official)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    urls = [
        reverse("results_feed_rss"),
        reverse("results_feed_atom"),
        reverse("api_results"),
        reverse("results_index"),
    ]
    publish_one()
    before = [queries(url) for url in urls]
    publish_one()
    publish_one()
    assert [queries(url) for url in urls] == before


def test_the_demo_holds_a_published_past_election_and_loads_once(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    from accounts.demo import load_people
    from elections.results.demo import DEMO_SLUG, load_results

    load_people()
    with django_capture_on_commit_callbacks(execute=True):
        election = load_results()
    assert election is not None and election.slug == DEMO_SLUG
    election.refresh_from_db()
    assert election.phase == "published"
    assert load_results() is None
    assert Result.objects.published().filter(contest__election=election).count() == 2
    feed = feedparser.parse(client.get(reverse("results_feed_atom")).content)
    # The two counted polls, and the two contests settled without one.
    assert len(feed.entries) == 4
    titles = {entry.title for entry in feed.entries}
    assert any(title.endswith("(elected by acclamation)") for title in titles)
    assert "Release Management PTL: Priya Natarajan (appointed)" in titles
    page = client.get(reverse("results_election", args=[DEMO_SLUG])).content.decode()
    assert "Elected by acclamation" in page
    # Nobody stood for Release Management PTL: the demo records the TC's appointment.
    assert "Appointed</span> Priya Natarajan by the Technical Committee" in page


def test_a_tally_lost_on_the_way_to_the_broker_is_queued_again_when_stale(
    polled_contest: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    import datetime

    from django.utils import timezone

    contest = polled_contest()
    lost = TallyRun.objects.create(contest=contest, task_id="never-arrived")
    with django_capture_on_commit_callbacks(execute=True):
        assert tally_closed_contests.delay().get() == []  # still fresh: maybe under way
    settings.STACKVOTE_TALLY_LOCK_SECONDS = 60
    TallyRun.objects.filter(pk=lost.pk).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tally_closed_contests.delay().get() == [contest.pk]
    assert Result.objects.filter(contest=contest).count() == 1
