"""Importing an OpenStack cycle: its ``configuration.yaml`` as an election, and, for a cycle
that has happened, its candidacies of record and the phase its dates put it in (a replay).

A replay does what OpenStack's officials did, from their files: every candidacy file is an
approved candidacy; the election is placed at the phase its calendar says for now; and the
contests whose nominations have closed are settled by the charter (no candidate: the TC
appoints; no more candidates than seats: elected by acclamation; otherwise a poll). Nothing
is mailed: the people of a past cycle were told at the time.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.actions import EligibilityError, person_of_record, team_of_record
from accounts.selectors import member_affiliations, membership_known
from audit.actions import audit_record, audit_target
from elections.actions.errors import ElectionError
from elections.actions.phases import election_place_by_calendar
from elections.actions.setup import contest_create, election_create
from elections.markdown import render_markdown
from elections.models import (
    Candidacy,
    CandidacyState,
    Contest,
    ContestKind,
    Election,
)
from elections.openstack import OpenStackCalendar
from elections.openstack.candidates import (
    TC_DIRECTORY,
    CandidatesOfRecord,
    SittingMember,
    exception_name,
    seats_not_up,
)
from elections.selectors import previous_tc_election_of_record

logger = logging.getLogger(__name__)

# OpenStack TC charter: "no more than half of the TC members from one employer". The TC
# has nine seats in all, elected over two cycles (tc_seats of this one and the last).
TC_SIZE = 9


def tc_affiliation_limit(tc_size: int = TC_SIZE) -> int:
    """Most members of the whole TC one employer may hold: no more than half of it."""
    return tc_size // 2


@transaction.atomic
def election_import_openstack(
    *,
    calendar: OpenStackCalendar,
    actor: Any,
    name: str = "",
    slug: str = "",
    teams: Iterable[Any] = (),
    auto_advance: bool = True,
    two_official_approval: bool = False,
    now: datetime.datetime | None = None,
    of_record: bool = False,
    teams_of_record: bool = False,
    sitting: Sequence[SittingMember] = (),
    directories: Mapping[int, str] | None = None,
) -> Election:
    """Create a draft election from an OpenStack calendar, with a TC contest (for "tc" and
    "combined") and one PTL contest per team in ``teams`` (for "ptl" and "combined").

    A calendar whose nominations have already opened (a past cycle), or one imported
    ``of_record``, is kept as OpenStack's officials ran it: the minimum phase length is a
    rule for elections planned here, not for history. ``teams_of_record``: the teams come
    from the cycle's own candidacy files, so they held a PTL election then, whatever the
    governance files say of them now; ``directories`` gives each one's directory there (by
    team id). ``sitting``: the TC of members.yaml; the affiliations
    of those whose seats are not up (from the membership list) count against the diversity
    limit. ``two_official_approval`` is OpenStack's review of candidacies (+2, then
    +Workflow by another official). The election requires Foundation membership when a
    membership list has been imported (manage.py import_members), and not otherwise.

    Long because the election and its contests are one record of the file, created in one
    transaction from the same calendar.
    """
    now = now or timezone.now()
    of_record = of_record or calendar.nominations_opens_at <= now
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
        two_official_approval=two_official_approval,
        # OpenStack charter: voters and candidates are Foundation individual members. Only
        # once a membership list is imported: without one, every roll would be empty.
        requires_membership=membership_known(),
        record={
            "release": calendar.release[:50],
            "release_tag": calendar.tag[:100],
            "window_name": calendar.window_name[:100],
            "calendar_of_record": of_record,
        },
    )
    if calendar.has_tc:
        held, basis = seated_affiliations(sitting, opens=calendar.nominations_opens_at)
        contest_create(
            election=election,
            actor=actor,
            kind=ContestKind.TC,
            name="Technical Committee",
            slug="tc",
            seats=calendar.tc_seats,
            max_per_affiliation=tc_affiliation_limit(),
            seated_affiliations=held,
            seated_basis=basis if sitting else "",
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
                of_record=teams_of_record,
                directory_of_record=(directories or {}).get(team.pk, ""),
            )
    return election


def seated_affiliations(
    sitting: Sequence[SittingMember], *, opens: datetime.datetime
) -> tuple[dict[str, int], str]:
    """Seats held by affiliation among the sitting members not up (members.yaml), each
    member's affiliation as the membership list gives it (members it does not know are
    counted as "unknown affiliation" and so limit nobody), and how the seats not up were
    told apart: from the previous TC election's published results when the archive holds
    them, else estimated from the seats' age (``seats_not_up``)."""
    decided = seats_not_up(list(sitting), opens.date(), previous_tc_election_of_record(opens))
    known = member_affiliations(member.email for member in decided.members)
    held: dict[str, int] = {}
    for member in decided.members:
        label = known.get(member.email, "")
        if label:
            held[label] = held.get(label, 0) + 1
    return held, decided.basis


