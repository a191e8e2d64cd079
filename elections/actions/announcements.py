"""Announcements to an election's list (``Election.announcement_address``, OpenStack's
openstack-discuss): each notice of the calendar that OpenStack's officials post there goes to
the list once as well, as a general announcement (``elections.notices.ANNOUNCED``).

Exactly once, as far as SMTP allows: the ``Announcement`` row (unique per election and
notice) is written in the transaction that queues the notice, and
``elections.send_announcement`` is queued by name after the commit. The task claims the row
(pending to sending, committed) before it sends, so two tasks never send it both; the
scheduler's sweep queues again a row whose task was lost with the broker, and makes pending
again a claim a dead worker left. A refused send is retried with back-off, then failed for
the officials to see and send again (audited). Never the reminder to non-voters.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.actions import audit_record, audit_target
from config.queue import enqueue_on_commit
from elections import conf
from elections.actions.errors import ElectionError
from elections.mail import announcement_message
from elections.models import Announcement, AnnouncementState, Election, InvitationKind
from elections.notices import ANNOUNCED, NOTICE_PHASES
from elections.permissions import refusal_reason

logger = logging.getLogger(__name__)

# Pending announcements queued this long ago are assumed lost with their task (broker down);
# a claim this old is a dead worker's.
STALE_ANNOUNCEMENT_AGE = datetime.timedelta(minutes=15)
SEND_TASK = "elections.send_announcement"


def announcement_queue(*, election: Election, kind: str, now: datetime.datetime) -> bool:
    """Queue the notice's announcement to the election's list, once; run inside the
    transaction that queues the notice. False when the election has no list or the
    announcement was queued before."""
    if kind not in ANNOUNCED or not election.announcement_address:
        return False
    announcement, created = Announcement.objects.get_or_create(
        election=election,
        kind=kind,
        defaults={
            "address": election.announcement_address,
            "queued_at": now,
            "not_before": now,
        },
    )
    if created:
        enqueue_on_commit(SEND_TASK, announcement.pk)
    return created


@transaction.atomic
def _claim(announcement_id: int, now: datetime.datetime) -> Announcement | None:
    announcement = (
        Announcement.objects.select_for_update(skip_locked=True)
        .select_related("election")
        .filter(pk=announcement_id, state=AnnouncementState.PENDING, not_before__lte=now)
        .first()
    )
    if announcement is None:
        return None
    announcement.state, announcement.claimed_at = AnnouncementState.SENDING, now
    announcement.save(update_fields=["state", "claimed_at"])
    return announcement


@transaction.atomic
def _record_failure(announcement: Announcement, error: str, now: datetime.datetime) -> None:
    """A refused send: retried later with back-off, failed for the officials after the last
    retry; ``final`` errors (the election moved on) fail at once."""
    announcement.attempts += 1
    announcement.last_error = error
    announcement.claimed_at = None
    announcement.not_before = now + datetime.timedelta(minutes=2**announcement.attempts)
    announcement.state = AnnouncementState.PENDING
    if announcement.attempts > conf.mail_max_retries() or error.startswith("Not sent:"):
        announcement.state = AnnouncementState.FAILED
        audit_record(
            actor=None,
            action="announcement.failed",
            target=audit_target(announcement.election),
            detail={"kind": announcement.kind, "attempts": announcement.attempts, "error": error},
        )
    announcement.save(update_fields=["attempts", "last_error", "claimed_at", "not_before", "state"])


def announcement_send(*, announcement_id: int) -> bool:
    """Send one announcement if it is due and no other task has it; True when the server
    accepted it. Safe to run twice: a sent or claimed row is left alone."""
    now = timezone.now()
    announcement = _claim(announcement_id, now)
    if announcement is None:
        return False
    election = announcement.election
    if election.phase not in NOTICE_PHASES[announcement.kind]:
        _record_failure(
            announcement,
            f"Not sent: the election had moved on to {election.get_phase_display().lower()} "
            "before it could be sent.",
            now,
        )
        return False
    try:
        announcement_message(announcement).send(fail_silently=False)
    except Exception as error:  # noqa: BLE001 - any transport error is recorded
        logger.warning("Announcement %s not sent: %r", announcement.pk, error)
        _record_failure(announcement, repr(error), now)
        return False
    Announcement.objects.filter(pk=announcement.pk).update(
        state=AnnouncementState.SENT, sent_at=timezone.now(), claimed_at=None, last_error=""
    )
    return True


def announcements_requeue_stale(*, now: datetime.datetime | None = None) -> int:
    """The scheduler's sweep: queue the sending task again for each due announcement whose
    task was lost, or whose back-off ended; make pending again a dead worker's claim."""
    now = now or timezone.now()
    with transaction.atomic():
        Announcement.objects.filter(
            state=AnnouncementState.SENDING, claimed_at__lt=now - STALE_ANNOUNCEMENT_AGE
        ).update(state=AnnouncementState.PENDING, claimed_at=None)
        ids = list(
            Announcement.objects.select_for_update(skip_locked=True)
            .filter(
                state=AnnouncementState.PENDING,
                not_before__lte=now,
                queued_at__lt=now - STALE_ANNOUNCEMENT_AGE,
            )
            .values_list("pk", flat=True)
        )
        Announcement.objects.filter(pk__in=ids).update(queued_at=now)
        for pk in ids:
            enqueue_on_commit(SEND_TASK, pk)
    return len(ids)


@transaction.atomic
def announcement_retry(*, election: Election, kind: str, actor: Any) -> bool:
    """An official sends a failed announcement again (to the list's address as it is now)."""
    reason = refusal_reason(actor, election)
    if reason:
        raise ElectionError(reason)
    announcement = (
        Announcement.objects.select_for_update().filter(election=election, kind=kind).first()
    )
    if announcement is None or announcement.state != AnnouncementState.FAILED:
        raise ElectionError(f"{InvitationKind(kind).label}: no failed announcement to send again.")
    if not election.announcement_address:
        raise ElectionError("The election has no announcement address: set one first.")
    now = timezone.now()
    announcement.address = election.announcement_address
    announcement.state, announcement.attempts = AnnouncementState.PENDING, 0
    announcement.not_before = announcement.queued_at = now
    announcement.save(update_fields=["address", "state", "attempts", "not_before", "queued_at"])
    audit_record(
        actor=actor,
        action="election.announcement_retry",
        target=audit_target(election),
        detail={"kind": kind, "address": announcement.address},
    )
    enqueue_on_commit(SEND_TASK, announcement.pk)
    return True
