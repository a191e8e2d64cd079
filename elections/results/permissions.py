"""Who may steer a contest's results: officials who run the election and do not stand in it.

The rule is ``elections.permissions.refusal_reason``: officials of the election, never one
who is a candidate in the contest (they cannot tally, publish or unpublish its result).
"""

from __future__ import annotations

from typing import Any

from accounts.selectors import user_on_roll
from elections import permissions as election_permissions
from elections.models import Contest, Election
from elections.permissions import can_administer, is_candidate_in


def can_act_on_results(user: Any, contest: Contest) -> bool:
    """An official running the contest's election who is not a candidate in the contest."""

    return can_administer(user, contest.election) and not is_candidate_in(user, contest)


def refusal_reason(user: Any, contest: Contest) -> str:
    """Why ``user`` may not act on the contest's results ('' when they may)."""

    return election_permissions.refusal_reason(user, contest.election, contest)


def may_see_results(user: Any, election: Election) -> bool:
    """Whether ``user`` may see the election's results: anyone, unless its officials keep
    them for the electorate (CIVS's ``restrict_results``); then the people on a roll of one
    of its contests (a verified address of theirs on it) and the election's officials."""
    if not election.results_electorate_only:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if can_administer(user, election):
        return True
    rolls = {
        roll_id
        for pair in election.contests.values_list("roll_id", "nomination_roll_id")
        for roll_id in pair
        if roll_id is not None
    }
    return any(user_on_roll(user, roll_id) for roll_id in sorted(rolls))


def elections_with_hidden_results(user: Any) -> list[int]:
    """The elections whose results ``user`` may not see (to leave out of lists and feeds)."""
    return [
        election.pk
        for election in Election.objects.filter(results_electorate_only=True)
        if not may_see_results(user, election)
    ]
