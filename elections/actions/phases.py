"""The phase machine: the one writer of ``Election.phase``, by officials or by the scheduler."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.selectors import membership_known
from audit.actions import audit_record, audit_target
from config.queue import enqueue_on_commit
from elections import conf
from elections.actions.announcements import announcement_queue, announcements_requeue_stale
from elections.actions.errors import ElectionError, IllegalPhaseMove
from elections.actions.invitations import invitations_queue, invitations_requeue_stale
from elections.actions.mail import (
    election_queue_reminders,
    notifications_requeue_stale,
)
from elections.actions.notice_calendar import election_notices_due
from elections.actions.rolls import _freeze_nomination_roll
from elections.actions.settlement import contest_settle, contests_move
from elections.actions.setup import _commit_tie_seeds
from elections.models import (
    ContestKind,
    ContestState,
    Election,
    InvitationKind,
    Phase,
)
from elections.permissions import refusal_reason
from elections.selectors import teams_never_ingested

logger = logging.getLogger(__name__)


# --- The phase machine ---------------------------------------------------------------------

# Forward only; campaigning may be skipped. Tallying and publishing follow the close.
LEGAL_MOVES: dict[str, frozenset[str]] = {
    Phase.DRAFT: frozenset({Phase.NOMINATIONS}),
    Phase.NOMINATIONS: frozenset({Phase.CAMPAIGNING, Phase.POLLING}),
    Phase.CAMPAIGNING: frozenset({Phase.POLLING}),
    Phase.POLLING: frozenset({Phase.CLOSED}),
    Phase.CLOSED: frozenset({Phase.TALLIED}),
    Phase.TALLIED: frozenset({Phase.PUBLISHED}),
}
PHASE_ORDER: tuple[str, ...] = tuple(Phase.values)


def legal_moves(election: Election) -> list[str]:
    """Phases ``election`` may move to next, in calendar order."""
    targets = set(LEGAL_MOVES.get(election.phase, frozenset()))
    if not election.has_campaigning:
        targets.discard(Phase.CAMPAIGNING)
    return [phase for phase in PHASE_ORDER if phase in targets]


def _check_move(election: Election, to_phase: str) -> None:
    label = Phase(to_phase).label if to_phase in Phase.values else to_phase
    if to_phase not in legal_moves(election):
        allowed = ", ".join(Phase(p).label for p in legal_moves(election)) or "none"
        raise IllegalPhaseMove(
            f"{election.name} cannot move from {election.get_phase_display()} to {label}. "
            f"Allowed next: {allowed}."
        )
    contests = list(election.contests.all())
    if to_phase == Phase.NOMINATIONS and not contests:
        raise IllegalPhaseMove(f"{election.name} has no contest; add one before nominations open.")
    if election.phase == Phase.NOMINATIONS:
        for contest in contests:
            if contest.kind == ContestKind.COMMUNITY and contest.options.count() < 2:
                raise IllegalPhaseMove(
                    f"The community vote {contest.name} needs at least two options."
                )
    if to_phase == Phase.TALLIED:
        untallied = [c.name for c in contests if c.state == ContestState.CLOSED]
        if untallied:
            raise IllegalPhaseMove(
                "These contests are not tallied yet: " + ", ".join(untallied) + "."
            )


def _check_rolls(
    election: Election, to_phase: str, actor: Any, force_reason: str
) -> dict[str, Any]:
    """Refuse to open nominations on rolls that cannot be right: an election requiring
    Foundation membership with no membership list imported (every roll would be empty), or
    teams none of whose repositories was ever ingested (their rolls would be empty for want
    of data), unless an official forces the latter with a reason. Returns what was forced,
    for the audit entry."""
    if to_phase != Phase.NOMINATIONS:
        return {}
    if election.requires_membership and not membership_known():
        raise IllegalPhaseMove(
            f"{election.name} requires Foundation individual membership, but no membership "
            "list has been imported, so every roll would be empty: import it first "
            "(manage.py import_members FILE), or stop requiring membership."
        )
    teams = teams_never_ingested(election)
    if not teams:
        return {}
    named = ", ".join(teams[:10]) + (f" and {len(teams) - 10} more" if len(teams) > 10 else "")
    if not force_reason:
        raise IllegalPhaseMove(
            f"The rolls of {named} would be empty: none of their repositories was ever "
            "ingested. Ingest them first (ingest_commits, ingest_gerrit), or force empty "
            "rolls with a reason."
        )
    if actor is None:
        raise IllegalPhaseMove("Only an official can force empty rolls, with a reason.")
    return {"teams": teams, "reason": force_reason}


@transaction.atomic
def election_phase_move(
    *, election: Election, to_phase: str, actor: Any, reason: str, force_empty_rolls: str = ""
) -> Election:
    """Move ``election`` to ``to_phase`` and do what entering that phase means.

    ``actor`` is the official moving it by hand (a reason is then required) or None for the
    scheduler. Entering nominations fixes each contest's tie seed (its SHA-256 goes in the
    audit entry) and freezes its nomination roll; leaving
    nominations settles every contest (``contest_settle``); entering polling e-mails the
    electorates; closing ends every poll. Illegal moves raise ``IllegalPhaseMove``, as does
    opening nominations with a roll that cannot be right (``_check_rolls``) unless
    ``force_empty_rolls`` gives the official's reason for freezing empty rolls anyway.

    Long because a move and what entering the phase means happen under one lock in one
    transaction, each step a few lines in the order of the phases.
    """
    reason = reason.strip()
    if actor is not None and not reason:
        raise IllegalPhaseMove("Give a reason for moving the phase by hand.")
    reason_refused = refusal_reason(actor, election)
    if reason_refused:
        raise IllegalPhaseMove(reason_refused)
    election = Election.objects.select_for_update().get(pk=election.pk)
    _check_move(election, to_phase)
    forced = _check_rolls(election, to_phase, actor, force_empty_rolls.strip())
    from_phase = election.phase
    election.phase = to_phase
    moved_dates = _record_actual_boundary(election, to_phase, timezone.now())
    election.save(update_fields=["phase", *moved_dates])
    detail: dict[str, Any] = {
        "from": from_phase,
        "to": to_phase,
        "reason": reason,
        "election": election.slug,
        "calendar_changes": moved_dates,
    }
    if to_phase == Phase.NOMINATIONS:
        # The tie seeds are fixed from now on and their hashes go public: the entry records
        # the commitments (never the seeds), revealed with each result.
        detail["tie_seed_sha256"] = _commit_tie_seeds(election)
    if forced:
        detail["empty_rolls_forced"] = forced
    audit_record(
        actor=actor, action="election.phase_move", target=audit_target(election), detail=detail
    )
    contests = list(election.contests.select_for_update().order_by("pk"))
    if to_phase == Phase.NOMINATIONS:
        for contest in contests:
            _freeze_nomination_roll(contest=contest, actor=actor)
    if from_phase == Phase.NOMINATIONS:
        for contest in contests:
            contest_settle(contest=contest, actor=actor)
        contests = list(election.contests.order_by("pk"))
    if to_phase == Phase.POLLING:
        for contest in contests:
            if contest.state == ContestState.POLLING:
                invitations_queue(contest=contest)  # everyone on the roll, account or not
        announcement_queue(election=election, kind=InvitationKind.POLLING_OPEN, now=timezone.now())
    if to_phase == Phase.CLOSED:
        contests_move(contests, ContestState.POLLING, ContestState.CLOSED, actor)
        # The close owns what follows it: each closed poll is sealed and counted by a worker
        # (never in this request), queued when this move commits, in every set-up. A closed,
        # uncounted contest is also the row the sweep (results.tally_closed_contests) finds.
        # The seal and the count follow from the close, so the system does them: whoever
        # closed (even an official who stands in a contest) neither does nor blocks them.
        for contest in contests:
            if contest.state == ContestState.CLOSED:
                enqueue_on_commit("results.seal_and_count", contest.pk)
    if to_phase == Phase.PUBLISHED:
        contests_move(contests, ContestState.TALLIED, ContestState.PUBLISHED, actor)
    return election


@transaction.atomic
def election_results_withdrawn(*, election: Election, actor: Any, reason: str) -> Election:
    """A published result of ``election`` was taken down: a published election goes back to
    tallied, and its contests from "result published" to tallied, so that no page says
    published beside a result that is not. The one backward move, and not one an official
    can make by hand (``LEGAL_MOVES``); publishing the results again moves it forward
    (``results.follow_election``). Anything else is left as it is."""
    election = Election.objects.select_for_update().get(pk=election.pk)
    if election.phase != Phase.PUBLISHED:
        return election
    election.phase = Phase.TALLIED
    election.save(update_fields=["phase"])
    audit_record(
        actor=actor,
        action="election.phase_move",
        target=audit_target(election),
        detail={
            "from": Phase.PUBLISHED,
            "to": Phase.TALLIED,
            "reason": reason,
            "election": election.slug,
            "calendar_changes": {},
        },
    )
    contests = list(election.contests.select_for_update().order_by("pk"))
    contests_move(contests, ContestState.PUBLISHED, ContestState.TALLIED, actor)
    return election


def _record_actual_boundary(
    election: Election, to_phase: str, now: datetime.datetime
) -> dict[str, str]:
    """Make the calendar say what happened when a phase is entered ahead of its date.

    Voting opens and closes by the calendar's dates, so a poll opened early by hand must
    move ``polling_opens_at`` to now (and likewise for the other boundaries). A phase whose
    whole span has already passed cannot be entered: the officials change the dates first.
    Returns {field: new ISO date} for the audit entry.
    """
    changes: dict[str, datetime.datetime] = {}
    if to_phase == Phase.NOMINATIONS:
        if now >= election.nominations_closes_at:
            raise IllegalPhaseMove(
                "Nominations were due to close before now; change the calendar first."
            )
        if now < election.nominations_opens_at:
            changes["nominations_opens_at"] = now
    elif to_phase in (Phase.CAMPAIGNING, Phase.POLLING):
        if now < election.nominations_closes_at:
            changes["nominations_closes_at"] = now
        if to_phase == Phase.POLLING:
            if now >= election.polling_closes_at:
                raise IllegalPhaseMove(
                    "Polling was due to close before now; change the calendar first."
                )
            if now < election.polling_opens_at:
                changes["polling_opens_at"] = now
    elif to_phase == Phase.CLOSED and now < election.polling_closes_at:
        changes["polling_closes_at"] = now
    for field, value in changes.items():
        setattr(election, field, value)
    return {field: value.isoformat() for field, value in changes.items()}


def _next_scheduled_phase(election: Election, now: datetime.datetime) -> str | None:
    """The next phase the calendar calls for at ``now``, or None when none is due."""
    due = PHASE_ORDER.index(election.scheduled_phase(now))
    current = PHASE_ORDER.index(election.phase)
    if election.phase not in (Phase.DRAFT, Phase.NOMINATIONS, Phase.CAMPAIGNING, Phase.POLLING):
        return None
    if due <= current:
        return None
    if election.phase == Phase.DRAFT and now >= election.nominations_closes_at:
        # A draft whose nominations have already passed needs new dates, not a sweep
        # through empty phases.
        return None
    candidates = legal_moves(election)
    return candidates[0] if candidates else None


def elections_advance(*, now: datetime.datetime | None = None) -> list[tuple[str, str, str]]:
    """The scheduler: move every scheduled election whose time has come; send reminders.

    Returns (slug, from, to) for each move. Safe to run as often as wanted: an election
    already in its due phase is left alone, and each move re-checks under a row lock.
    """
    now = now or timezone.now()
    moves: list[tuple[str, str, str]] = []
    active = [Phase.DRAFT, Phase.NOMINATIONS, Phase.CAMPAIGNING, Phase.POLLING]
    for election in Election.objects.filter(auto_advance=True, phase__in=active).order_by("pk"):
        while (to_phase := _next_scheduled_phase(election, now)) is not None:
            from_phase = election.phase
            try:
                election = election_phase_move(
                    election=election,
                    to_phase=to_phase,
                    actor=None,
                    reason=f"calendar: {Phase(to_phase).label} due at {now.isoformat()}",
                )
            except IllegalPhaseMove as error:
                logger.warning("Scheduler could not move %s: %s", election.slug, error)
                break
            moves.append((election.slug, from_phase, to_phase))
    election_notices_due(now=now)
    notifications_requeue_stale(now=now)
    invitations_requeue_stale(now=now)
    announcements_requeue_stale(now=now)
    reminder_due = now + datetime.timedelta(days=conf.reminder_days())
    for election in Election.objects.filter(
        phase=Phase.POLLING, reminder_queued_at__isnull=True, polling_closes_at__lte=reminder_due
    ):
        election_queue_reminders(election=election)
    return moves


# --- Imported history ------------------------------------------------------------------

_PLACED_ORDER = [Phase.DRAFT, Phase.NOMINATIONS, Phase.CAMPAIGNING, Phase.POLLING, Phase.CLOSED]


@transaction.atomic
def election_place_by_calendar(
    *, election: Election, actor: Any, now: datetime.datetime | None = None
) -> Election:
    """Put a draft election of record at the phase its calendar says for ``now``, doing what
    each boundary passed means for the record (tie seeds fixed and rolls frozen at the opening
    of nominations, every contest settled at their close) and nothing meant for people (no
    mail, no count: a poll held elsewhere is counted there)."""
    now = now or timezone.now()
    election = Election.objects.select_for_update().get(pk=election.pk)
    if election.phase != Phase.DRAFT or not election.calendar_of_record:
        raise ElectionError("Only a draft imported from a past cycle is placed by its calendar.")
    target = election.scheduled_phase(now)
    if target == Phase.DRAFT:
        return election
    commitments = _commit_tie_seeds(election)
    contests = list(election.contests.select_for_update().order_by("pk"))
    for contest in contests:
        _freeze_nomination_roll(contest=contest, actor=actor)
    if _PLACED_ORDER.index(target) > _PLACED_ORDER.index(Phase.NOMINATIONS):
        for contest in contests:
            contest_settle(contest=contest, actor=actor)
    election.phase = target
    election.save(update_fields=["phase"])
    audit_record(
        actor=actor,
        action="election.phase_move",
        target=audit_target(election),
        detail={
            "from": Phase.DRAFT,
            "to": target,
            "reason": f"replay of record: the calendar says {target} at {now.isoformat()}",
            "election": election.slug,
            "calendar_changes": {},
            "tie_seed_sha256": commitments,
        },
    )
    return election
