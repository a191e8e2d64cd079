"""manage.py demo builds live elections on the real governance teams, and is idempotent."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from audit.models import AuditEntry
from audit.selectors import audit_chain_breaks
from elections.demo import NOMINATIONS_SLUG, POLLING_SLUG
from elections.models import CandidacyState, ContestState, Election, Phase
from elections.selectors import user_is_elector

pytestmark = pytest.mark.django_db


def _snapshot() -> tuple[int, ...]:
    from accounts.models import Contribution, Team

    return (
        Election.objects.count(),
        AuditEntry.objects.count(),
        Team.objects.count(),
        Contribution.objects.count(),
    )


def test_demo_has_a_ptl_poll_a_tc_poll_and_a_contest_in_nominations(
    settings: Any, client: Client
) -> None:
    from accounts.models import User

    settings.DEBUG = True
    call_command("demo", stdout=io.StringIO())
    polling = Election.objects.get(slug=POLLING_SLUG)
    assert polling.phase == Phase.POLLING
    states = dict(polling.contests.values_list("slug", "state"))
    assert states == {
        "nova": ContestState.POLLING,
        "swift": ContestState.ACCLAIMED,
        "tc": ContestState.POLLING,
    }
    nova = polling.contests.get(slug="nova")
    assert nova.is_polling() and nova.team.slug == "nova"
    alice = User.objects.get(email="alice@example.org")  # contributes with her work address
    carol = User.objects.get(email="carol@example.org")  # Nova address not verified
    assert user_is_elector(alice, nova) and not user_is_elector(carol, nova)
    nominations = Election.objects.get(slug=NOMINATIONS_SLUG)
    assert nominations.phase == Phase.NOMINATIONS
    cinder = nominations.contests.get(slug="cinder")
    assert set(cinder.candidacies.values_list("state", flat=True)) == {
        CandidacyState.SUBMITTED,
        CandidacyState.APPROVED,
    }
    assert nominations.contests.get(slug="release-name").options.count() == 3
    assert audit_chain_breaks() == []
    for url in (
        polling.get_absolute_url(),
        nova.get_absolute_url(),
        nominations.get_absolute_url(),
        cinder.get_absolute_url(),
        "/",
        "/elections/",
    ):
        assert client.get(url).status_code == 200, url

    before = _snapshot()
    call_command("demo", stdout=io.StringIO())
    assert _snapshot() == before


def test_the_demo_runs_twice_without_failed_mail_and_prints_every_election(
    settings: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    """The mail queued on the way is sent as the story reaches it (none fails because its poll
    had closed by the time it went), the past election's phases ran for days, in the past, and
    the command names each of the three elections, on the first run and the next."""
    import datetime

    from django.utils import timezone

    from elections.models import Notification, NotificationState
    from elections.results.demo import DEMO_SLUG

    settings.DEBUG = True
    outputs = []
    for _ in range(2):
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("demo", stdout=out)
        outputs.append(out.getvalue())
    assert Election.objects.count() == 3
    for output in outputs:
        for election in Election.objects.all():
            assert f"election: {election.name} ({election.get_phase_display()})" in output
    assert Notification.objects.exists()
    assert not Notification.objects.filter(state=NotificationState.FAILED).exists()
    assert not Notification.objects.filter(state=NotificationState.PENDING).exists()
    past = Election.objects.get(slug=DEMO_SLUG)
    day = datetime.timedelta(days=1)
    assert past.nominations_closes_at - past.nominations_opens_at >= 14 * day
    assert past.polling_closes_at - past.polling_opens_at >= 14 * day
    assert past.polling_closes_at < timezone.now() - 30 * day
    page = client.get(f"/results/{DEMO_SLUG}/").content.decode()
    assert "Appointed" in page and "by the Technical Committee" in page
