"""The one reminder to people who have not voted: once per person and election, naming the
polls they may still vote in, whatever the number of rolls they are on.

A reminder row exists only until its mail goes (``elections.actions.invitations`` deletes it
when the server accepts it): a kept row would be a list of who had not voted. The officials
see counts only (``elections.selectors.reminder_counts``): never who was reminded.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import RollEntry
from audit.actions import audit_record, audit_target
from elections.actions.errors import ElectionError
from elections.actions.invitations import _queue_senders, opted_out_addresses
from elections.models import (
    ContestState,
    Election,
    Invitation,
    InvitationKind,
    InvitationState,
    Phase,
)
from elections.permissions import refusal_reason


def reminders_queue(*, election: Election) -> int:
    """Queue one reminder per person on the roll of a poll of ``election`` who has not voted
    in at least one of them, on the first such poll's row; run inside the transaction that
    records that the reminders went (``election_queue_reminders``). Returns how many."""
    now = timezone.now()
    opted_out = {email for _, email in opted_out_addresses({election.pk})}
    already = set(
        Invitation.objects.filter(
            contest__election=election, kind=InvitationKind.POLLING_REMINDER
        ).values_list("email", flat=True)
    )
    rows: dict[str, Invitation] = {}
    contests = election.contests.filter(state=ContestState.POLLING, roll__isnull=False)
    for contest in contests.order_by("pk"):
        # The voter records name the roll entry, never the ballot.
        voted = set(contest.voter_records.values_list("roll_entry_id", flat=True))
        for entry_id, email in (
            RollEntry.objects.filter(roll_id=contest.roll_id)
            .order_by("pk")
            .values_list("pk", "email")
        ):
            if entry_id in voted or email in rows or email in already or email in opted_out:
                continue
            rows[email] = Invitation(
                contest=contest,
                kind=InvitationKind.POLLING_REMINDER,
                roll_entry_id=entry_id,
                email=email,
                queued_at=now,
                not_before=now,
                expires_at=contest.polling_closes_at,
            )
    Invitation.objects.bulk_create(list(rows.values()), ignore_conflicts=True, batch_size=2000)
    _queue_senders(len(rows))
    return len(rows)


@transaction.atomic
def reminders_retry(*, election: Election, actor: Any) -> int:
    """An official queues the election's failed reminders again, all of them: they see how
    many failed, never to whom (who had not voted)."""
    reason = refusal_reason(actor, election)
    if reason:
        raise ElectionError(reason)
    if election.phase != Phase.POLLING:
        raise ElectionError("Polling is not open: a reminder to vote would come too late.")
    now = timezone.now()
    count = Invitation.objects.filter(
        contest__election=election,
        kind=InvitationKind.POLLING_REMINDER,
        state=InvitationState.FAILED,
    ).update(state=InvitationState.PENDING, attempts=0, not_before=now, queued_at=now)
    if count:
        audit_record(
            actor=actor,
            action="election.reminders_retry",
            target=audit_target(election),
            detail={"queued": count},
        )
        _queue_senders(count)
    return count
