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
from elections.permissions import (
    can_administer,
    can_edit_candidacy,
    is_candidate_in,
    refusal_reason,
)
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
    candidacy, previous_state = _stand(
        contest=contest, candidate=candidate, platform=platform, affiliation=affiliation
    )
    audit_record(
        actor=candidate,
        action="candidacy.submit",
        target=audit_target(candidacy),
        detail={
            "contest": candidacy.contest_id,
            "previous_state": previous_state,
            "affiliation": candidacy.affiliation,
        },
    )
    return candidacy


@transaction.atomic
def candidacy_file_for(
    *,
    contest: Contest,
    candidate: Any,
    official: Any,
    reason: str,
    platform: str,
    affiliation: str = "",
) -> Candidacy:
    """An official files ``candidate``'s candidacy for them, saying why (a candidate who mailed
    it to the officials, as OpenStack candidates may). The candidate must be able to stand as
    if they had filed it themselves; the candidacy is then reviewed like any other."""
    refused = refusal_reason(official, contest.election, contest)
    if refused or official is None:
        raise CandidacyRefused(refused or "Only an official files a candidacy for someone.")
    if official.pk == candidate.pk:
        raise CandidacyRefused("File your own candidacy from the contest's page.")
    reason = reason.strip()
    if not reason:
        raise CandidacyRefused("Say why you file this candidacy for the candidate.")
    candidacy, previous_state = _stand(
        contest=contest,
        candidate=candidate,
        platform=platform,
        affiliation=affiliation,
        filed_by=official,
        filing_reason=reason,
    )
    audit_record(
        actor=official,
        action="candidacy.file_for",
        target=audit_target(candidacy),
        detail={
            "contest": candidacy.contest_id,
            "candidate": candidate.pk,
            "previous_state": previous_state,
            "affiliation": candidacy.affiliation,
            "reason": reason,
        },
    )
    return candidacy


def _stand(
    *,
    contest: Contest,
    candidate: Any,
    platform: str,
    affiliation: str,
    filed_by: Any = None,
    filing_reason: str = "",
) -> tuple[Candidacy, str | None]:
    """Write the candidacy (new or re-opened); return it with the state it had before."""
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
    candidacy.approval_proposed_by = None
    candidacy.approval_proposed_at = None
    candidacy.filed_by = filed_by
    candidacy.filing_reason = filing_reason
    candidacy.submitted_at = timezone.now()
    if not platform.strip():
        raise CandidacyRefused("Write a platform: voters read it to decide.")
    _check_affiliation(contest, candidacy.affiliation)
    candidacy.save()
    return candidacy, previous_state


