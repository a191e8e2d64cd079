"""The close of polling owns what follows it: sealing and counting are queued by the move to
"closed" itself, so a result exists in the default set-up, where no scheduler (beat) runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

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


def test_results_actions_refuse_an_official_who_stands_in_the_contest(
    official: Any, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Whatever page or script calls them, publishing, unpublishing and re-counting refuse
    an official who is a candidate in the contest, and anyone who is no official."""
    import pytest

    from accounts.roles import ensure_official_group
    from elections.results import actions
    from elections.results.scenarios import scenario_build

    with django_capture_on_commit_callbacks(execute=True):
        scenario = scenario_build(official=official, slug="conflict", phase=Phase.TALLIED)
    candidate = scenario.candidates[0]
    candidate.is_staff = True
    candidate.save(update_fields=["is_staff"])
    candidate.groups.add(ensure_official_group())
    voter = scenario.electors[0]
    result = Result.objects.get(contest=scenario.contest)
    for actor in (candidate, voter):
        with pytest.raises(actions.ResultError):
            actions.result_publish(result=result, actor=actor)
        with pytest.raises(actions.ResultError):
            actions.result_tally_queue(contest=scenario.contest, actor=actor)
    actions.result_publish(result=result, actor=official)
    with pytest.raises(actions.ResultError, match="candidate"):
        actions.result_unpublish(result=result, actor=candidate, reason="I lost")
    result.refresh_from_db()
    assert result.state == "published"


def test_an_official_who_stands_cannot_close_and_the_schedulers_close_is_counted(
    official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A phase move reaches every contest of the election: an official who is a candidate
    may not make it. The seal and the count follow the scheduler's close as the system's
    work."""
    from accounts.roles import ensure_official_group
    from elections.actions.errors import IllegalPhaseMove
    from elections.results.scenarios import scenario_build, scenario_move

    scenario = scenario_build(official=official, slug="closer", phase=Phase.POLLING)
    closer = scenario.candidates[0]
    closer.is_staff = True
    closer.save(update_fields=["is_staff"])
    closer.groups.add(ensure_official_group())
    with pytest.raises(IllegalPhaseMove, match="You stand as a candidate"):
        scenario_move(scenario.election, Phase.CLOSED, actor=closer, reason="calendar")
    with django_capture_on_commit_callbacks(execute=True):
        scenario_move(scenario.election, Phase.CLOSED, actor=None, reason="")
    assert Result.objects.filter(contest=scenario.contest).exists()
