"""The database going away mid-cast (bench/faults.py, PostgreSQL restarted during casting).

While PostgreSQL restarts, most casts fail before the cast service runs: loading the signed-in
user (``login_required``) or the contest meets the dead connection. Those were 500s; the voter
must get the same 503 "not recorded, try again" page as a failure inside the cast.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import reverse

from elections.models import Contest
from elections.voting.models import VoterRecord

from .box import sealed_count
from .test_views import RECEIPT, ranks, signed_in

pytestmark = pytest.mark.django_db


def _down(*args: Any, **kwargs: Any) -> Any:
    raise OperationalError("server closed the connection unexpectedly")


def _closed(*args: Any, **kwargs: Any) -> Any:
    # What the next query meets on a connection the restart dropped; not a DatabaseError.
    raise InterfaceError("connection already closed")


def _assert_not_recorded(page: Any, contest: Contest) -> None:
    html = page.content.decode()
    assert page.status_code == 503
    assert "not recorded" in html and "try again" in html
    assert reverse("ballot", args=[contest.pk]) in html
    assert not RECEIPT.search(html)
    assert "no-cache" in page["Cache-Control"]
    assert sealed_count(contest) == 0
    assert not VoterRecord.objects.filter(contest=contest).exists()


@pytest.mark.parametrize("failure", [_down, _closed], ids=["operational", "closed"])
def test_outage_while_loading_the_signed_in_voter_is_not_recorded(
    poll: Contest, elector: Any, monkeypatch: pytest.MonkeyPatch, failure: Any
) -> None:
    client = signed_in(elector)
    # The session is read, but the user row behind it cannot be (and neither can it be for
    # the page saying so: it is shown as to a visitor).
    monkeypatch.setattr("accounts.backends.user_by_id", failure)
    page = client.post(reverse("ballot", args=[poll.pk]), {**ranks(poll, A="1"), "step": "confirm"})
    _assert_not_recorded(page, poll)


def test_outage_while_loading_the_contest_is_not_recorded(
    poll: Contest, elector: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from elections.voting import views

    client = signed_in(elector)
    monkeypatch.setattr(views, "_contest_or_404", _down)
    page = client.post(reverse("ballot", args=[poll.pk]), {**ranks(poll, A="1"), "step": "confirm"})
    _assert_not_recorded(page, poll)


def test_outage_outside_a_cast_is_still_an_error(
    poll: Contest, elector: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a cast is answered "not recorded": a ballot page or a review has nothing to
    record, and the usual error handling (500 page, logged) applies."""
    from elections.voting import views

    client: Client = signed_in(elector)
    monkeypatch.setattr(views, "_contest_or_404", _down)
    with pytest.raises(OperationalError):
        client.get(reverse("ballot", args=[poll.pk]))
    with pytest.raises(OperationalError):
        client.post(reverse("ballot", args=[poll.pk]), {**ranks(poll, A="1"), "step": "review"})
