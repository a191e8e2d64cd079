"""Voters added or excluded by hand by officials, with a reason; each change is audited."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.db import transaction

from accounts.actions.errors import EligibilityError
from accounts.commitlog import (
    normalise_email,
)
from accounts.conflicts import voter_change_conflict
from accounts.models import (
    ExtraVoter,
    ExtraVoterSource,
    Team,
    User,
    VoterExclusion,
)
from accounts.roles import is_official
from audit.actions import audit_record, audit_target

logger = logging.getLogger(__name__)


# --- Voters --------------------------------------------------------------------------------


def _address(email: str) -> str:
    address = normalise_email(email)
    local, _, domain = address.partition("@")
    if not local or not domain or " " in address:
        raise EligibilityError(f"{email!r} is not an e-mail address.")
    return address


def _check_official(actor: User | None, team: Team | None = None) -> None:
    # Who may vote is changed by officials (or by operators on the command line, as "system"):
    # nobody else, whatever page or script calls this, and no official who stands as a
    # candidate where the change reaches (accounts.conflicts).
    if actor is not None and not is_official(actor):
        raise EligibilityError("Only election officials change who may vote.")
    conflict = voter_change_conflict(actor, team)
    if conflict:
        raise EligibilityError(conflict)


def _voter_detail(*, email: str, team: Team | None, reason: str) -> dict[str, Any]:
    return {"email": email, "team": team.slug if team else None, "reason": reason}


@transaction.atomic
def voter_add(
    *,
    email: str,
    reason: str,
    name: str = "",
    team: Team | None = None,
    expires_on: date | None = None,
    created_by: User | None = None,
) -> ExtraVoter:
    """Add a voter by hand (like an ``extra-acs`` entry): on ``team``'s roll and the roll of
    all official repositories, or with no team only on the latter, until ``expires_on``."""
    _check_official(created_by, team)
    if not reason.strip():
        raise EligibilityError("Say why this voter is added.")
    voter = ExtraVoter.objects.create(
        email=_address(email),
        name=name.strip(),
        reason=reason.strip(),
        team=team,
        expires_on=expires_on,
        source=ExtraVoterSource.MANUAL,
        created_by=created_by,
    )
    audit_record(
        actor=created_by,
        action="voter.add",
        target=audit_target(voter),
        detail={
            **_voter_detail(email=voter.email, team=team, reason=voter.reason),
            "expires_on": expires_on,
        },
    )
    return voter


@transaction.atomic
def voter_remove(*, voter: ExtraVoter, actor: User | None = None) -> None:
    """Remove a hand-added voter (entries from governance files change with the files)."""
    _check_official(actor, voter.team)
    if voter.source != ExtraVoterSource.MANUAL:
        raise EligibilityError(
            "This voter comes from a governance file; change the file and re-import it."
        )
    target = audit_target(voter)
    detail = _voter_detail(email=voter.email, team=voter.team, reason=voter.reason)
    voter.delete()
    audit_record(actor=actor, action="voter.remove", target=target, detail=detail)


@transaction.atomic
def voter_exclude(
    *, email: str, reason: str, team: Team | None = None, created_by: User | None = None
) -> VoterExclusion:
    """Keep an address (and the account that verified it) off ``team``'s roll, or off every
    roll with no team."""
    _check_official(created_by, team)
    if not reason.strip():
        raise EligibilityError("Say why this address is excluded.")
    exclusion, _ = VoterExclusion.objects.update_or_create(
        email=_address(email),
        team=team,
        defaults={"reason": reason.strip(), "created_by": created_by},
    )
    audit_record(
        actor=created_by,
        action="voter.exclude",
        target=audit_target(exclusion),
        detail=_voter_detail(email=exclusion.email, team=team, reason=exclusion.reason),
    )
    return exclusion


@transaction.atomic
def voter_unexclude(*, exclusion: VoterExclusion, actor: User | None = None) -> None:
    """Lift an exclusion: the address counts again wherever its contributions put it."""
    _check_official(actor, exclusion.team)
    target = audit_target(exclusion)
    detail = _voter_detail(email=exclusion.email, team=exclusion.team, reason=exclusion.reason)
    exclusion.delete()
    audit_record(actor=actor, action="voter.unexclude", target=target, detail=detail)
