"""Candidacies: standing, editing, withdrawing, and the officials' review."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.actions import audit_record, audit_target
from elections.actions.errors import CandidacyRefused
from elections.actions.mail import _queue_sending
from elections.markdown import render_markdown
from elections.models import (
    Candidacy,
    CandidacyState,
    Contest,
    Notification,
    NotificationKind,
    Phase,
)
from elections.permissions import can_administer, can_edit_candidacy, is_candidate_in
from elections.selectors import standing_refusal

logger = logging.getLogger(__name__)


# --- Candidacies ---------------------------------------------------------------------------


def _check_can_stand(*, contest: Contest, candidate: Any) -> None:

    refusal = standing_refusal(candidate, contest)
    if refusal:
        raise CandidacyRefused(refusal)


@transaction.atomic
def candidacy_submit(
    *, contest: Contest, candidate: Any, platform: str, affiliation: str = ""
) -> Candidacy:
    """Stand in ``contest``: create the candidacy, or re-open a withdrawn or rejected one."""
    contest = Contest.objects.select_for_update().select_related("election").get(pk=contest.pk)
    _check_can_stand(contest=contest, candidate=candidate)
    candidacy = Candidacy.objects.filter(contest=contest, candidate=candidate).first()
    if candidacy is not None and candidacy.is_active:
        raise CandidacyRefused("You already stand in this contest; edit your candidacy instead.")
    if candidacy is None:
        candidacy = Candidacy(contest=contest, candidate=candidate)
    previous_state = candidacy.state if candidacy.pk else None
    candidacy.platform = platform
    candidacy.platform_html = render_markdown(platform)
    candidacy.affiliation = affiliation.strip()
    candidacy.state = CandidacyState.SUBMITTED
    candidacy.reviewed_by = None
    candidacy.reviewed_at = None
    candidacy.review_reason = ""
    candidacy.submitted_at = timezone.now()
    if not platform.strip():
        raise CandidacyRefused("Write a platform: voters read it to decide.")
    candidacy.save()
    audit_record(
        actor=candidate,
        action="candidacy.submit",
        target=audit_target(candidacy),
        detail={
            "contest": contest.pk,
            "previous_state": previous_state,
            "affiliation": candidacy.affiliation,
        },
    )
    return candidacy


@transaction.atomic
def candidacy_edit(
    *, candidacy: Candidacy, actor: Any, platform: str, affiliation: str
) -> Candidacy:
    """The candidate changes their platform or affiliation while nominations are open."""

    candidacy = (
        Candidacy.objects.select_for_update()
        .select_related("contest__election")
        .get(pk=candidacy.pk)
    )
    if not can_edit_candidacy(actor, candidacy):
        raise CandidacyRefused("This candidacy can no longer be edited.")
    if not platform.strip():
        raise CandidacyRefused("Write a platform: voters read it to decide.")
    candidacy.platform = platform
    candidacy.platform_html = render_markdown(platform)
    candidacy.affiliation = affiliation.strip()
    candidacy.save(update_fields=["platform", "platform_html", "affiliation", "updated_at"])
    audit_record(
        actor=actor,
        action="candidacy.edit",
        target=audit_target(candidacy),
        detail={"affiliation": candidacy.affiliation},
    )
    return candidacy


@transaction.atomic
def candidacy_withdraw(*, candidacy: Candidacy, actor: Any) -> Candidacy:
    """The candidate withdraws while nominations are open."""

    candidacy = (
        Candidacy.objects.select_for_update()
        .select_related("contest__election")
        .get(pk=candidacy.pk)
    )
    if not can_edit_candidacy(actor, candidacy):
        raise CandidacyRefused("This candidacy cannot be withdrawn now.")
    previous = candidacy.state
    candidacy.state = CandidacyState.WITHDRAWN
    candidacy.save(update_fields=["state", "updated_at"])
    audit_record(
        actor=actor,
        action="candidacy.withdraw",
        target=audit_target(candidacy),
        detail={"from": previous, "to": CandidacyState.WITHDRAWN},
    )
    return candidacy


@transaction.atomic
def candidacy_review(
    *, candidacy: Candidacy, reviewer: Any, approve: bool, reason: str = ""
) -> Candidacy:
    """An official approves or rejects a candidacy (a reason is required to reject).

    Decisions can change while nominations are open; the candidate is e-mailed each time.
    """

    candidacy = (
        Candidacy.objects.select_for_update()
        .select_related("contest__election", "candidate")
        .get(pk=candidacy.pk)
    )
    election = candidacy.contest.election
    if not can_administer(reviewer, election):
        raise CandidacyRefused("Only the officials of this election review its candidacies.")
    if reviewer.pk == candidacy.candidate_id:
        raise CandidacyRefused("Nobody reviews their own candidacy.")
    if is_candidate_in(reviewer, candidacy.contest):
        raise CandidacyRefused(
            f"You stand as a candidate in {candidacy.contest.name}, so you cannot review its "
            "candidacies; ask another official."
        )
    if election.phase != Phase.NOMINATIONS:
        raise CandidacyRefused("Candidacies are reviewed while nominations are open.")
    if candidacy.state == CandidacyState.WITHDRAWN:
        raise CandidacyRefused(f"{candidacy} was withdrawn.")
    reason = reason.strip()
    if not approve and not reason:
        raise CandidacyRefused("Give the candidate a reason for the rejection.")
    to_state = CandidacyState.APPROVED if approve else CandidacyState.REJECTED
    previous = candidacy.state
    candidacy.state = to_state
    candidacy.reviewed_by = reviewer
    candidacy.reviewed_at = timezone.now()
    candidacy.review_reason = reason
    candidacy.save(
        update_fields=["state", "reviewed_by", "reviewed_at", "review_reason", "updated_at"]
    )
    audit_record(
        actor=reviewer,
        action="candidacy.review",
        target=audit_target(candidacy),
        detail={"from": previous, "to": to_state, "reason": reason},
    )
    notification = Notification.objects.create(
        kind=(
            NotificationKind.CANDIDACY_APPROVED if approve else NotificationKind.CANDIDACY_REJECTED
        ),
        recipient=candidacy.candidate,
        contest=candidacy.contest,
        candidacy=candidacy,
    )
    _queue_sending([notification.pk])
    return candidacy
