"""The one writer of ``Contest.state``: settling a contest when nominations close, moving the
contests with their election's phase, and marking one counted."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.actions import audit_record, audit_target
from elections.actions.errors import ElectionError
from elections.actions.rolls import _freeze, _roll_detail
from elections.models import (
    Appointment,
    Candidacy,
    CandidacyState,
    Contest,
    ContestKind,
    ContestState,
)
from elections.permissions import refusal_reason

logger = logging.getLogger(__name__)


@transaction.atomic
def contest_settle(*, contest: Contest, actor: Any) -> Contest:
    """Settle a contest at the close of nominations and freeze its electorate.

    No approved candidate: appointment needed (the TC appoints, per the OpenStack charter).
    No more approved candidates than seats (and no affiliation over its limit): those
    candidates are elected by acclamation and no poll is held. Otherwise: a poll. Candidacies
    still awaiting review do not stand; they are listed in the audit entry.
    """
    contest = Contest.objects.select_for_update().select_related("election").get(pk=contest.pk)
    if contest.state != ContestState.PENDING:
        return contest
    roll = _freeze(contest, actor)
    contest.roll = roll
    approved = list(contest.candidacies.filter(state=CandidacyState.APPROVED).order_by("pk"))
    unreviewed = list(
        contest.candidacies.filter(state=CandidacyState.SUBMITTED).values_list("pk", flat=True)
    )
    if contest.kind == ContestKind.COMMUNITY:
        contest.state = ContestState.POLLING
    elif not approved:
        contest.state = ContestState.APPOINTMENT_NEEDED
    elif len(approved) <= contest.seats and not _over_affiliation_limit(contest, approved):
        contest.state = ContestState.ACCLAIMED
    else:
        contest.state = ContestState.POLLING
    contest.settled_at = timezone.now()
    contest.save(update_fields=["roll", "state", "settled_at"])
    audit_record(
        actor=actor,
        action="contest.settle",
        target=audit_target(contest),
        detail={
            "state": contest.state,
            "approved": [c.pk for c in approved],
            "unreviewed": unreviewed,
            **_roll_detail(roll),
        },
    )
    return contest


@transaction.atomic
def contest_record_appointment(
    *,
    contest: Contest,
    actor: Any,
    appointee: Any,
    appointed_by: str,
    appointed_on: datetime.date,
    reference: str = "",
) -> Appointment:
    """Record who was appointed to a contest nobody stood in, by whom, when, and where it is
    written down (OpenStack charter: the TC appoints the PTL of a leaderless team, usually by
    a governance change). Recording it again corrects it; each recording is audited."""
    contest = Contest.objects.select_for_update().select_related("election").get(pk=contest.pk)
    refused = refusal_reason(actor, contest.election, contest)
    if refused or actor is None:
        raise ElectionError(refused or "Only an official records an appointment.")
    if contest.state != ContestState.APPOINTMENT_NEEDED:
        raise ElectionError(
            f"{contest.name} is {contest.get_state_display().lower()}: only a contest nobody "
            "stood in is filled by appointment."
        )
    if appointee.pk == actor.pk:
        raise ElectionError("Another official records your own appointment.")
    appointed_by = appointed_by.strip()
    if not appointed_by:
        raise ElectionError('Say who appointed them, e.g. "the Technical Committee".')
    previous = Appointment.objects.filter(contest=contest).first()
    appointment = previous or Appointment(contest=contest)
    before = (
        {"appointee": previous.appointee_id, "appointed_by": previous.appointed_by}
        if previous
        else None
    )
    appointment.appointee = appointee
    appointment.appointed_by = appointed_by
    appointment.appointed_on = appointed_on
    appointment.reference = reference.strip()
    appointment.recorded_by = actor
    appointment.recorded_at = timezone.now()
    appointment.full_clean(exclude=["contest"])
    appointment.save()
    audit_record(
        actor=actor,
        action="contest.appointment",
        target=audit_target(contest),
        detail={
            "appointee": appointee.pk,
            "appointed_by": appointed_by,
            "appointed_on": appointed_on.isoformat(),
            "reference": appointment.reference,
            "previous": before,
        },
    )
    return appointment


def _over_affiliation_limit(contest: Contest, approved: Sequence[Candidacy]) -> bool:
    """Acclaiming every candidate would break the affiliation limit, counting the seats the
    affiliation already holds outside the contest (sitting TC members not up)."""
    if contest.max_per_affiliation is None:
        return False
    counts: dict[str, int] = {}
    for label, held in (contest.seated_affiliations or {}).items():
        key = str(label).strip().casefold()
        if key:
            counts[key] = counts.get(key, 0) + int(held)
    over = False
    for candidacy in approved:
        key = candidacy.affiliation.strip().casefold()
        if key:
            counts[key] = counts.get(key, 0) + 1
            over = over or counts[key] > contest.max_per_affiliation
    return over


@transaction.atomic
def contest_mark_tallied(*, contest: Contest, actor: Any, detail: dict[str, Any]) -> Contest:
    """Record that a closed poll has been tallied (called by the tally, once per contest)."""
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if contest.state != ContestState.CLOSED:
        raise ElectionError(f"{contest.name} is {contest.get_state_display()}, not a closed poll.")
    contest.state = ContestState.TALLIED
    contest.save(update_fields=["state"])
    audit_record(
        actor=actor,
        action="contest.tallied",
        target=audit_target(contest),
        detail={"from": ContestState.CLOSED, "to": ContestState.TALLIED, **detail},
    )
    return contest


def contests_move(contests: Iterable[Contest], from_state: str, to_state: str, actor: Any) -> None:
    """Move the contests that are in ``from_state`` to ``to_state`` (the phase machine calls
    this as the election closes and is published), one audit entry per contest."""
    for contest in contests:
        if contest.state == from_state:
            contest.state = to_state
            contest.save(update_fields=["state"])
            audit_record(
                actor=actor,
                action="contest.state",
                target=audit_target(contest),
                detail={"from": from_state, "to": to_state},
            )
