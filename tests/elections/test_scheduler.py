"""The scheduler moves elections by their calendar (with frozen time)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from audit.models import AuditEntry
from elections import actions
from elections.models import ContestKind, ContestState, Election, Phase
from elections.tasks import advance_elections

pytestmark = pytest.mark.django_db

OPENS = datetime.datetime(2030, 3, 1, 12, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def election(
    make_election: Any, make_contest: Any, make_team: Any, contribute: Any, make_user: Any
) -> Election:
    nova = make_team("Nova", "nova")
    contribute(nova, "alice@example.org")
    make_user("alice@example.org")
    election = make_election(opens=OPENS)
    make_contest(election, team=nova)
    make_contest(election, kind=ContestKind.TC, seats=2)
    return election


def _phase(election: Election) -> str:
    election.refresh_from_db()
    return election.phase


def test_the_scheduler_walks_the_calendar(election: Election) -> None:
    with time_machine.travel(OPENS - DAY, tick=False):
        advance_elections.delay()
        assert _phase(election) == Phase.DRAFT
    with time_machine.travel(OPENS, tick=False):
        advance_elections.delay()  # the beat task, run eagerly here
        assert _phase(election) == Phase.NOMINATIONS
    with time_machine.travel(
        election.nominations_closes_at + datetime.timedelta(minutes=1), tick=False
    ):
        actions.elections_advance()
        assert _phase(election) == Phase.CAMPAIGNING
        states = set(election.contests.values_list("state", flat=True))
        assert states == {ContestState.APPOINTMENT_NEEDED}
    with time_machine.travel(election.polling_opens_at, tick=False):
        actions.elections_advance()
        assert _phase(election) == Phase.POLLING
    with time_machine.travel(election.polling_closes_at, tick=False):
        actions.elections_advance()
        assert _phase(election) == Phase.CLOSED
    moves = AuditEntry.objects.filter(action="election.phase_move").order_by("pk")
    assert [(m.detail["from"], m.detail["to"]) for m in moves] == [
        ("draft", "nominations"),
        ("nominations", "campaigning"),
        ("campaigning", "polling"),
        ("polling", "closed"),
    ]
    assert all(m.actor is None and m.actor_label == "system" for m in moves)
    assert all(m.detail["reason"].startswith("calendar:") for m in moves)


def test_running_the_scheduler_twice_moves_once(election: Election) -> None:
    with time_machine.travel(OPENS + DAY, tick=False):
        first = actions.elections_advance()
        second = actions.elections_advance()
    assert first == [(election.slug, "draft", "nominations")]
    assert second == []
    assert AuditEntry.objects.filter(action="election.phase_move").count() == 1


def test_after_downtime_the_scheduler_catches_up_phase_by_phase(election: Election) -> None:
    with time_machine.travel(OPENS, tick=False):
        actions.elections_advance()
    with time_machine.travel(election.polling_opens_at + DAY, tick=False):
        moves = actions.elections_advance()
    assert [m[2] for m in moves] == ["campaigning", "polling"]
    assert _phase(election) == Phase.POLLING


def test_a_draft_whose_nominations_have_passed_is_left_alone(election: Election) -> None:
    with time_machine.travel(election.polling_opens_at, tick=False):
        assert actions.elections_advance() == []
    assert _phase(election) == Phase.DRAFT


def test_an_election_run_by_hand_is_not_moved(election: Election, official: Any) -> None:
    actions.election_update(election=election, actor=official, auto_advance=False)
    with time_machine.travel(OPENS + DAY, tick=False):
        assert actions.elections_advance() == []
    assert _phase(election) == Phase.DRAFT


def test_without_campaigning_nominations_go_straight_to_polling(
    make_election: Any, make_contest: Any
) -> None:
    election = make_election(opens=OPENS, slug="no-campaign", campaigning_days=0)
    make_contest(election, kind=ContestKind.TC, seats=2)
    with time_machine.travel(OPENS, tick=False):
        actions.elections_advance()
    with time_machine.travel(election.nominations_closes_at, tick=False):
        assert actions.elections_advance() == [("no-campaign", "nominations", "polling")]


def test_the_scheduler_is_registered_with_celery_beat() -> None:
    from config.celery import app

    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    for name, task in (
        ("elections-advance", "elections.advance_elections"),
        ("results-tally-closed-contests", "results.tally_closed_contests"),
        ("accounts-requeue-stale-ingest-runs", "accounts.requeue_stale_ingest_runs"),
    ):
        assert schedule[name]["task"] == task and task in app.tasks
        assert schedule[name]["schedule"] == 300  # STACKVOTE_SCHEDULER_INTERVAL's default
