"""Invitations to everyone on a contest's roll: rows first, claimed and sent by workers.

Delivery, exactly once as far as SMTP allows. Queueing writes one row per roll entry in the
transaction that opens the polls (a unique constraint: once per notice and person), then
queues sending tasks by name after the commit. A sending task claims one row at a time with
``SELECT ... FOR UPDATE SKIP LOCKED``, hands the message to the SMTP server and stamps it
sent *in the same transaction*, so:

- a task lost with Redis (never run) leaves its rows pending, and the scheduler's sweep
  queues them again: none is lost;
- two tasks never send one row: the second skips the locked row, or finds it sent;
- a worker killed while it holds a row rolls its transaction back, so the row is pending
  and sent again by the next task: none is lost. The one case that sends twice is a kill
  between the server's "250 accepted" and the commit of the stamp, microseconds apart; SMTP
  offers no way to ask whether a message arrived, so this side is at-least-once, and never
  at-most-once (a stamp before the send would lose that message instead).
"""

from __future__ import annotations

import datetime
import logging
import math
from dataclasses import dataclass
from typing import Any

from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts.actions import ProvenAddress, address_proven_by_mail
from accounts.models import RollEntry
from audit.actions import audit_record, audit_target
from config.queue import enqueue_on_commit
from elections import conf
from elections.actions.errors import InvitationRefused
from elections.invitation_links import invitation_id_from
from elections.mail import invitation_message
from elections.models import Contest, Invitation, InvitationKind, InvitationState

logger = logging.getLogger(__name__)

# Pending invitations queued this long ago are assumed lost with their task (broker down).
STALE_INVITATION_AGE = datetime.timedelta(minutes=15)


def _queue_senders(count: int) -> None:
    """One sending task per batch of ``count`` rows, after the commit; each task claims its
    own rows, so any task may send any of them."""
    for _ in range(math.ceil(count / max(1, conf.mail_batch_size()))):
        enqueue_on_commit("elections.send_invitations")


def invitations_queue(*, contest: Contest, kind: str = InvitationKind.POLLING_OPEN) -> int:
    """Queue one invitation per person on the contest's frozen roll; run inside the
    transaction that opens the polls. Returns how many were new (none twice)."""
    if contest.roll_id is None:
        return 0
    now = timezone.now()
    already = set(
        Invitation.objects.filter(contest=contest, kind=kind).values_list(
            "roll_entry_id", flat=True
        )
    )
    rows = [
        Invitation(
            contest=contest,
            kind=kind,
            roll_entry_id=entry_id,
            email=email,
            queued_at=now,
            not_before=now,
            expires_at=contest.polling_closes_at,
        )
        for entry_id, email in RollEntry.objects.filter(roll_id=contest.roll_id)
        .order_by("pk")
        .values_list("pk", "email")
        if entry_id not in already
    ]
    Invitation.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    audit_record(
        actor=None,
        action="contest.invitations_queued",
        target=audit_target(contest),
        detail={"kind": kind, "queued": len(rows)},
    )
    _queue_senders(len(rows))
    return len(rows)


@dataclass(frozen=True)
class SendingRound:
    sent: int
    failed: int


def _retry_delay(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=2**attempts)


def _claim_next(now: datetime.datetime) -> Invitation | None:
    return (
        Invitation.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(state=InvitationState.PENDING, not_before__lte=now)
        .select_related("contest__election", "contest__roll", "roll_entry")
        .order_by("pk")
        .first()
    )


def _record_failure(invitation: Invitation, error: str, now: datetime.datetime) -> None:
    invitation.attempts += 1
    invitation.last_error = error
    invitation.not_before = now + _retry_delay(invitation.attempts)
    fields = ["attempts", "last_error", "not_before"]
    if invitation.attempts > conf.mail_max_retries():
        invitation.state = InvitationState.FAILED
        fields.append("state")
        audit_record(
            actor=None,
            action="invitation.failed",
            target=audit_target(invitation),
            detail={"attempts": invitation.attempts, "error": error},
        )
    invitation.save(update_fields=fields)