def _check_affiliation(contest: Contest, affiliation: str) -> None:
    """A contest with an affiliation limit (the TC's diversity rule) needs each candidate's
    affiliation: the limit cannot be applied without it (OpenStack TC, 2025 resolution: TC
    candidates declare their affiliation; "none" or "independent" is a declaration)."""
    if contest.max_per_affiliation is not None and not affiliation.strip():
        raise CandidacyRefused(
            f'Declare your affiliation (your employer, or "none"): {contest.name} allows at '
            f"most {contest.max_per_affiliation} seat(s) per affiliation, so every candidate "
            "declares one."
        )


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
    _check_affiliation(candidacy.contest, affiliation)
    candidacy.platform = platform
    candidacy.platform_html = render_markdown(platform)
    candidacy.affiliation = affiliation.strip()
    # A proposal to approve was about the platform as it stood: the edit withdraws it.
    dropped_proposal = candidacy.approval_proposed_by_id
    candidacy.approval_proposed_by = None
    candidacy.approval_proposed_at = None
    candidacy.save(
        update_fields=[
            "platform",
            "platform_html",
            "affiliation",
            "approval_proposed_by",
            "approval_proposed_at",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="candidacy.edit",
        target=audit_target(candidacy),
        detail={"affiliation": candidacy.affiliation, "dropped_proposal_by": dropped_proposal},
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


def _lock_for_review(candidacy: Candidacy, reviewer: Any) -> Candidacy:
    """The candidacy, locked, once ``reviewer`` may review it now."""
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
    return candidacy


@transaction.atomic
def candidacy_propose_approval(*, candidacy: Candidacy, official: Any) -> Candidacy:
    """First of the two officials an election with ``two_official_approval`` needs (OpenStack's
    +2): the candidacy stays submitted until a different official confirms the proposal with
    ``candidacy_review(approve=True)``."""
    candidacy = _lock_for_review(candidacy, official)
    if not candidacy.contest.election.two_official_approval:
        raise CandidacyRefused("One official approves candidacies in this election: approve it.")
    if candidacy.state != CandidacyState.SUBMITTED:
        raise CandidacyRefused(f"{candidacy} is {candidacy.get_state_display().lower()}.")
    proposer = candidacy.approval_proposed_by
    if proposer is not None:
        if proposer.pk == official.pk:
            raise CandidacyRefused("You already proposed approving it; another official confirms.")
        raise CandidacyRefused(
            f"{proposer.display_name} already proposed approving it: confirm it instead."
        )
    candidacy.approval_proposed_by = official
    candidacy.approval_proposed_at = timezone.now()
    candidacy.save(update_fields=["approval_proposed_by", "approval_proposed_at", "updated_at"])
    audit_record(
        actor=official,
        action="candidacy.propose_approval",
        target=audit_target(candidacy),
        detail={"contest": candidacy.contest_id},
    )
    return candidacy


def _check_confirmation(candidacy: Candidacy, proposer: Any, reviewer: Any) -> None:
    """Two-official approval: ``reviewer`` confirms the proposal of another official."""
    if candidacy.state == CandidacyState.APPROVED:
        raise CandidacyRefused(f"{candidacy} is already approved.")
    if proposer is None:
        raise CandidacyRefused(
            "This election needs two officials to approve a candidacy: propose the "
            "approval, and another official confirms it."
        )
    if proposer.pk == reviewer.pk:
        raise CandidacyRefused(
            "You proposed approving it: a different official confirms the approval."
        )


@transaction.atomic
def candidacy_review(
    *, candidacy: Candidacy, reviewer: Any, approve: bool, reason: str = ""
) -> Candidacy:
    """An official approves or rejects a candidacy (a reason is required to reject).

    With the election's ``two_official_approval`` on, approving confirms the proposal of a
    different official (``candidacy_propose_approval``, OpenStack's +2 then +Workflow): without
    one, or with one's own, it is refused. One official rejects, with a reason (a rejection
    is already explained to the candidate and can be reversed while nominations are open),
    and the rejection drops any proposal. Decisions can change while nominations are open;
    the candidate is e-mailed each time.
    """

    candidacy = _lock_for_review(candidacy, reviewer)
    proposer = candidacy.approval_proposed_by
    if approve and candidacy.contest.election.two_official_approval:
        _check_confirmation(candidacy, proposer, reviewer)
    reason = reason.strip()
    if not approve and not reason:
        raise CandidacyRefused("Give the candidate a reason for the rejection.")
    to_state = CandidacyState.APPROVED if approve else CandidacyState.REJECTED
    previous = candidacy.state
    candidacy.state = to_state
    candidacy.reviewed_by = reviewer
    candidacy.reviewed_at = timezone.now()
    candidacy.review_reason = reason
    if not approve:
        candidacy.approval_proposed_by = None
        candidacy.approval_proposed_at = None
    candidacy.save(
        update_fields=[
            "state",
            "reviewed_by",
            "reviewed_at",
            "review_reason",
            "approval_proposed_by",
            "approval_proposed_at",
            "updated_at",
        ]
    )
    detail: dict[str, Any] = {"from": previous, "to": to_state, "reason": reason}
    if proposer is not None:
        detail["proposed_by"] = proposer.pk
    audit_record(
        actor=reviewer,
        action="candidacy.review",
        target=audit_target(candidacy),
        detail=detail,
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
