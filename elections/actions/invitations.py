"""Invitations to everyone on a contest's roll: rows first, claimed and sent by workers.

Delivery, exactly once as far as SMTP allows. Queueing writes one row per roll entry in the
transaction that opens the polls (a unique constraint: once per notice and person), then
queues sending tasks by name after the commit. A sending task claims a batch of rows with
``SELECT ... FOR UPDATE SKIP LOCKED`` and marks them "sending" (committed: two tasks never
claim one row), then sends each over one SMTP connection and stamps it sent as soon as the
server has accepted it. So:

- a task lost with Redis (never run) leaves its rows pending, and the scheduler's sweep
  queues them again: none is lost;
- a worker killed mid-batch leaves its claimed rows "sending"; once the claim is
  ``STALE_INVITATION_AGE`` old the sweep makes them pending again and they are sent: none is
  lost. The one message that can go twice is the one in flight at the kill, accepted by the
  server but not yet stamped (SMTP has no way to ask whether a message arrived). It goes
  again with the same ``Message-ID``, which mail systems use to show a message once. This
  side is at-least-once: a stamp before the send would make it at-most-once, losing that
  message instead, which costs a voter more than a duplicate does.
"""

from __future__ import annotations

import datetime
import logging
import math
import smtplib
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
from elections.invitation_links import invitation_id_from, opt_out_from
from elections.mail import invitation_message, notice_text
from elections.models import (
    Contest,
    Election,
    ElectionOptOut,
    Invitation,
    InvitationKind,
    InvitationState,
)
from elections.notices import NOTICE_PHASES, POLLING_KINDS, NoticeText
from elections.selectors import contests_still_to_vote_in, notice_contest_names

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
    transaction that opens the polls. Returns how many were new (none twice). Reminders go
    per person, not per contest (``elections.actions.reminders``)."""
    if kind == InvitationKind.POLLING_REMINDER:
        raise ValueError("Reminders go once per person: election_queue_reminders queues them.")
    if contest.roll_id is None:
        return 0
    now = timezone.now()
    already = set(
        Invitation.objects.filter(contest=contest, kind=kind).values_list(
            "roll_entry_id", flat=True
        )
    )
    opted_out = {email for _, email in opted_out_addresses({contest.election_id})}
    invited_elsewhere: set[str] = set()
    if kind == InvitationKind.POLLING_OPEN:
        # One invitation per person and election: someone on several polls' rolls gets one
        # mail, on the first contest's row, listing every poll they may vote in ($contests).
        invited_elsewhere = set(
            Invitation.objects.filter(contest__election_id=contest.election_id, kind=kind)
            .exclude(contest=contest)
            .values_list("email", flat=True)
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
        if entry_id not in already and email not in opted_out and email not in invited_elsewhere
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


@transaction.atomic
def _claim(limit: int, now: datetime.datetime) -> list[int]:
    """Mark up to ``limit`` due rows as being sent by this task; other tasks skip them."""
    ids = list(
        Invitation.objects.select_for_update(skip_locked=True)
        .filter(state=InvitationState.PENDING, not_before__lte=now)
        .values_list("pk", flat=True)[:limit]
    )
    Invitation.objects.filter(pk__in=ids).update(state=InvitationState.SENDING, claimed_at=now)
    return ids


def _release(ids: list[int]) -> None:
    Invitation.objects.filter(pk__in=ids, state=InvitationState.SENDING).update(
        state=InvitationState.PENDING, claimed_at=None
    )


def _bounced(error: Exception) -> bool:
    """Whether the server refused every recipient for good (5xx: no such mailbox, and the
    like): a bounce, which retrying will not cure."""
    if not isinstance(error, smtplib.SMTPRecipientsRefused) or not error.recipients:
        return False
    return all(code >= 500 for code, _ in error.recipients.values())


@transaction.atomic
def _record_failure(invitation: Invitation, error: Exception, now: datetime.datetime) -> None:
    """A refused send: retried later with back-off, failed for officials to see after the
    last retry, or at once when it bounced (``_bounced``)."""
    invitation.attempts += 1
    invitation.last_error = ("Bounced: " if _bounced(error) else "") + repr(error)
    invitation.not_before = now + _retry_delay(invitation.attempts)
    invitation.state = InvitationState.PENDING
    invitation.claimed_at = None
    if invitation.attempts > conf.mail_max_retries() or _bounced(error):
        invitation.state = InvitationState.FAILED
        audit_record(
            actor=None,
            action="invitation.failed",
            target=audit_target(invitation),
            detail={"attempts": invitation.attempts, "error": invitation.last_error},
        )
    invitation.save(update_fields=["attempts", "last_error", "not_before", "state", "claimed_at"])


def _set_state(invitation: Invitation, state: str, error: str = "") -> None:
    Invitation.objects.filter(pk=invitation.pk).update(
        state=state, last_error=error, claimed_at=None
    )


def _send_one(
    invitation: Invitation,
    connection: Any,
    *,
    opted_out: set[tuple[int, str]],
    text: NoticeText,
    now: datetime.datetime,
) -> bool | None:
    """Send one claimed invitation: True when the server accepted it, False when it failed,
    None when it is not to be sent (its address opted out)."""
    if (invitation.contest.election_id, invitation.email) in opted_out:
        _set_state(invitation, InvitationState.OPTED_OUT)
        return None
    election = invitation.contest.election
    if invitation.kind in POLLING_KINDS and not invitation.contest.is_polling():
        _set_state(
            invitation,
            InvitationState.FAILED,
            "Not sent: polling had closed before it could be sent.",
        )
        return False
    if election.phase not in NOTICE_PHASES[invitation.kind]:
        _set_state(
            invitation,
            InvitationState.FAILED,
            f"Not sent: the election had moved on to {election.get_phase_display().lower()} "
            "before it could be sent.",
        )
        return False
    if invitation.kind == InvitationKind.POLLING_REMINDER:
        # The polls the person may still vote in, as they stand now.
        contests = [c.name for c in contests_still_to_vote_in(election, invitation.email)]
        if not contests:  # voted everywhere since it was queued: nothing to remind of
            Invitation.objects.filter(pk=invitation.pk).delete()
            return None
    else:
        contests = notice_contest_names(election, invitation.kind, invitation.email)
    message = invitation_message(invitation, text, contests)
    message.connection = connection
    try:
        message.send(fail_silently=False)
    except Exception as error:  # noqa: BLE001 - any transport error is recorded
        _record_failure(invitation, error, now)
        # The connection may be broken: a fresh one for the next row.
        connection.close()
        connection.open()
        return False
    if invitation.kind == InvitationKind.POLLING_REMINDER:
        Invitation.objects.filter(pk=invitation.pk).delete()
    else:
        Invitation.objects.filter(pk=invitation.pk).update(
            state=InvitationState.SENT, sent_at=timezone.now(), claimed_at=None
        )
    return True


def invitations_send(*, limit: int | None = None) -> SendingRound:
    """Claim up to ``limit`` due invitations and send them over one SMTP connection.

    Each is stamped sent when the server accepts it; a refused one is retried later with
    back-off, and after ``STACKVOTE_MAIL_MAX_RETRIES`` retries it is failed, for officials to
    see and retry. A sent reminder leaves no row (it went to people who had not voted).
    """
    limit = limit or conf.mail_batch_size()
    now = timezone.now()
    ids = _claim(limit, now)
    if not ids:
        return SendingRound(sent=0, failed=0)
    connection = mail.get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as error:  # noqa: BLE001 - server down: the rows wait for the sweep
        logger.warning("Invitations wait: the mail server refused a connection: %r", error)
        _release(ids)
        return SendingRound(sent=0, failed=0)
    rows = list(
        Invitation.objects.filter(pk__in=ids, state=InvitationState.SENDING)
        .select_related("contest__election", "contest__roll", "roll_entry")
        .order_by("pk")
    )
    opted_out = opted_out_addresses({row.contest.election_id for row in rows})
    texts: dict[tuple[int, str], NoticeText] = {}
    outcomes = []
    try:
        for invitation in rows:
            key = (invitation.contest.election_id, invitation.kind)
            if key not in texts:
                texts[key] = notice_text(invitation.contest.election, invitation.kind)
            outcomes.append(
                _send_one(invitation, connection, opted_out=opted_out, text=texts[key], now=now)
            )
    finally:
        connection.close()
        _release(ids)  # any left claimed (an error above): pending again
    return SendingRound(sent=outcomes.count(True), failed=outcomes.count(False))


def opted_out_addresses(election_ids: set[int]) -> set[tuple[int, str]]:
    return set(
        ElectionOptOut.objects.filter(election_id__in=election_ids).values_list(
            "election_id", "email"
        )
    )


def invitations_requeue_stale(*, now: datetime.datetime | None = None) -> int:
    """Queue sending tasks again for due invitations that waited long (the scheduler's sweep):
    their task was lost, or their back-off ended."""
    now = now or timezone.now()
    with transaction.atomic():
        # Claimed long ago by a worker that never finished: it died (at-least-once).
        Invitation.objects.filter(
            state=InvitationState.SENDING, claimed_at__lt=now - STALE_INVITATION_AGE
        ).update(
            state=InvitationState.PENDING, claimed_at=None, queued_at=now - STALE_INVITATION_AGE * 2
        )
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
    if invitation is None or invitation.kind != InvitationKind.POLLING_OPEN:
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


def opt_out_for_token(token: str) -> tuple[Election, str]:
    """The election and address an opt-out link is for, or ``InvitationRefused``."""
    found = opt_out_from(token)
    election = Election.objects.filter(pk=found[0]).first() if found else None
    if found is None or election is None:
        raise InvitationRefused(INVALID_LINK)
    return election, found[1]


@transaction.atomic
def election_opt_out(*, token: str) -> tuple[Election, str]:
    """Stop further mail about one election to the address the link was sent to. Not
    audited: it changes what mail someone gets, never who may vote."""
    election, email = opt_out_for_token(token)
    ElectionOptOut.objects.get_or_create(election=election, email=email)
    Invitation.objects.filter(
        contest__election=election, email=email, state=InvitationState.PENDING
    ).update(state=InvitationState.OPTED_OUT)
    return election, email
