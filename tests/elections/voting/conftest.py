"""Polls to vote in, built through the real actions: hand-added voters (accounts), an
election walked through its calendar (elections), and rolls frozen on the way."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.utils import timezone

from elections.models import Contest, Phase

OPTIONS = ("Ada Lovelace", "Brian Kernighan", "Carol Shaw", "Dennis Ritchie")
PASSWORD = "correct horse battery staple"


def _calendar() -> dict[str, Any]:
    """Nominations open now, polling later; the phase moves pull the boundaries to now."""
    now = timezone.now()
    nominations_closes_at = now + datetime.timedelta(days=15)
    return {
        "nominations_opens_at": now - datetime.timedelta(hours=1),
        "nominations_closes_at": nominations_closes_at,
        # No campaigning: polling opens as nominations close (OpenStack PTL elections).
        "polling_opens_at": nominations_closes_at,
        "polling_closes_at": nominations_closes_at + datetime.timedelta(days=20),
        "window_start": (now - datetime.timedelta(days=365)).date(),
        "window_end": now.date(),
    }


@pytest.fixture
def make_poll(db: Any) -> Callable[..., Contest]:
    """A community vote in polling whose electorate is exactly ``electors``."""
    from accounts.actions import voter_add
    from elections.actions import (
        contest_create,
        election_create,
        election_phase_move,
        option_create,
    )

    added: set[str] = set()
    made = 0

    def make(
        *,
        electors: Sequence[Any] = (),
        options: Sequence[str] = OPTIONS,
        name: str = "Release name",
    ) -> Contest:
        nonlocal made
        made += 1
        for user in electors:
            if user.email not in added:
                voter_add(email=user.email, reason="Elector in a test poll")
                added.add(user.email)
        election = election_create(
            actor=None,
            name=f"Community vote {made}",
            slug=f"community-vote-{made}",
            **_calendar(),
        )
        contest = contest_create(
            election=election, actor=None, kind="community", name=name, slug=f"poll-{made}"
        )
        for option in options:
            option_create(contest=contest, actor=None, name=option)
        election_phase_move(election=election, to_phase=Phase.NOMINATIONS, actor=None, reason="")
        election_phase_move(election=election, to_phase=Phase.POLLING, actor=None, reason="")
        return Contest.objects.select_related("election").get(pk=contest.pk)

    return make


@pytest.fixture
def close_poll() -> Callable[[Contest], Contest]:
    """End polling as the election's close does, then seal the ballot box."""
    from elections.actions import election_phase_move
    from elections.voting.actions import ballots_seal

    def close(contest: Contest, *, seal: bool = True) -> Contest:
        election_phase_move(election=contest.election, to_phase=Phase.CLOSED, actor=None, reason="")
        contest = Contest.objects.select_related("election").get(pk=contest.pk)
        if seal:
            ballots_seal(contest=contest)
        return contest

    return close


@pytest.fixture
def elector(make_user: Any) -> Any:
    return make_user("elector@example.org", full_name="Eve Elector")


@pytest.fixture
def poll(make_poll: Callable[..., Contest], elector: Any) -> Contest:
    return make_poll(electors=[elector])


def option_keys(contest: Contest) -> dict[str, str]:
    """Option name -> choice key."""
    return {choice.label: choice.key for choice in contest.ballot_choices()}
