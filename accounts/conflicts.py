"""Conflicts of interest in changes to who may vote.

The accounts app knows nothing of elections, yet a hand-added voter or an exclusion changes
the rolls of contests someone may stand in. The elections app registers, when it is ready,
a check that says why an official may not make such a change (they stand as a candidate);
the voter actions ask every registered check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (actor, team or None) -> why the actor may not change who may vote ('' when they may).
ConflictCheck = Callable[[Any, Any], str]
_CHECKS: list[ConflictCheck] = []


def register_voter_change_conflict(check: ConflictCheck) -> None:
    """Add ``check`` to those asked before any change to who may vote (once)."""
    if check not in _CHECKS:
        _CHECKS.append(check)


def voter_change_conflict(actor: Any, team: Any) -> str:
    """The first reason a registered check gives against ``actor`` changing ``team``'s
    voters (or everyone's, with no team); '' when there is none."""
    if actor is None:
        return ""
    for check in _CHECKS:
        reason = check(actor, team)
        if reason:
            return reason
    return ""
