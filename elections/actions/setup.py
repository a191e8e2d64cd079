"""Setting an election up: elections, contests and options, and the import of OpenStack's
configuration.yaml. Officials do this while an election is a draft (some fields stay open
later; the models' checks say which)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import TeamKind
from accounts.roles import is_official
from audit.actions import audit_record, audit_target
from elections.actions.errors import ElectionError
from elections.actions.rolls import _freeze_nomination_roll
from elections.lifecycle import passed_boundaries
from elections.models import (
    Contest,
    ContestKind,
    CountingMethod,
    Election,
    Option,
    Phase,
    tie_seed_sha256,
)
from elections.permissions import refusal_reason

logger = logging.getLogger(__name__)


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
    "results_electorate_only",
    "publish_trackers",
    "two_official_approval",
    "requires_membership",
    "announcement_address",
)


def _authorise(actor: Any, election: Election, contest: Contest | None = None) -> None:
    """Refuse anyone but the election's officials, and an official who stands in the contest
    (or, for a change to the whole election, in any of its contests)."""
    reason = refusal_reason(actor, election, contest)
    if reason:
        raise ElectionError(reason)


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
            target=audit_target(instance),
            detail={f: {"from": before[f], "to": getattr(instance, f)} for f in changed},
        )


# Set by an import only: what the imported file says of itself (elections.actions.openstack).
RECORD_FIELDS: tuple[str, ...] = ("release", "release_tag", "window_name", "calendar_of_record")


@transaction.atomic
def election_create(*, actor: Any, record: dict[str, Any] | None = None, **fields: Any) -> Election:
    """Create an election in draft. ``fields`` are Election fields (name, slug, calendar...);
    ``record`` the RECORD_FIELDS an imported file gives."""
    unknown = set(fields) - set(ELECTION_FIELDS) | set(record or {}) - set(RECORD_FIELDS)
    if unknown:
        raise TypeError(f"Unknown election fields: {', '.join(sorted(unknown))}")
    if actor is not None and not is_official(actor):
        raise ElectionError("Only election officials create elections.")
    election = Election(**fields, **(record or {}))
    _full_clean(election)
    election.save()
    audit_record(
        actor=actor,
        action="election.create",
        target=audit_target(election),
        detail={field: getattr(election, field) for field in (*ELECTION_FIELDS, *(record or {}))},
    )
    return election


@transaction.atomic
def election_update(*, election: Election, actor: Any, **fields: Any) -> Election:
    """Change an election's name, description or calendar; the calendar rules apply again,
    to the phases still ahead.

    Only the calendar ahead can change: a boundary that has passed (nominations opened or
    closed, polling opened) keeps its date, and a boundary still ahead cannot be moved to
    before now once nominations are open. The slug is fixed once nominations open: the
    election's address is in links, feeds and the API from then on.
    """
    unknown = set(fields) - set(ELECTION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown election fields: {', '.join(sorted(unknown))}")
    election = Election.objects.select_for_update().get(pk=election.pk)
    _authorise(actor, election)
    before = {field: getattr(election, field) for field in fields}
    if election.phase not in (Phase.DRAFT, Phase.NOMINATIONS, Phase.CAMPAIGNING, Phase.POLLING):
        # Who sees the results is no part of the calendar: it can change after the close.
        wording = ("name", "description", "results_electorate_only", "announcement_address")
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
    changing = {f for f in fields if fields[f] != before[f]}
    if election.phase != Phase.DRAFT and "slug" in changing:
        raise ElectionError(
            f"The slug is fixed once nominations have opened: {election.slug} is the "
            "election's address in links, feeds and the API."
        )
    _check_calendar_ahead(election, {f: fields[f] for f in changing})
    if (
        election.phase not in (Phase.DRAFT, Phase.NOMINATIONS, Phase.CAMPAIGNING)
        and "publish_trackers" in fields
        and fields["publish_trackers"] != before["publish_trackers"]
    ):
        raise ElectionError(
            "Whether trackers are published is fixed once polling opens: voters cast their "
            "ballots under it."
        )
    _save_changes(election, fields=fields, before=before, actor=actor, action="election.update")
    return election


_BOUNDARY_LABELS = {
    "nominations_opens_at": "The opening of nominations",
    "nominations_closes_at": "The close of nominations",
    "polling_opens_at": "The opening of the polls",
    "polling_closes_at": "The close of the polls",
}


def _check_calendar_ahead(election: Election, changes: dict[str, Any]) -> None:
    """Refuse to move a boundary that has passed, or (once nominations are open) to move a
    boundary still ahead to before now: what has happened keeps the date it happened on."""
    passed = set(passed_boundaries(election.phase))
    now = timezone.now()
    for field, label in _BOUNDARY_LABELS.items():
        if field not in changes:
            continue
        if field in passed:
            raise ElectionError(
                f"{label} has passed ({getattr(election, field):%Y-%m-%d %H:%M %Z}): its date "
                f"cannot change while {election.name} is in {election.get_phase_display()}."
            )
        if election.phase != Phase.DRAFT and changes[field] and changes[field] < now:
            raise ElectionError(
                f"{label} cannot move to before now: move the phase by hand to end it early."
            )


def _default_tie_seed() -> str:
    # The seed of the charter's tie-breaking draw: 128 random bits nobody chose. Secret until
    # the result is published; its SHA-256 is the public commitment (docs/elections.md).
    return secrets.token_hex(16)


def _tie_seed_set(contest: Contest, *, seed: str, actor: Any) -> None:
    """Set a draft contest's seed ("" draws a new random one) and its commitment; the audit
    entry records the hash, never the seed."""
    if contest.election.phase != Phase.DRAFT:
        raise ElectionError(
            "The tie-break seed is fixed once nominations have opened: its SHA-256 is "
            "published, and the draw is checked against it when the result is published."
        )
    before = contest.tie_seed_sha256
    contest.tie_seed = seed or _default_tie_seed()
    contest.tie_seed_sha256 = tie_seed_sha256(contest.tie_seed)
    _full_clean(contest)
    if contest.tie_seed_sha256 != before:
        contest.save(update_fields=["tie_seed", "tie_seed_sha256"])
        audit_record(
            actor=actor,
            action="contest.tie_seed",
            target=audit_target(contest),
            detail={"tie_seed_sha256": {"from": before, "to": contest.tie_seed_sha256}},
        )


def _commit_tie_seeds(election: Election) -> dict[str, str]:
    """At the opening of nominations: every contest has a seed from now on (a random one if
    it had none), fixed; returns {contest slug: SHA-256 of its seed} for the audit entry."""
    commitments: dict[str, str] = {}
    for contest in election.contests.select_for_update().order_by("pk"):
        if not contest.tie_seed or not contest.tie_seed_sha256:
            contest.tie_seed = contest.tie_seed or _default_tie_seed()
            contest.tie_seed_sha256 = tie_seed_sha256(contest.tie_seed)
            contest.save(update_fields=["tie_seed", "tie_seed_sha256"])
        commitments[contest.slug] = contest.tie_seed_sha256
    return commitments


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
    of_record: bool = False,
    seated_affiliations: dict[str, int] | None = None,
    seated_basis: str = "",
    directory_of_record: str = "",
) -> Contest:
    """Add a contest to an election that has not yet closed its nominations.

    ``of_record``: a contest of an imported cycle, which the team held then whatever the
    governance files say of its leadership now; ``directory_of_record``, its team's
    directory in that cycle's candidacy files.

    Long because the contest's audit entry records every field it was created with, next to
    the checks that apply to them."""
    election = Election.objects.select_for_update().get(pk=election.pk)
    _authorise(actor, election)
    if election.phase not in (Phase.DRAFT, Phase.NOMINATIONS):
        raise ElectionError("Contests can be added only before nominations close.")
    if kind == ContestKind.PTL and team is not None and not of_record:
        _check_team_has_a_ptl(team)
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
        seated_affiliations=dict(seated_affiliations or {}),
        seated_basis=seated_basis,
        directory_of_record=directory_of_record,
    )
    contest.tie_seed_sha256 = tie_seed_sha256(contest.tie_seed)
    _full_clean(contest)
    contest.save()
    audit_record(
        actor=actor,
        action="contest.create",
        target=audit_target(contest),
        detail={
            "election": election.slug,
            "kind": kind,
            "name": name,
            "slug": slug,
            "team": getattr(team, "slug", None),
            "seats": seats,
            "method": method,
            "max_per_affiliation": max_per_affiliation,
            "seated_affiliations": contest.seated_affiliations,
            **({"seated_basis": seated_basis} if seated_basis else {}),
            **({"directory_of_record": directory_of_record} if directory_of_record else {}),
            # The commitment, never the seed: it stays secret until the result is published.
            "tie_seed_sha256": contest.tie_seed_sha256,
        },
    )
    if election.phase == Phase.NOMINATIONS:
        _freeze_nomination_roll(contest=contest, actor=actor)
    return contest


def _check_team_has_a_ptl(team: Any) -> None:
    """Refuse a PTL contest for a team that elects no PTL: one under distributed leadership
    (projects.yaml ``leadership_type``: OpenStack's TC charter, "Distributed Project
    Leadership", no PTL) or one that has retired (legacy.yaml ``retired-on``)."""
    if team.kind == TeamKind.LEGACY or team.retired_on is not None:
        when = f" on {team.retired_on:%Y-%m-%d}" if team.retired_on else ""
        raise ElectionError(
            f"{team.name} retired{when} (legacy.yaml): a retired team has no PTL to elect."
        )
    leadership = (team.leadership_type or "ptl").strip().lower()
    if leadership != "ptl":
        raise ElectionError(
            f"{team.name} has no PTL (its leadership_type in projects.yaml is {leadership!r}), "
            "so no PTL contest can be held for it."
        )


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
    """Change a contest's name, seats, method or affiliation limit before nominations close,
    and its tie seed while the election is a draft ("" draws a new random seed)."""
    unknown = set(fields) - set(_CONTEST_EDITABLE)
    if unknown:
        raise TypeError(f"These contest fields cannot change: {', '.join(sorted(unknown))}")
    contest = Contest.objects.select_for_update().select_related("election").get(pk=contest.pk)
    _authorise(actor, contest.election, contest)
    seed = fields.pop("tie_seed", None)
    before = {field: getattr(contest, field) for field in fields}
    counting = {"seats", "method", "max_per_affiliation"}
    changing_counting = [f for f in counting & set(fields) if fields[f] != before[f]]
    if changing_counting and contest.election.phase not in (Phase.DRAFT, Phase.NOMINATIONS):
        raise ElectionError("Seats, method and affiliation limit are fixed once nominations close.")
    if seed is not None:
        _tie_seed_set(contest, seed=seed, actor=actor)
    _save_changes(contest, fields=fields, before=before, actor=actor, action="contest.update")
    return contest


@transaction.atomic
def contest_delete(*, contest: Contest, actor: Any) -> None:
    """Remove a contest from an election that is still a draft (nothing has happened yet)."""
    contest = Contest.objects.select_for_update().select_related("election").get(pk=contest.pk)
    _authorise(actor, contest.election, contest)
    if contest.election.phase != Phase.DRAFT:
        raise ElectionError("Contests can be removed only while the election is a draft.")
    audit_record(
        actor=actor,
        action="contest.delete",
        target=audit_target(contest),
        detail={"election": contest.election.slug, "name": contest.name, "slug": contest.slug},
    )
    contest.delete()


@transaction.atomic
def election_delete(*, election: Election, actor: Any) -> None:
    """Remove a draft election and its contests."""
    election = Election.objects.select_for_update().get(pk=election.pk)
    _authorise(actor, election)
    if election.phase != Phase.DRAFT:
        raise ElectionError("Only a draft election can be removed.")
    audit_record(
        actor=actor,
        action="election.delete",
        target=audit_target(election),
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
    _authorise(actor, contest.election, contest)
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
        target=audit_target(option),
        detail={"contest": contest.pk, "name": name},
    )
    return option


@transaction.atomic
def election_officials_set(*, election: Election, officials: Sequence[Any], actor: Any) -> None:
    """Name the officials who run ``election`` (none named: every official runs it)."""
    _authorise(actor, election)
    outsiders = [person.display_name for person in officials if not is_official(person)]
    if outsiders:
        raise ElectionError(
            f"Only election officials can run an election: {', '.join(outsiders)} is not one."
        )
    before = set(election.officials.values_list("email", flat=True))
    election.officials.set(officials)
    after = set(election.officials.values_list("email", flat=True))
    if before != after:
        audit_record(
            actor=actor,
            action="election.officials",
            target=audit_target(election),
            detail={"from": sorted(before), "to": sorted(after)},
        )
