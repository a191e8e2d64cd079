"""Freezing the rolls an election's contests hang on (the roll itself is accounts' business)."""

from __future__ import annotations

import logging
from typing import Any

from accounts.actions import roll_freeze
from accounts.electorate import Addition
from accounts.membership import NoMembershipList
from audit.actions import audit_record, audit_target
from elections.actions.errors import ElectionError
from elections.models import Contest, ContestElectorate
from elections.selectors import roll_size

logger = logging.getLogger(__name__)


# --- Rolls -------------------------------------------------------------------------------


def _freeze(contest: Contest, actor: Any) -> Any:

    # A contest's electorate: the team's contributors for a PTL contest (or a team-scoped
    # community vote); everyone who contributed to an official repository otherwise; and
    # the contest's own list, with them or alone. Listed voters belong to this contest only.
    listed = [
        Addition(email=voter.email, name=voter.name, reason=f"on the voter list ({voter.source})")
        for voter in contest.listed_voters.order_by("email")
    ]
    # An election requiring Foundation membership (OpenStack charter: the electorate is the
    # individual members who contributed) keeps only members on the rolls that count
    # contributions; a list-only electorate is the officials' own list, taken as given.
    commits = contest.electorate != ContestElectorate.LIST
    try:
        return roll_freeze(
            team=contest.team if contest.team_id else None,
            start=contest.election.window_start,
            end=contest.election.window_end,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            listed=listed if contest.electorate != ContestElectorate.COMMITS else (),
            commits=commits,
            scope="" if commits else f"list: {contest.name}",
            members_only=contest.election.requires_membership and commits,
        )
    except NoMembershipList as error:
        raise ElectionError(f"{contest.election.name}: {error}") from error


def _roll_detail(roll: Any) -> dict[str, Any]:
    return {"roll": roll.pk, "fingerprint": roll.fingerprint, "size": _roll_size(roll)}


def _roll_size(roll: Any) -> int:

    return roll_size(roll)


def _freeze_nomination_roll(*, contest: Contest, actor: Any) -> None:
    roll = _freeze(contest, actor)
    contest.nomination_roll = roll
    contest.save(update_fields=["nomination_roll"])
    audit_record(
        actor=actor,
        action="contest.nomination_roll_freeze",
        target=audit_target(contest),
        detail=_roll_detail(roll),
    )
