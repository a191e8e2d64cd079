"""The notice calendar: the election-wide notices (the election season, nominations open,
their last days, their end, campaigning, the last days of polling, the results) queued by the
scheduler when their date comes, once per election and once per person, and sent by the
invitations' workers; each is announced once to the election's list as well, if it has one
(``elections.actions.announcements``). The last days of polling go to the list only.

One row per person (roll entry address) and notice, on the first contest whose roll they
are on; the mail lists every contest of the election they are on (``$contests``). The
``NoticeRun`` row (unique per election and notice) is what makes a notice go once: the
scheduler queues it in the transaction that writes that row, so a second run finds it and
does nothing. A notice the scheduler finds after its last moment (``STACKVOTE_NOTICE_GRACE_
DAYS`` after its date: the site deployed onto elections already under way, the scheduler
stopped for days) gets a row saying it was missed, and goes only if an official sends it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import RollEntry
from audit.actions import audit_record, audit_target
from elections import conf
from elections.actions.announcements import announcement_queue
from elections.actions.errors import ElectionError
from elections.actions.invitations import _queue_senders, opted_out_addresses
from elections.actions.rolls import _freeze, _roll_detail
from elections.models import (
    Election,
    Invitation,
    InvitationKind,
    NoticeRun,
    NoticeRunState,
    Phase,
)
from elections.notices import (
    ELECTION_NOTICES,
    LIST_ONLY,
    NOTICE_PHASES,
    ScheduledNotice,
    notice_calendar,
    notice_due,
    notice_missed,
)
from elections.permissions import refusal_reason
from elections.selectors import notice_rolls


def _results_published_at(election: Election) -> datetime.datetime | None:
    """When the election's results were published (its last result), if they were."""
    if election.phase != Phase.PUBLISHED or not apps.is_installed("elections.results"):
        return None
    # By the reverse relation: elections import nothing of the results app.
    return election.contests.filter(results__state="published").aggregate(
        moment=Max("results__published_at")
    )["moment"]


def election_notice_calendar(election: Election) -> list[ScheduledNotice]:
    """The election's notices with their dates (``elections.notices.notice_calendar``)."""
    return notice_calendar(
        nominations_opens_at=election.nominations_opens_at,
        nominations_closes_at=election.nominations_closes_at,
        polling_opens_at=election.polling_opens_at,
        polling_closes_at=election.polling_closes_at,
        reminder_days=conf.reminder_days(),
        season_days=conf.season_notice_days(),
        last_days=conf.polling_last_days(),
        grace=datetime.timedelta(days=conf.notice_grace_days()),
        results_published_at=_results_published_at(election),
    )


def _season_rolls(election: Election) -> list[dict[str, Any]]:
    """Freeze, for each contest, the roll the election season notice goes to: who would be on
    it as things stand before nominations open."""
    frozen = []
    for contest in election.contests.select_for_update().order_by("pk"):
        if contest.season_roll_id is None:
            contest.season_roll = _freeze(contest, None)
            contest.save(update_fields=["season_roll"])
        frozen.append({"contest": contest.pk, **_roll_detail(contest.season_roll)})
    return frozen


