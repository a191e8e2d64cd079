"""The close of polling owns what follows it: sealing and counting are queued by the move to
"closed" itself, so a result exists in the default set-up, where no scheduler (beat) runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from elections.models import Contest, ContestState, Phase
from elections.results.models import Result
from elections.voting.models import BallotBoxSeal


def test_closing_the_poll_seals_and_counts_without_a_scheduler(
    polled_contest: Callable[..., Contest], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        contest = polled_contest(ballots=((1, 2, 3), (1, 3, 2), (2, 1, 3)))
    contest.refresh_from_db()
    assert BallotBoxSeal.objects.filter(contest=contest).exists()
    result = Result.objects.get(contest=contest)
    assert result.ballot_count == 3
    assert contest.state == ContestState.TALLIED
    assert contest.election.phase == Phase.TALLIED


def test_the_close_queues_nothing_before_it_commits(
    polled_contest: Callable[..., Contest], django_capture_on_commit_callbacks: Any
) -> None:
    """Until the move commits, nothing is sealed or counted (a rolled-back close leaves the
    ballots as they were)."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        contest = polled_contest()
    assert callbacks, "the close queued its seal-and-count for after the commit"
    assert not BallotBoxSeal.objects.filter(contest=contest).exists()
    assert not Result.objects.filter(contest=contest).exists()
