"""Errors an official can cause in the results app."""

from __future__ import annotations

from typing import Any

from elections.models import Contest
from elections.results import permissions


class ResultError(Exception):
    """A refused request; ``str(error)`` is a message for the person who made it."""


class BallotsChanged(ResultError):
    """The ballots differ from those a chunked tally started with; the tally starts again."""


# A contest is tallied once its poll is over; re-tallying a tallied or published contest is
# allowed (it finds the stored result when the ballots are the same).


def authorise(actor: Any, contest: Contest) -> None:
    """Refuse anyone but an official who runs the contest's election and does not stand in
    it. ``None`` is the scheduler or an operator's script, acting as the system."""
    if actor is None:
        return
    reason = permissions.refusal_reason(actor, contest)
    if reason:
        raise ResultError(reason)
