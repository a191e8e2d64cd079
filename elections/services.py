"""Every state change of the elections app: one keyword-only function per change, atomic.

Views, forms, admin actions and tasks check permissions and validate input, then call one of
these. Each records itself in the audit log with ``audit_record``; side effects (e-mail) are
queued with ``delay_on_commit`` so nothing leaves before the data is committed.
"""

from __future__ import annotations

import datetime
import json
import logging
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from elections.audit import GENESIS_HASH, entry_digest
from elections.markdown import render_markdown
from elections.models import (
    AuditEntry,
    Candidacy,
    CandidacyState,
    Contest,
    ContestKind,
    ContestState,
    CountingMethod,
    Election,
    Notification,
    NotificationKind,
    NotificationState,
    Option,
    Phase,
)
from elections.openstack import OpenStackCalendar

logger = logging.getLogger(__name__)

# Key of the PostgreSQL advisory lock that serialises appends to the audit chain.
_AUDIT_LOCK_KEY = 0x5354_4B56  # "STKV"


# --- Errors a user can cause -------------------------------------------------------------


class ElectionError(Exception):
    """A refused request; ``str(error)`` is a message for the person who made it."""


class IllegalPhaseMove(ElectionError):
    pass


class CandidacyRefused(ElectionError):
    pass


# --- Audit log ---------------------------------------------------------------------------


def _actor_label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "system"
    return str(actor.email)


def _target(instance: Any) -> str:
    return f"{instance._meta.model_name}:{instance.pk}"


@transaction.atomic
def audit_record(*, actor: Any, action: str, target: str, detail: dict[str, Any]) -> AuditEntry:
    """Append one entry to the hash-chained audit log and return it.

    ``actor`` is the user who made the change (None for the scheduler), ``action`` a dotted
    verb such as ``election.phase_move``, ``target`` the object as "<model>:<pk>" and
    ``detail`` a JSON-serialisable dict (from/to/reason ...).
    """
    # Appends are serialised so that two writers never chain to the same predecessor
    # (``previous_hash`` is also unique, as a backstop). SQLite serialises writes itself.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_AUDIT_LOCK_KEY])
    last = AuditEntry.objects.order_by("-pk").values_list("entry_hash", flat=True).first()
    previous_hash = last or GENESIS_HASH
    # Round-trip through JSON so the hashed detail is exactly what the database returns.
    stored_detail = json.loads(json.dumps(detail, cls=DjangoJSONEncoder))
    created_at = timezone.now()
    actor_label = _actor_label(actor)
    entry = AuditEntry(
        created_at=created_at,
        actor=actor if actor_label != "system" else None,
        actor_label=actor_label,
        action=action,
        target=target,
        detail=stored_detail,
        previous_hash=previous_hash,
        entry_hash=entry_digest(
            previous_hash=previous_hash,
            created_at=created_at,
            actor_label=actor_label,
            action=action,
            target=target,
            detail=stored_detail,
        ),
    )
    entry.save(force_insert=True)
    return entry


# --- Elections, contests, options ----------------------------------------------------------

# The fields of an election that officials set (forms, the admin, create and update).
ELECTION_FIELDS: tuple[str, ...] = (
    "name",
    "slug",
    "description",
    "nominations_opens_at",
    "nominations_closes_at",
    "polling_opens_at",
    "polling_closes_at",
    "window_start",
    "window_end",
    "email_deadline",
    "auto_advance",
    "auto_publish_results",
)


def _full_clean(instance: Any) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        messages = "; ".join(
            f"{field}: {' '.join(errors)}" if field != "__all__" else " ".join(errors)
            for field, errors in error.message_dict.items()
        )
        raise ElectionError(messages) from error


def _save_changes(
    instance: Any, *, fields: dict[str, Any], before: dict[str, Any], actor: Any, action: str
) -> None:
    """Apply ``fields``, validate, save what changed and audit it as from → to."""
    for field, value in fields.items():
        setattr(instance, field, value)
    _full_clean(instance)
    changed = [field for field in fields if before[field] != getattr(instance, field)]
    if changed:
        instance.save(update_fields=changed)
        audit_record(
            actor=actor,
            action=action,
            target=_target(instance),
            detail={f: {"from": before[f], "to": getattr(instance, f)} for f in changed},
        )