def invitations_send(*, limit: int | None = None) -> SendingRound:
    """Claim and send up to ``limit`` due invitations over one SMTP connection.

    Each row is locked, sent and stamped in one transaction (the module's docstring says
    why); a failed send is recorded and retried later with back-off, and after
    ``STACKVOTE_MAIL_MAX_RETRIES`` retries it is failed, for officials to see and retry.
    """
    limit = limit or conf.mail_batch_size()
    sent = failed = 0
    connection = mail.get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as error:  # noqa: BLE001 - server down: the rows wait for the sweep
        logger.warning("Invitations wait: the mail server refused a connection: %r", error)
        return SendingRound(sent=0, failed=0)
    try:
        for _ in range(limit):
            with transaction.atomic():
                now = timezone.now()
                invitation = _claim_next(now)
                if invitation is None:
                    break
                if not invitation.contest.is_polling():
                    invitation.state = InvitationState.FAILED
                    invitation.last_error = "Not sent: polling had closed before it could be sent."
                    invitation.save(update_fields=["state", "last_error"])
                    failed += 1
                    continue
                message = invitation_message(invitation)
                message.connection = connection
                try:
                    message.send(fail_silently=False)
                except Exception as error:  # noqa: BLE001 - any transport error is recorded
                    _record_failure(invitation, repr(error), now)
                    failed += 1
                    # The connection may be broken: a fresh one for the next row.
                    connection.close()
                    connection.open()
                else:
                    invitation.state = InvitationState.SENT
                    invitation.sent_at = now
                    invitation.save(update_fields=["state", "sent_at"])
                    sent += 1
    finally:
        connection.close()
    return SendingRound(sent=sent, failed=failed)


def invitations_requeue_stale(*, now: datetime.datetime | None = None) -> int:
    """Queue sending tasks again for due invitations that waited long (the scheduler's sweep):
    their task was lost, or their back-off ended."""
    now = now or timezone.now()
    with transaction.atomic():
        waiting = Invitation.objects.filter(
            state=InvitationState.PENDING,
            not_before__lte=now,
            queued_at__lt=now - STALE_INVITATION_AGE,
        )
        count = waiting.update(queued_at=now)
        _queue_senders(count)
    return count


@transaction.atomic
def invitations_retry(*, invitation_ids: list[int], actor: Any) -> int:
    """An official queues failed invitations again."""
    now = timezone.now()
    ids = list(
        Invitation.objects.filter(pk__in=invitation_ids, state=InvitationState.FAILED).values_list(
            "pk", flat=True
        )
    )
    Invitation.objects.filter(pk__in=ids).update(
        state=InvitationState.PENDING, attempts=0, not_before=now, queued_at=now
    )
    for pk in ids:
        audit_record(actor=actor, action="invitation.retry", target=f"invitation:{pk}", detail={})
    _queue_senders(len(ids))
    return len(ids)


# --- The link ----------------------------------------------------------------------------------

INVALID_LINK = (
    "This link is not valid: it may have been cut short or changed. Copy the whole link from "
    "the mail, or sign in as usual."
)


def invitation_for_token(token: str, *, now: datetime.datetime | None = None) -> Invitation:
    """The invitation a link is good for now, or ``InvitationRefused`` saying why not."""
    invitation_id = invitation_id_from(token)
    invitation = (
        Invitation.objects.select_related("contest__election").filter(pk=invitation_id).first()
        if invitation_id is not None
        else None
    )
    if invitation is None:
        raise InvitationRefused(INVALID_LINK)
    if invitation.used_at is not None:
        raise InvitationRefused(
            "This link has been used already: it works once. Sign in as usual to vote."
        )
    if (now or timezone.now()) >= invitation.expires_at:
        raise InvitationRefused("This link has expired. Sign in as usual.")
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, full_name: str, signed_in: Any
) -> tuple[Invitation, ProvenAddress]:
    """Follow an invitation's link: its address is proven, on its account or a new one named
    ``full_name``; the link is used up. Refused, changing nothing, when the link is not good
    (``invitation_for_token``) or a new account would have no name."""
    found = invitation_for_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    invitation = invitation_for_token(token)  # again, under the lock: one use only
    user = signed_in if getattr(signed_in, "is_authenticated", False) else None
    proven = address_proven_by_mail(email=invitation.email, full_name=full_name, signed_in=user)
    if proven.created and not proven.user.full_name:
        raise InvitationRefused(
            "Enter the name to show on your ballot's account (you can change it later)."
        )
    Invitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())
    return invitation, proven
