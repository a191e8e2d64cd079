"""The eligibility page explains the window of the election people are about to vote in."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from accounts.actions import commits_ingest
from elections.actions import contest_create, election_create, election_phase_move
from elections.models import Phase

pytestmark = pytest.mark.django_db
URL = "/eligibility/"


def _election(slug: str, window_start: str, window_end: str) -> Any:
    now = timezone.now()
    closes = now + datetime.timedelta(days=15)
    election = election_create(
        actor=None,
        name=f"Election {slug}",
        slug=slug,
        nominations_opens_at=now - datetime.timedelta(hours=1),
        nominations_closes_at=closes,
        polling_opens_at=closes,
        polling_closes_at=closes + datetime.timedelta(days=20),
        window_start=datetime.date.fromisoformat(window_start),
        window_end=datetime.date.fromisoformat(window_end),
    )
    contest_create(election=election, actor=None, kind="tc", name="TC", slug="tc", seats=2)
    election_phase_move(election=election, to_phase=Phase.NOMINATIONS, actor=None, reason="")
    return election


@pytest.fixture
def nova_commit(governance: None, make_repo: Any, settings: Any) -> None:
    settings.STACKVOTE_ELIGIBILITY_START = "2025-09-12"
    settings.STACKVOTE_ELIGIBILITY_END = "2026-08-19"
    nova = make_repo("openstack/nova")
    nova.commit(author=("Late", "late@example.org"), committed="2026-10-01T00:00:00Z")
    commits_ingest(repositories=["openstack/nova"])


def test_page_uses_the_window_of_the_open_election(
    client: Any, make_user: Any, nova_commit: None
) -> None:
    client.force_login(make_user("late@example.org"))
    # Outside the configured default window, the October commit does not count...
    assert "On the roll" not in client.get(URL).content.decode()

    _election("2027-2", "2025-11-01", "2026-11-01")
    page = client.get(URL).content.decode()
    # ...but it does in the qualifying window of the election now taking nominations.
    assert "For <strong>Election 2027-2</strong>" in page
    assert "2025-11-01" in page and "2026-11-01" in page
    assert "On the roll" in page


def test_page_can_explain_another_open_election(
    client: Any, make_user: Any, nova_commit: None
) -> None:
    client.force_login(make_user("late@example.org"))
    _election("early", "2025-01-01", "2025-06-01")
    _election("late", "2025-11-01", "2026-11-01")
    page = client.get(URL + "?election=early").content.decode()
    assert "For <strong>Election early</strong>" in page
    assert "On the roll" not in page
    assert "?election=late" in page
    assert "On the roll" in client.get(URL + "?election=late").content.decode()
