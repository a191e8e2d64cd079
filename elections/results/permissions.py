"""Who may steer a contest's results: officials who run the election and do not stand in it.

Building on ``elections.permissions.can_administer`` (officials of the election), this adds
the conflict rule of issue 7: an official who is a candidate in a contest cannot tally,
publish or unpublish that contest's result.
"""

from __future__ import annotations

from typing import Any

from elections.models import Contest
from elections.permissions import can_administer


def is_candidate_in(user: Any, contest: Contest) -> bool:
    """True when ``user`` has a candidacy in the contest (in any state: a withdrawn or
    rejected candidate still has a stake in who wins)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return contest.candidacies.filter(candidate_id=user.pk).exists()


def can_act_on_results(user: Any, contest: Contest) -> bool:
    """An official running the contest's election who is not a candidate in the contest."""

    return can_administer(user, contest.election) and not is_candidate_in(user, contest)


def refusal_reason(user: Any, contest: Contest) -> str:
    """Why ``user`` may not act on the contest's results ('' when they may)."""

    if not can_administer(user, contest.election):
        return "Only the officials who run this election may do this."
    if is_candidate_in(user, contest):
        return (
            f"You stand as a candidate in {contest.name}, so you cannot act on its result; "
            "ask another official."
        )
    return ""
