"""The notice calendar: the election-wide notices (nominations open, their last days, their
end, campaigning, the results) queued by the scheduler when their date comes, once per
election and once per person, and sent by the invitations' workers.

One row per person (roll entry address) and notice, on the first contest whose roll they
are on; the mail lists every contest of the election they are on (``$contests``). The
``NoticeRun`` row (unique per election and notice) is what makes a notice go once: the
scheduler queues it in the transaction that writes that row, so a second run finds it and
does nothing.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import RollEntry
from audit.actions import audit_record, audit_target
from elections import conf
from elections.actions.invitations import _queue_senders, opted_out_addresses
from elections.models import Election, Invitation, NoticeRun, Phase
from elections.notices import ELECTION_NOTICES, ScheduledNotice, notice_calendar, notice_due
from elections.selectors import notice_rolls


def election_notice_calendar(election: Election) -> list[ScheduledNotice]:
    """The election's notices with their dates (``elections.notices.notice_calendar``)."""
    return notice_calendar(
        nominations_opens_at=election.nominations_opens_at,
        nominations_closes_at=election.nominations_closes_at,
        polling_opens_at=election.polling_opens_at,
        polling_closes_at=election.polling_closes_at,
        reminder_days=conf.reminder_days(),
    )


@transaction.atomic
def election_notice_queue(*, election: Election, kind: str) -> int:
    """Queue one election-wide notice to everyone on the rolls it goes to, once. Returns
    how many were queued (0 when it was queued before)."""
    if kind not in ELECTION_NOTICES:
        raise ValueError(f"{kind!r} is not an election-wide notice.")
    election = Election.objects.select_for_update().get(pk=election.pk)
    if NoticeRun.objects.filter(election=election, kind=kind).exists():
        return 0
    now = timezone.now()
    opted_out = {email for _, email in opted_out_addresses({election.pk})}
    pairs = notice_rolls(election, kind)
    contest_of_roll: dict[int, object] = {}
    for contest, roll_id in pairs:
        contest_of_roll.setdefault(roll_id, contest)
    rows: dict[str, Invitation] = {}
    entries = RollEntry.objects.filter(roll_id__in=list(contest_of_roll)).values_list(
        "pk", "roll_id", "email"
    )
    order = {roll_id: index for index, (_, roll_id) in enumerate(pairs)}
    for entry_id, roll_id, email in sorted(entries, key=lambda row: (order[row[1]], row[0])):
        if email in rows or email in opted_out:
            continue  # one mail per person, listing their contests
        contest = contest_of_roll[roll_id]
        rows[email] = Invitation(
            contest=contest,
            kind=kind,
            roll_entry_id=entry_id,
            email=email,
            queued_at=now,
            not_before=now,
            expires_at=election.polling_closes_at,
        )
    Invitation.objects.bulk_create(list(rows.values()), ignore_conflicts=True, batch_size=2000)
    try:
        with transaction.atomic():
            NoticeRun.objects.create(
                election=election, kind=kind, queued_at=now, recipients=len(rows)
            )
    except IntegrityError:  # queued by another run meanwhile
        transaction.set_rollback(True)
        return 0
    audit_record(
        actor=None,
        action="election.notice_queued",
        target=audit_target(election),
        detail={"kind": kind, "queued": len(rows)},
    )
    _queue_senders(len(rows))
    return len(rows)


def election_notices_due(*, now: datetime.datetime | None = None) -> list[tuple[str, str, int]]:
    """The scheduler's part: queue every election-wide notice whose date has come and whose
    phase the election is in. Returns (slug, notice, queued) for each notice queued."""
    now = now or timezone.now()
    queued: list[tuple[str, str, int]] = []
    active = [Phase.NOMINATIONS, Phase.CAMPAIGNING, Phase.POLLING, Phase.PUBLISHED]
    for election in Election.objects.filter(phase__in=active).order_by("pk"):
        done = set(election.notice_runs.values_list("kind", flat=True))
        for notice in election_notice_calendar(election):
            if notice.kind not in ELECTION_NOTICES or notice.kind in done:
                continue
            if notice_due(notice, phase=election.phase, now=now):
                count = election_notice_queue(election=election, kind=notice.kind)
                queued.append((election.slug, notice.kind, count))
    return queued
