"""Who may steer a contest's results: officials who run the election and do not stand in it.

The rule is ``elections.permissions.refusal_reason``: officials of the election, never one
who is a candidate in the contest (they cannot tally, publish or unpublish its result).
"""

from __future__ import annotations

from typing import Any

from elections import permissions as election_permissions
from elections.models import Contest
from elections.permissions import can_administer, is_candidate_in


def can_act_on_results(user: Any, contest: Contest) -> bool:
    """An official running the contest's election who is not a candidate in the contest."""

    return can_administer(user, contest.election) and not is_candidate_in(user, contest)


def refusal_reason(user: Any, contest: Contest) -> str:
    """Why ``user`` may not act on the contest's results ('' when they may)."""

    return election_permissions.refusal_reason(user, contest.election, contest)