@transaction.atomic
def election_create(*, actor: Any, **fields: Any) -> Election:
    """Create an election in draft. ``fields`` are Election fields (name, slug, calendar...)."""
    unknown = set(fields) - set(ELECTION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown election fields: {', '.join(sorted(unknown))}")
    election = Election(**fields)
    _full_clean(election)
    election.save()
    audit_record(
        actor=actor,
        action="election.create",
        target=_target(election),
        detail={field: getattr(election, field) for field in ELECTION_FIELDS},
    )
    return election


@transaction.atomic
def election_update(*, election: Election, actor: Any, **fields: Any) -> Election:
    """Change an election's name, description or calendar; the calendar rules apply again.

    Dates of phases already under way or over cannot move backwards past ``now``: only the
    calendar ahead can change.
    """
    unknown = set(fields) - set(ELECTION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown election fields: {', '.join(sorted(unknown))}")
    election = Election.objects.select_for_update().get(pk=election.pk)
    before = {field: getattr(election, field) for field in fields}
    if election.phase not in (Phase.DRAFT, Phase.NOMINATIONS, Phase.CAMPAIGNING, Phase.POLLING):
        wording = ("name", "description")
        changing = [f for f in fields if f not in wording and fields[f] != before[f]]
        if changing:
            raise ElectionError("The calendar of an election that has closed cannot change.")
    window = ("window_start", "window_end", "nominations_opens_at")
    if election.phase != Phase.DRAFT and any(
        f in fields and fields[f] != before[f] for f in window
    ):
        raise ElectionError(
            "The qualifying window and the opening of nominations are fixed once nominations "
            "have opened: the rolls were frozen from them."
        )
    _save_changes(election, fields=fields, before=before, actor=actor, action="election.update")
    return election


def _default_tie_seed() -> str:
    # Public seed for the charter's tie-breaking draw; shown on the contest page.
    return secrets.token_hex(16)


@transaction.atomic
def contest_create(
    *,
    election: Election,
    actor: Any,
    kind: str,
    name: str,
    slug: str,
    team: Any = None,
    seats: int = 1,
    method: str = CountingMethod.SCHULZE,
    max_per_affiliation: int | None = None,
    tie_seed: str = "",
    description: str = "",
) -> Contest:
    """Add a contest to an election that has not yet closed its nominations."""
    election = Election.objects.select_for_update().get(pk=election.pk)
    if election.phase not in (Phase.DRAFT, Phase.NOMINATIONS):
        raise ElectionError("Contests can be added only before nominations close.")
    contest = Contest(
        election=election,
        kind=kind,
        name=name,
        slug=slug,
        team=team,
        seats=seats,
        method=method,
        max_per_affiliation=max_per_affiliation,
        tie_seed=tie_seed or _default_tie_seed(),
        description=description,
    )
    _full_clean(contest)
    contest.save()
    audit_record(
        actor=actor,
        action="contest.create",
        target=_target(contest),
        detail={
            "election": election.slug,
            "kind": kind,
            "name": name,
            "slug": slug,
            "team": getattr(team, "slug", None),
            "seats": seats,
            "method": method,
            "max_per_affiliation": max_per_affiliation,
            "tie_seed": contest.tie_seed,
        },
    )
    if election.phase == Phase.NOMINATIONS:
        _freeze_nomination_roll(contest=contest, actor=actor)
    return contest


_CONTEST_EDITABLE: tuple[str, ...] = (
    "name",
    "description",
    "seats",
    "method",
    "max_per_affiliation",
    "tie_seed",
)


@transaction.atomic
def contest_update(*, contest: Contest, actor: Any, **fields: Any) -> Contest:
    """Change a contest's name, seats, method, affiliation limit or seed before the polls open."""
    unknown = set(fields) - set(_CONTEST_EDITABLE)
    if unknown:
        raise TypeError(f"These contest fields cannot change: {', '.join(sorted(unknown))}")
    contest = Contest.objects.select_for_update().select_related("election").get(pk=contest.pk)
    before = {field: getattr(contest, field) for field in fields}
    counting = {"seats", "method", "max_per_affiliation", "tie_seed"}
    changing_counting = [f for f in counting & set(fields) if fields[f] != before[f]]
    if changing_counting and contest.election.phase not in (Phase.DRAFT, Phase.NOMINATIONS):
        raise ElectionError(
            "Seats, method, affiliation limit and seed are fixed once nominations close."
        )
    _save_changes(contest, fields=fields, before=before, actor=actor, action="contest.update")
    return contest


@transaction.atomic
def contest_delete(*, contest: Contest, actor: Any) -> None:
    """Remove a contest from an election that is still a draft (nothing has happened yet)."""
    contest = Contest.objects.select_for_update().select_related("election").get(pk=contest.pk)
    if contest.election.phase != Phase.DRAFT:
        raise ElectionError("Contests can be removed only while the election is a draft.")
    audit_record(
        actor=actor,
        action="contest.delete",
        target=_target(contest),
        detail={"election": contest.election.slug, "name": contest.name, "slug": contest.slug},
    )
    contest.delete()


@transaction.atomic
def election_delete(*, election: Election, actor: Any) -> None:
    """Remove a draft election and its contests."""
    election = Election.objects.select_for_update().get(pk=election.pk)
    if election.phase != Phase.DRAFT:
        raise ElectionError("Only a draft election can be removed.")
    audit_record(
        actor=actor,
        action="election.delete",
        target=_target(election),
        detail={
            "name": election.name,
            "slug": election.slug,
            "contests": list(election.contests.values_list("slug", flat=True)),
        },
    )
    election.delete()


@transaction.atomic
def option_create(*, contest: Contest, actor: Any, name: str, description: str = "") -> Option:
    """Add an option to a community vote before nominations close."""
    contest = Contest.objects.select_for_update().select_related("election").get(pk=contest.pk)
    if contest.kind != ContestKind.COMMUNITY:
        raise ElectionError("Only community votes have options; other contests have candidates.")
    if contest.election.phase not in (Phase.DRAFT, Phase.NOMINATIONS):
        raise ElectionError("Options can be added only before nominations close.")
    option = Option(contest=contest, name=name, description=description)
    _full_clean(option)
    option.save()
    audit_record(
        actor=actor,
        action="option.create",
        target=_target(option),
        detail={"contest": contest.pk, "name": name},
    )
    return option


# --- Rolls -------------------------------------------------------------------------------


def _freeze(contest: Contest, actor: Any) -> Any:
    from accounts.services import roll_freeze

    # A contest's electorate: the team's contributors for a PTL contest (or a team-scoped
    # community vote); everyone who contributed to an official repository otherwise.
    return roll_freeze(
        team=contest.team if contest.team_id else None,
        start=contest.election.window_start,
        end=contest.election.window_end,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _roll_detail(roll: Any) -> dict[str, Any]:
    return {"roll": roll.pk, "fingerprint": roll.fingerprint, "size": _roll_size(roll)}


def _roll_size(roll: Any) -> int:
    from elections.selectors import roll_size

    return roll_size(roll)


def _freeze_nomination_roll(*, contest: Contest, actor: Any) -> None:
    roll = _freeze(contest, actor)
    contest.nomination_roll = roll
    contest.save(update_fields=["nomination_roll"])
    audit_record(
        actor=actor,
        action="contest.nomination_roll_freeze",
        target=_target(contest),
        detail=_roll_detail(roll),
    )


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


@transaction.atomic
def election_phase_move(*, election: Election, to_phase: str, actor: Any, reason: str) -> Election:
    """Move ``election`` to ``to_phase`` and do what entering that phase means.

    ``actor`` is the official moving it by hand (a reason is then required) or None for the
    scheduler. Entering nominations freezes each contest's nomination roll; leaving
    nominations settles every contest (``contest_settle``); entering polling e-mails the
    electorates; closing ends every poll. Illegal moves raise ``IllegalPhaseMove``.
    """
    reason = reason.strip()
    if actor is not None and not reason:
        raise IllegalPhaseMove("Give a reason for moving the phase by hand.")
    if actor is not None:
        from elections.permissions import can_administer

        if not can_administer(actor, election):
            raise IllegalPhaseMove("Only the officials of this election can move its phase.")
    election = Election.objects.select_for_update().get(pk=election.pk)
    _check_move(election, to_phase)
    from_phase = election.phase
    election.phase = to_phase
    moved_dates = _record_actual_boundary(election, to_phase, timezone.now())
    election.save(update_fields=["phase", *moved_dates])
    audit_record(
        actor=actor,
        action="election.phase_move",
        target=_target(election),
        detail={
            "from": from_phase,
            "to": to_phase,
            "reason": reason,
            "election": election.slug,
            "calendar_changes": moved_dates,
        },
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
                _queue_electorate_mail(contest=contest, kind=NotificationKind.POLLING_OPEN)
    if to_phase == Phase.CLOSED:
        _move_contests(contests, ContestState.POLLING, ContestState.CLOSED, actor)
    if to_phase == Phase.PUBLISHED:
        _move_contests(contests, ContestState.TALLIED, ContestState.PUBLISHED, actor)
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


def _move_contests(contests: Iterable[Contest], from_state: str, to_state: str, actor: Any) -> None:
    for contest in contests:
        if contest.state == from_state:
            contest.state = to_state
            contest.save(update_fields=["state"])
            audit_record(
                actor=actor,
                action="contest.state",
                target=_target(contest),
                detail={"from": from_state, "to": to_state},
            )


@transaction.atomic
def contest_settle(*, contest: Contest, actor: Any) -> Contest:
    """Settle a contest at the close of nominations and freeze its electorate.

    No approved candidate: appointment needed (the TC appoints, per the OpenStack charter).
    No more approved candidates than seats (and no affiliation over its limit): those
    candidates are elected by acclamation and no poll is held. Otherwise: a poll. Candidacies
    still awaiting review do not stand; they are listed in the audit entry.
    """
    contest = Contest.objects.select_for_update().select_related("election").get(pk=contest.pk)
    if contest.state != ContestState.PENDING:
        return contest
    roll = _freeze(contest, actor)
    contest.roll = roll
    approved = list(contest.candidacies.filter(state=CandidacyState.APPROVED).order_by("pk"))
    unreviewed = list(
        contest.candidacies.filter(state=CandidacyState.SUBMITTED).values_list("pk", flat=True)
    )
    if contest.kind == ContestKind.COMMUNITY:
        contest.state = ContestState.POLLING
    elif not approved:
        contest.state = ContestState.APPOINTMENT_NEEDED
    elif len(approved) <= contest.seats and not _over_affiliation_limit(contest, approved):
        contest.state = ContestState.ACCLAIMED
    else:
        contest.state = ContestState.POLLING
    contest.settled_at = timezone.now()
    contest.save(update_fields=["roll", "state", "settled_at"])
    audit_record(
        actor=actor,
        action="contest.settle",
        target=_target(contest),
        detail={
            "state": contest.state,
            "approved": [c.pk for c in approved],
            "unreviewed": unreviewed,
            **_roll_detail(roll),
        },
    )
    return contest


def _over_affiliation_limit(contest: Contest, approved: Sequence[Candidacy]) -> bool:
    if contest.max_per_affiliation is None:
        return False
    counts: dict[str, int] = {}
    for candidacy in approved:
        key = candidacy.affiliation.strip().casefold()
        if key:
            counts[key] = counts.get(key, 0) + 1
    return any(count > contest.max_per_affiliation for count in counts.values())


@transaction.atomic
def contest_mark_tallied(*, contest: Contest, actor: Any, detail: dict[str, Any]) -> Contest:
    """Record that a closed poll has been tallied (called by the tally, once per contest)."""
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if contest.state != ContestState.CLOSED:
        raise ElectionError(f"{contest.name} is {contest.get_state_display()}, not a closed poll.")
    contest.state = ContestState.TALLIED
    contest.save(update_fields=["state"])
    audit_record(
        actor=actor,
        action="contest.tallied",
        target=_target(contest),
        detail={"from": ContestState.CLOSED, "to": ContestState.TALLIED, **detail},
    )
    return contest


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
    notifications_requeue_stale(now=now)
    reminder_due = now + datetime.timedelta(days=settings.STACKVOTE_REMINDER_DAYS)
    for election in Election.objects.filter(
        phase=Phase.POLLING, reminder_queued_at__isnull=True, polling_closes_at__lte=reminder_due
    ):
        election_queue_reminders(election=election)
    return moves


# --- Candidacies ---------------------------------------------------------------------------


def _check_can_stand(*, contest: Contest, candidate: Any) -> None:
    from elections.selectors import standing_refusal

    refusal = standing_refusal(candidate, contest)
    if refusal:
        raise CandidacyRefused(refusal)


@transaction.atomic
def candidacy_submit(
    *, contest: Contest, candidate: Any, platform: str, affiliation: str = ""
) -> Candidacy:
    """Stand in ``contest``: create the candidacy, or re-open a withdrawn or rejected one."""
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
    candidacy.submitted_at = timezone.now()
    if not platform.strip():
        raise CandidacyRefused("Write a platform: voters read it to decide.")
    candidacy.save()
    audit_record(
        actor=candidate,
        action="candidacy.submit",
        target=_target(candidacy),
        detail={
            "contest": contest.pk,
            "previous_state": previous_state,
            "affiliation": candidacy.affiliation,
        },
    )
    return candidacy


@transaction.atomic
def candidacy_edit(
    *, candidacy: Candidacy, actor: Any, platform: str, affiliation: str
) -> Candidacy:
    """The candidate changes their platform or affiliation while nominations are open."""
    from elections.permissions import can_edit_candidacy

    candidacy = (
        Candidacy.objects.select_for_update()
        .select_related("contest__election")
        .get(pk=candidacy.pk)
    )
    if not can_edit_candidacy(actor, candidacy):
        raise CandidacyRefused("This candidacy can no longer be edited.")
    if not platform.strip():
        raise CandidacyRefused("Write a platform: voters read it to decide.")
    candidacy.platform = platform
    candidacy.platform_html = render_markdown(platform)
    candidacy.affiliation = affiliation.strip()
    candidacy.save(update_fields=["platform", "platform_html", "affiliation", "updated_at"])
    audit_record(
        actor=actor,
        action="candidacy.edit",
        target=_target(candidacy),
        detail={"affiliation": candidacy.affiliation},
    )
    return candidacy


@transaction.atomic
def candidacy_withdraw(*, candidacy: Candidacy, actor: Any) -> Candidacy:
    """The candidate withdraws while nominations are open."""
    from elections.permissions import can_edit_candidacy

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
        target=_target(candidacy),
        detail={"from": previous, "to": CandidacyState.WITHDRAWN},
    )
    return candidacy


@transaction.atomic
def candidacy_review(
    *, candidacy: Candidacy, reviewer: Any, approve: bool, reason: str = ""
) -> Candidacy:
    """An official approves or rejects a candidacy (a reason is required to reject).

    Decisions can change while nominations are open; the candidate is e-mailed each time.
    """
    from elections.permissions import can_administer

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
    if election.phase != Phase.NOMINATIONS:
        raise CandidacyRefused("Candidacies are reviewed while nominations are open.")
    if candidacy.state == CandidacyState.WITHDRAWN:
        raise CandidacyRefused(f"{candidacy} was withdrawn.")
    reason = reason.strip()
    if not approve and not reason:
        raise CandidacyRefused("Give the candidate a reason for the rejection.")
    to_state = CandidacyState.APPROVED if approve else CandidacyState.REJECTED
    previous = candidacy.state
    candidacy.state = to_state
    candidacy.reviewed_by = reviewer
    candidacy.reviewed_at = timezone.now()
    candidacy.review_reason = reason
    candidacy.save(
        update_fields=["state", "reviewed_by", "reviewed_at", "review_reason", "updated_at"]
    )
    audit_record(
        actor=reviewer,
        action="candidacy.review",
        target=_target(candidacy),
        detail={"from": previous, "to": to_state, "reason": reason},
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


# --- Notifications -------------------------------------------------------------------------


def _queue_sending(notification_ids: Sequence[int]) -> None:
    """Send in batches after the commit (one task, one mail connection per batch)."""
    from elections.tasks import send_notifications

    size = max(1, settings.STACKVOTE_MAIL_BATCH_SIZE)
    for start in range(0, len(notification_ids), size):
        send_notifications.delay_on_commit(list(notification_ids[start : start + size]))


def _queue_electorate_mail(*, contest: Contest, kind: str) -> int:
    from elections.selectors import reminder_recipients, roll_electors

    if contest.roll_id is None:
        return 0
    if kind == NotificationKind.POLLING_REMINDER:
        recipients = reminder_recipients(contest)
    else:
        recipients = roll_electors(contest.roll)
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
    """Queue the one reminder to electors of each poll who have not voted yet."""
    election = Election.objects.select_for_update().get(pk=election.pk)
    if election.reminder_queued_at is not None or election.phase != Phase.POLLING:
        return 0
    queued = 0
    for contest in election.contests.filter(state=ContestState.POLLING).order_by("pk"):
        queued += _queue_electorate_mail(contest=contest, kind=NotificationKind.POLLING_REMINDER)
    election.reminder_queued_at = timezone.now()
    election.save(update_fields=["reminder_queued_at"])
    audit_record(
        actor=None,
        action="election.reminders",
        target=_target(election),
        detail={"queued": queued},
    )
    return queued


_POLLING_MAIL = frozenset({NotificationKind.POLLING_OPEN, NotificationKind.POLLING_REMINDER})


def notifications_send(*, notification_ids: Sequence[int]) -> list[int]:
    """Send the pending notifications among ``notification_ids`` over one mail connection.

    Each one is marked sent or has its error recorded; returns the ids that failed and may be
    retried. Already-sent ones are skipped, so a batch can run twice.
    """
    from django.core import mail

    from elections.mail import notification_message

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
            target=_target(notification),
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


# --- Import from OpenStack's configuration.yaml -------------------------------------------


@transaction.atomic
def election_import_openstack(
    *,
    calendar: OpenStackCalendar,
    actor: Any,
    name: str = "",
    slug: str = "",
    teams: Iterable[Any] = (),
    auto_advance: bool = True,
) -> Election:
    """Create a draft election from an OpenStack calendar, with a TC contest (for "tc" and
    "combined") and one PTL contest per team in ``teams`` (for "ptl" and "combined")."""
    from django.utils.text import slugify

    kinds = {"ptl": "PTL", "tc": "TC", "combined": "PTL and TC"}[calendar.election_type]
    election = election_create(
        actor=actor,
        name=name or f"{calendar.release} {kinds} elections",
        slug=slug or slugify(f"{calendar.release} {calendar.election_type}".replace(".", "-")),
        description="",
        nominations_opens_at=calendar.nominations_opens_at,
        nominations_closes_at=calendar.nominations_closes_at,
        polling_opens_at=calendar.polling_opens_at,
        polling_closes_at=calendar.polling_closes_at,
        window_start=calendar.window_start,
        window_end=calendar.window_end,
        email_deadline=calendar.email_deadline,
        auto_advance=auto_advance,
    )
    if calendar.has_tc:
        contest_create(
            election=election,
            actor=actor,
            kind=ContestKind.TC,
            name="Technical Committee",
            slug="tc",
            seats=calendar.tc_seats,
        )
    if calendar.has_ptl:
        for team in teams:
            contest_create(
                election=election,
                actor=actor,
                kind=ContestKind.PTL,
                name=f"{team.name} PTL",
                slug=team.slug,
                team=team,
            )
    return election
