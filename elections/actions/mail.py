"""Mail to electors and candidates: notifications are rows first, sent by workers after commit."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from typing import Any

from django.core import mail
from django.db import transaction
from django.utils import timezone

from audit.actions import audit_record, audit_target
from config.queue import enqueue_on_commit
from elections import conf
from elections.actions.reminders import reminders_queue
from elections.mail import notification_message
from elections.models import (
    Contest,
    Election,
    Notification,
    NotificationKind,
    NotificationState,
    Phase,
)
from elections.selectors import reminder_recipients, roll_electors

logger = logging.getLogger(__name__)


# --- Notifications -------------------------------------------------------------------------


def _queue_sending(notification_ids: Sequence[int]) -> None:
    """Send in batches after the commit (one task, one mail connection per batch)."""
    size = max(1, conf.mail_batch_size())
    for start in range(0, len(notification_ids), size):
        enqueue_on_commit(
            "elections.send_notifications", list(notification_ids[start : start + size])
        )


def _queue_electorate_mail(*, contest: Contest, kind: str) -> int:

    if contest.roll_id is None:
        return 0
    if kind == NotificationKind.POLLING_REMINDER:
        recipients = reminder_recipients(contest)
    else:
        recipients = roll_electors(contest.roll, email_deadline=contest.election.email_deadline)
    Notification.objects.bulk_create(
        [Notification(kind=kind, recipient=user, contest=contest) for user in recipients],
        ignore_conflicts=True,
    )
    ids = list(
        Notification.objects.filter(
            kind=kind, contest=contest, state=NotificationState.PENDING, attempts=0
        ).values_list("pk", flat=True)
    )
    _queue_sending(ids)
    return len(ids)


@transaction.atomic
def election_queue_reminders(*, election: Election) -> int:
    """Queue the one reminder to the people on the polls' rolls who have not voted yet."""
    election = Election.objects.select_for_update().get(pk=election.pk)
    if election.reminder_queued_at is not None or election.phase != Phase.POLLING:
        return 0
    # Everyone on a poll's roll who has not voted in it, account or not: one mail per person,
    # naming every poll they may still vote in.
    queued = reminders_queue(election=election)
    election.reminder_queued_at = timezone.now()
    election.save(update_fields=["reminder_queued_at"])
    audit_record(
        actor=None,
        action="election.reminders",
        target=audit_target(election),
        detail={"queued": queued},
    )
    return queued


_POLLING_MAIL = frozenset({NotificationKind.POLLING_OPEN, NotificationKind.POLLING_REMINDER})


def notifications_send(*, notification_ids: Sequence[int]) -> list[int]:
    """Send the pending notifications among ``notification_ids`` over one mail connection.

    Each one is marked sent or has its error recorded; returns the ids that failed and may be
    retried. Already-sent ones are skipped, so a batch can run twice.
    """

    pending = list(
        Notification.objects.filter(pk__in=notification_ids, state=NotificationState.PENDING)
        .select_related("recipient", "contest__election", "candidacy")
        .order_by("pk")
    )
    failed: list[int] = []
    if not pending:
        return failed
    mail_connection = mail.get_connection(fail_silently=False)
    try:
        mail_connection.open()
    except Exception as error:  # noqa: BLE001 - the server is down: every mail waits
        for notification in pending:
            _notification_attempt(notification=notification, error=repr(error))
        return [notification.pk for notification in pending]
    try:
        for notification in pending:
            # One row lock per mail: two workers given the same batch (a retry racing a
            # re-queue) never both send it; the second finds it locked or already sent.
            with transaction.atomic():
                locked = (
                    Notification.objects.select_for_update(skip_locked=True)
                    .filter(pk=notification.pk, state=NotificationState.PENDING)
                    .first()
                )
                if locked is None:
                    continue
                if notification.kind in _POLLING_MAIL and not notification.contest.is_polling():
                    # Held up (mail server or broker down) until the poll closed: telling
                    # people to vote now would be wrong. Officials see it among failed mail.
                    locked.state = NotificationState.FAILED
                    locked.last_error = "Not sent: polling had closed before it could be sent."
                    locked.save(update_fields=["state", "last_error"])
                    continue
                message = notification_message(notification)
                message.connection = mail_connection
                try:
                    message.send(fail_silently=False)
                except Exception as error:  # noqa: BLE001 - any transport error is recorded
                    _notification_attempt(notification=locked, error=repr(error))
                    failed.append(notification.pk)
                else:
                    if locked.kind == NotificationKind.POLLING_REMINDER:
                        # A reminder goes only to electors who have not voted: a row kept
                        # for it would be a list of who had not voted when it went. Sent, it
                        # is deleted (the election records when reminders were queued, so
                        # none goes twice); one that failed stays for officials to retry.
                        locked.delete()
                    else:
                        _notification_attempt(notification=locked, error="")
    finally:
        mail_connection.close()
    return failed


@transaction.atomic
def _notification_attempt(*, notification: Notification, error: str) -> None:
    notification.attempts += 1
    notification.last_error = error
    if not error:
        notification.state = NotificationState.SENT
        notification.sent_at = timezone.now()
    notification.save(update_fields=["attempts", "last_error", "state", "sent_at"])


# Mail queued this long ago and never tried was lost on the way (broker down at commit).
STALE_NOTIFICATION_AGE = datetime.timedelta(minutes=15)


def notifications_requeue_stale(*, now: datetime.datetime | None = None) -> int:
    """Queue again the pending mail that no worker has tried (called by the scheduler)."""
    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(
            state=NotificationState.PENDING,
            attempts=0,
            created_at__lt=now - STALE_NOTIFICATION_AGE,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if ids:
        with transaction.atomic():
            _queue_sending(ids)
    return len(ids)


@transaction.atomic
def notifications_give_up(*, notification_ids: Sequence[int]) -> int:
    """Mark notifications that ran out of retries as failed, for officials to see."""
    failed = Notification.objects.filter(pk__in=notification_ids, state=NotificationState.PENDING)
    for notification in failed:
        audit_record(
            actor=None,
            action="notification.failed",
            target=audit_target(notification),
            detail={
                "kind": notification.kind,
                "attempts": notification.attempts,
                "error": notification.last_error,
            },
        )
    return failed.update(state=NotificationState.FAILED)


@transaction.atomic
def notifications_retry(*, notification_ids: Sequence[int], actor: Any) -> int:
    """An official queues failed notifications again."""
    ids = list(
        Notification.objects.filter(
            pk__in=notification_ids, state=NotificationState.FAILED
        ).values_list("pk", flat=True)
    )
    Notification.objects.filter(pk__in=ids).update(state=NotificationState.PENDING)
    for pk in ids:
        audit_record(
            actor=actor, action="notification.retry", target=f"notification:{pk}", detail={}
        )
    _queue_sending(ids)
    return len(ids)
