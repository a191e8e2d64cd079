"""Exception requests (Elekto's ``/exception``): a person not on a contest's roll asks to be
added with a reason; an official approves or refuses with a reason; the person is told."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from accounts.commitlog import normalise_email
from audit.actions import audit_record, audit_target
from elections.actions.errors import ElectionError
from elections.actions.mail import _queue_sending
from elections.models import (
    Contest,
    ContestElectorate,
    ContestVoter,
    ExceptionRequest,
    ExceptionRequestState,
    Notification,
    NotificationKind,
    Phase,
)
from elections.permissions import refusal_reason

OPEN_PHASES = (Phase.DRAFT, Phase.NOMINATIONS)


def _still_open(contest: Contest) -> None:
    if contest.election.phase not in OPEN_PHASES or contest.roll_id is not None:
        raise ElectionError(
            f"{contest.name}'s electorate is frozen (it is when nominations close): exceptions "
            "are asked for and decided before."
        )


@transaction.atomic
def exception_request_submit(
    *, contest: Contest, requester: Any, email: str, reason: str
) -> ExceptionRequest:
    """Ask to vote in ``contest`` with one of the requester's verified addresses."""
    contest = Contest.objects.select_related("election").get(pk=contest.pk)
    _still_open(contest)
    address = normalise_email(email)
    if not EmailAddress.objects.filter(user=requester, email__iexact=address, verified=True):
        raise ElectionError("Choose one of your verified addresses.")
    if not reason.strip():
        raise ElectionError("Say why you should vote in this contest.")
    if ExceptionRequest.objects.filter(
        contest=contest, requester=requester, state=ExceptionRequestState.PENDING
    ).exists():
        raise ElectionError("You have a request for this contest awaiting a decision already.")
    request = ExceptionRequest.objects.create(
        contest=contest, requester=requester, email=address, reason=reason.strip()[:2000]
    )
    audit_record(
        actor=requester,
        action="exception.request",
        target=audit_target(request),
        detail={"contest": contest.pk, "email": address, "reason": request.reason},
    )
    return request


@transaction.atomic
def exception_request_decide(
    *, exception_request: ExceptionRequest, actor: Any, approve: bool, reason: str
) -> ExceptionRequest:
    """Approve (the address joins the contest's voter list, on top of the contributors) or
    refuse, with a reason the person is sent; audited; refused for an official who stands in
    the contest."""
    request = (
        ExceptionRequest.objects.select_for_update()
        .select_related("contest__election", "requester")
        .get(pk=exception_request.pk)
    )
    contest = request.contest
    refusal = refusal_reason(actor, contest.election, contest)
    if refusal:
        raise ElectionError(refusal)
    if request.state != ExceptionRequestState.PENDING:
        raise ElectionError("This request has been decided already.")
    _still_open(contest)
    if not approve and not reason.strip():
        raise ElectionError("A refusal needs a reason: it is sent to the person.")
    if approve:
        ContestVoter.objects.get_or_create(
            contest=contest,
            email=request.email,
            defaults={
                "name": request.requester.display_name[:200],
                "source": f"exception request #{request.pk}",
            },
        )
        if contest.electorate == ContestElectorate.COMMITS:
            contest.electorate = ContestElectorate.COMMITS_AND_LIST
            contest.save(update_fields=["electorate"])
    request.state = ExceptionRequestState.APPROVED if approve else ExceptionRequestState.REFUSED
    request.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    request.decision_reason = reason.strip()[:2000]
    request.decided_at = timezone.now()
    request.save(update_fields=["state", "decided_by", "decision_reason", "decided_at"])
    audit_record(
        actor=actor,
        action="exception.decide",
        target=audit_target(request),
        detail={"approve": approve, "reason": request.decision_reason, "email": request.email},
    )
    notification = Notification.objects.create(
        kind=NotificationKind.EXCEPTION_APPROVED if approve else NotificationKind.EXCEPTION_REFUSED,
        recipient=request.requester,
        contest=contest,
        exception_request=request,
    )
    _queue_sending([notification.pk])
    return request