@transaction.atomic
def election_notice_queue(*, election: Election, kind: str, actor: Any = None) -> int:
    """Queue one election-wide notice to everyone on the rolls it goes to, once. Returns
    how many were queued (0 when it was queued before).

    ``actor`` None: the scheduler, which never sends a notice recorded as missed. An official
    (``actor``) may send a missed one deliberately, while the election is in its phase."""
    if kind not in ELECTION_NOTICES:
        raise ValueError(f"{kind!r} is not an election-wide notice.")
    if actor is not None:
        reason = refusal_reason(actor, election)
        if reason:
            raise ElectionError(reason)
    election = Election.objects.select_for_update().get(pk=election.pk)
    run = NoticeRun.objects.filter(election=election, kind=kind).first()
    if run is not None and (run.state == NoticeRunState.QUEUED or actor is None):
        return 0
    if actor is not None and election.phase not in NOTICE_PHASES[kind]:
        raise ElectionError(
            f"{InvitationKind(kind).label} goes while the election is in "
            + " or ".join(sorted(NOTICE_PHASES[kind]))
            + f"; it is in {election.get_phase_display().lower()}."
        )
    if kind in LIST_ONLY and not election.announcement_address:
        raise ElectionError(
            f"{InvitationKind(kind).label} goes to the announcement list only, and this "
            "election has no announcement address: it has nowhere to go."
        )
    now = timezone.now()
    detail: dict[str, Any] = {"kind": kind}
    if kind == InvitationKind.ELECTION_SEASON:
        detail["season_rolls"] = _season_rolls(election)
    # A list-only notice goes to no one person (each who has not voted is reminded).
    rows = {} if kind in LIST_ONLY else _notice_rows(election, kind, now)
    Invitation.objects.bulk_create(list(rows.values()), ignore_conflicts=True, batch_size=2000)
    if run is not None:  # missed, sent now by an official
        run.state, run.queued_at, run.recipients = NoticeRunState.QUEUED, now, len(rows)
        run.save(update_fields=["state", "queued_at", "recipients"])
    else:
        try:
            with transaction.atomic():
                NoticeRun.objects.create(
                    election=election, kind=kind, queued_at=now, recipients=len(rows)
                )
        except IntegrityError:  # queued by another run meanwhile
            transaction.set_rollback(True)
            return 0
    detail["queued"] = len(rows)
    if announcement_queue(election=election, kind=kind, now=now):
        detail["announced_to"] = election.announcement_address
    audit_record(
        actor=actor,
        action="election.notice_queued",
        target=audit_target(election),
        detail=detail,
    )
    _queue_senders(len(rows))
    return len(rows)


def _notice_rows(election: Election, kind: str, now: datetime.datetime) -> dict[str, Invitation]:
    """One unsaved row per person (address) on the notice's rolls, on their first contest."""
    opted_out = {email for _, email in opted_out_addresses({election.pk})}
    pairs = notice_rolls(election, kind)
    contest_of_roll: dict[int, Any] = {}
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
        rows[email] = Invitation(
            contest=contest_of_roll[roll_id],
            kind=kind,
            roll_entry_id=entry_id,
            email=email,
            queued_at=now,
            not_before=now,
            expires_at=election.polling_closes_at,
        )
    return rows


@transaction.atomic
def election_notice_missed(*, election: Election, kind: str, now: datetime.datetime) -> bool:
    """Record that a notice's moment passed before the scheduler could send it (not sent).
    Returns False when the notice already has its row."""
    try:
        with transaction.atomic():
            NoticeRun.objects.create(
                election=election,
                kind=kind,
                state=NoticeRunState.MISSED,
                queued_at=now,
                recipients=0,
            )
    except IntegrityError:
        return False
    audit_record(
        actor=None,
        action="election.notice_missed",
        target=audit_target(election),
        detail={"kind": kind},
    )
    return True


def election_notices_due(*, now: datetime.datetime | None = None) -> list[tuple[str, str, int]]:
    """The scheduler's part: queue every election-wide notice whose date has come and whose
    phase the election is in; record as missed those whose last moment has passed. Returns
    (slug, notice, queued) for each notice queued (queued -1: recorded as missed)."""
    now = now or timezone.now()
    done: list[tuple[str, str, int]] = []
    active = [Phase.NOMINATIONS, Phase.CAMPAIGNING, Phase.POLLING, Phase.PUBLISHED]
    # A draft is the officials' until the scheduler is to run it: only scheduled drafts get
    # the election season notice.
    elections = Election.objects.filter(phase__in=active) | Election.objects.filter(
        phase=Phase.DRAFT, auto_advance=True
    )
    for election in elections.order_by("pk"):
        recorded = set(election.notice_runs.values_list("kind", flat=True))
        for notice in election_notice_calendar(election):
            if notice.kind not in ELECTION_NOTICES or notice.kind in recorded:
                continue
            if notice.kind in LIST_ONLY and not election.announcement_address:
                continue  # nowhere to go (the notices page says so)
            if notice_due(notice, phase=election.phase, now=now):
                count = election_notice_queue(election=election, kind=notice.kind)
                done.append((election.slug, notice.kind, count))
            elif election.phase != Phase.DRAFT and notice_missed(
                notice, now=now, phase=election.phase
            ):
                # A draft's dates may still change: nothing is missed before it runs.
                if election_notice_missed(election=election, kind=notice.kind, now=now):
                    done.append((election.slug, notice.kind, -1))
    return done