@transaction.atomic
def election_replay_openstack(
    *,
    calendar: OpenStackCalendar,
    candidates: CandidatesOfRecord,
    actor: Any,
    names: Mapping[str, str] | None = None,
    members: Sequence[SittingMember] = (),
    name: str = "",
    slug: str = "",
    now: datetime.datetime | None = None,
) -> Election:
    """Replay a cycle from its files: the election, a PTL contest per team directory of
    ``candidates`` (a "ptl" or "combined" cycle), every candidacy file as an approved
    candidacy of record, then the phase its dates say for ``now`` and the settlement of every
    contest whose nominations have closed. All or nothing.

    Long because it is one transaction whose steps share the teams and contests it creates:
    split up, each part would carry the same maps."""
    now = now or timezone.now()
    names = names or {}
    # read_candidates sets aside the directories of the other kind of election (as
    # openstack/election does); candidates read otherwise are refused, not dropped.
    directories = [team for team in candidates.teams if team != TC_DIRECTORY]
    if directories and not calendar.has_ptl:
        raise ElectionError(
            f"The candidates hold PTL teams ({', '.join(directories[:3])}...) but the "
            f"configuration is a {calendar.election_type.upper()} election."
        )
    if TC_DIRECTORY in candidates.teams and not calendar.has_tc:
        raise ElectionError("The candidates hold a TC/ directory but the election has no TC.")
    try:
        teams = {
            directory: team_of_record(name=directory, actor=actor) for directory in directories
        }
    except EligibilityError as error:
        raise ElectionError(str(error)) from error
    election = election_import_openstack(
        calendar=calendar,
        actor=actor,
        name=name,
        slug=slug,
        teams=sorted(set(teams.values()), key=lambda team: team.name),
        now=now,
        of_record=True,
        teams_of_record=True,
        sitting=members,
        directories={team.pk: directory for directory, team in reversed(teams.items())},
    )
    contests = {contest.team_id: contest for contest in election.contests.all()}
    by_email = {member.email: member for member in members}
    for directory, files in candidates.teams.items():
        contest = contests[None] if directory == TC_DIRECTORY else contests[teams[directory].pk]
        for candidate in files:
            path = candidates.record_path(candidate)
            member = by_email.get(candidate.address)
            full_name = exception_name(names, path, candidate.address) or (
                member.name if member else ""
            )
            _candidacy_of_record(
                contest=contest,
                actor=actor,
                email=candidate.address,
                full_name=full_name,
                ircname=member.irc if member else "",
                platform=candidate.platform,
                record_path=path,
            )
    return election_place_by_calendar(election=election, actor=actor, now=now)


def _candidacy_of_record(
    *,
    contest: Contest,
    actor: Any,
    email: str,
    full_name: str,
    ircname: str,
    platform: str,
    record_path: str,
) -> Candidacy:
    try:
        person = person_of_record(email=email, full_name=full_name, actor=actor)
    except EligibilityError as error:
        raise ElectionError(f"{record_path}: {error}") from error
    if contest.candidacies.filter(candidate=person).exists():
        raise ElectionError(f"{record_path}: {email} already stands in {contest.name}.")
    candidacy = Candidacy.objects.create(
        contest=contest,
        candidate=person,
        platform=platform,
        platform_html=render_markdown(platform),
        state=CandidacyState.APPROVED,
        record_path=record_path[:300],
        name_of_record=full_name[:200],
        ircname=ircname[:100],
        submitted_at=contest.election.nominations_opens_at,
    )
    audit_record(
        actor=actor,
        action="candidacy.of_record",
        target=audit_target(candidacy),
        detail={"contest": contest.pk, "candidate": person.pk, "record_path": record_path},
    )
    return candidacy
