"""Notices whose moment passed long ago (the site deployed onto elections already under way or
done, the scheduler stopped for days) are recorded as missed, not sent; officials see them on
the notices page and may send one deliberately. Through a real SMTP server on loopback."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from elections import actions
from elections.models import (
    Invitation,
    InvitationState,
    NoticeRun,
    NoticeRunState,
    Notification,
    NotificationState,
    Phase,
)
from elections.results.scenarios import scenario_build
from tests.smtpsink import SmtpSink

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_long_ago(smtp: SmtpSink, official: Any) -> Any:
    """An election run to its published results before the notice calendar existed: no
    notice was ever recorded for it."""
    scenario = scenario_build(official=official, slug="2026-old", phase=Phase.PUBLISHED)
    NoticeRun.objects.filter(election=scenario.election).delete()
    # Its mail went at the time.
    Notification.objects.update(state=NotificationState.SENT, sent_at=timezone.now())
    Invitation.objects.update(state=InvitationState.SENT, sent_at=timezone.now())
    smtp.received.clear()
    return scenario


def test_the_first_scheduler_run_records_old_notices_missed_and_sends_none(
    smtp: SmtpSink,
    published_long_ago: Any,
    official: Any,
    client: Client,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.STACKVOTE_NOTICE_GRACE_DAYS = 2
    election = published_long_ago.election
    later = timezone.now() + datetime.timedelta(days=3)  # past the grace window
    for _ in range(2):
        with (
            time_machine.travel(later, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            actions.elections_advance(now=later)
    assert smtp.received == []
    runs = dict(NoticeRun.objects.filter(election=election).values_list("kind", "state"))
    assert runs["results"] == NoticeRunState.MISSED
    assert set(runs.values()) == {NoticeRunState.MISSED}
    assert AuditEntry.objects.filter(action="election.notice_missed").count() == len(runs)

    # The officials see it missed, and send it deliberately: it goes to the electorate once.
    client.force_login(official)
    url = reverse("officials_notice", kwargs={"slug": election.slug, "kind": "results"})
    page = client.get(url).content.decode()
    assert "missed: not sent, its moment had passed" in page
    assert "Send results now" in page
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"send": "1"}).status_code == 302
    electorate = set(smtp.recipients())
    assert electorate and all(
        r.message()["Subject"] == f"Results: {election.name}" for r in smtp.received
    )
    assert len(smtp.received) == len(electorate)
    assert NoticeRun.objects.get(election=election, kind="results").state == "queued"
    entry = AuditEntry.objects.filter(action="election.notice_queued").latest("pk")
    assert entry.detail["kind"] == "results" and entry.actor_id == official.pk
    # Not twice, neither by the scheduler nor by a second click.
    smtp.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"send": "1"})
        actions.elections_advance(now=later)
    assert smtp.received == []


def test_within_the_grace_window_the_results_notice_still_goes(
    smtp: SmtpSink, published_long_ago: Any, django_capture_on_commit_callbacks: Any
) -> None:
    soon = timezone.now() + datetime.timedelta(days=1)
    with time_machine.travel(soon, tick=False), django_capture_on_commit_callbacks(execute=True):
        actions.elections_advance(now=soon)
    assert smtp.received and all(
        r.message()["Subject"].startswith("Results:") for r in smtp.received
    )
    run = NoticeRun.objects.get(election=published_long_ago.election, kind="results")
    assert run.state == NoticeRunState.QUEUED


def test_a_notice_out_of_its_phase_cannot_be_sent_by_hand(
    published_long_ago: Any, official: Any, make_user: Any
) -> None:
    election = published_long_ago.election
    with pytest.raises(actions.ElectionError, match="nominations"):
        actions.election_notice_queue(election=election, kind="nominations_kickoff", actor=official)
    with pytest.raises(actions.ElectionError):
        actions.election_notice_queue(
            election=election, kind="results", actor=make_user("voter@example.net")
        )
    assert not NoticeRun.objects.filter(election=election, state="queued").exists()


def test_operators_send_a_missed_notice_from_the_command_line(
    smtp: SmtpSink,
    published_long_ago: Any,
    official: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from io import StringIO

    from django.core.management import call_command

    election = published_long_ago.election
    later = timezone.now() + datetime.timedelta(days=3)
    with time_machine.travel(later, tick=False):
        actions.elections_advance(now=later)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "election", election.slug, "--actor", official.email, "notice", "results", stdout=out
        )
    assert "results: queued for" in out.getvalue()
    assert (
        smtp.received and NoticeRun.objects.get(election=election, kind="results").state == "queued"
    )


def test_a_draft_left_past_its_dates_misses_nothing_its_officials_may_still_redate_it(
    smtp: SmtpSink, make_election: Any
) -> None:
    election = make_election(slug="stale-draft")
    long_after = election.polling_closes_at + datetime.timedelta(days=30)
    with time_machine.travel(long_after, tick=False):
        actions.elections_advance(now=long_after)
    election.refresh_from_db()
    assert election.phase == Phase.DRAFT
    assert not NoticeRun.objects.filter(election=election).exists()
    assert smtp.received == []
