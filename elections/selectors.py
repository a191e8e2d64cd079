"""Reads of the elections app that are more than one line of ORM."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.validators import slug_re
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Lower

from accounts.eligibility import eligibility_explain
from accounts.email_deadline import addresses_verified_late
from accounts.models import RollAddress, RollEntry
from accounts.roles import is_official
from accounts.selectors import (
    teams_without_ingested_repositories,
    user_is_member,
    user_on_roll,
    user_verified_addresses,
)
from elections.models import (
    Announcement,
    AnnouncementState,
    Appointment,
    Candidacy,
    CandidacyState,
    Contest,
    ContestElectorate,
    ContestKind,
    ContestState,
    Election,
    ElectionQuerySet,
    ExceptionRequest,
    ExceptionRequestState,
    Invitation,
    InvitationKind,
    InvitationState,
    Notification,
    NotificationState,
    Phase,
)
from elections.openstack.candidates import PreviousTcElection
from elections.permissions import can_administer

# --- Electorates -----------------------------------------------------------------------------


def teams_never_ingested(election: Election) -> list[str]:
    """The teams of ``election``'s contests whose roll counts contributions but none of whose
    repositories was ever ingested (or which own none): their rolls would be empty, not for
    want of contributors but for want of data, so freezing them is refused unless forced."""
    contests = election.contests.filter(team__isnull=False).exclude(
        electorate=ContestElectorate.LIST
    )
    teams = {contest.team for contest in contests.select_related("team")}
    return sorted(team.name for team in teams_without_ingested_repositories(teams))


def user_is_elector(user: Any, contest: Contest) -> bool:
    """True when ``user`` may vote in ``contest``: one of their verified addresses is on the
    contest's frozen roll, verified before the election's e-mail deadline if it has one.
    False for anonymous users and before the roll is frozen."""
    if not getattr(user, "is_authenticated", False):
        return False
    if contest.roll_id is None:
        return False
    return user_on_roll(user, contest.roll_id, email_deadline=contest.election.email_deadline)


def roll_size(roll: Any) -> int:
    """Number of voters on a frozen roll."""
    return int(roll.size)


def roll_electors(roll: Any, *, email_deadline: datetime.datetime | None = None) -> QuerySet[Any]:
    """Accounts that may vote on ``roll``: those with a verified address on it (verified
    before ``email_deadline``, when the election has one).

    The same rule as ``accounts.selectors.user_on_roll`` (only verified addresses count),
    turned round to list everyone at once for the electorate's e-mails.
    """

    addresses = RollAddress.objects.filter(roll=roll).values("email")
    counting = EmailAddress.objects.annotate(address=Lower("email")).filter(
        verified=True, address__in=addresses
    )
    if email_deadline is not None:
        # No record: verified before the times were recorded, long ago (accounts.models).
        counting = counting.filter(
            Q(verification__isnull=True)
            | Q(verification__verified_at__lt=email_deadline)
            | Q(verification__by_invitation=True)
        )
    owners = counting.values("user_id")
    return get_user_model().objects.filter(pk__in=owners, is_active=True).order_by("pk")


def voted_user_ids(contest: Contest) -> set[int]:
    """Ids of the people recorded as having voted in ``contest`` (never which ballot)."""
    if not apps.is_installed("elections.voting"):
        return set()
    return set(contest.voter_records.values_list("user_id", flat=True))


def reminder_recipients(contest: Contest) -> list[Any]:
    """Electors of ``contest`` who have not voted yet."""
    if contest.roll_id is None:
        return []
    voted = voted_user_ids(contest)
    electors = roll_electors(contest.roll, email_deadline=contest.election.email_deadline)
    return [user for user in electors if user.pk not in voted]


def nomination_roll_of(contest: Contest) -> Any:
    """The roll candidacy rights are checked against: the electorate once frozen, before that
    the roll frozen when nominations opened."""
    return contest.roll if contest.roll_id else contest.nomination_roll


def standing_refusal(user: Any, contest: Contest) -> str:
    """Why ``user`` may not stand in ``contest`` now, or "" when they may."""

    election = contest.election
    if not getattr(user, "is_authenticated", False):
        return "Sign in to stand as a candidate."
    if contest.kind == ContestKind.COMMUNITY:
        return "A community vote has options, not candidates."
    if election.phase != Phase.NOMINATIONS:
        return f"Nominations are not open: {election.name} is in {election.get_phase_display()}."
    if can_administer(user, election):
        return "Election officials cannot stand in an election they administer."
    if election.requires_membership and not user_is_member(user):
        return (
            f"{election.name} requires Foundation individual membership: none of your verified "
            "e-mail addresses belongs to a member. Join the Foundation with the address you "
            "contribute with, or verify the address your membership uses."
        )
    if contest.kind == ContestKind.TC:
        # OpenStack TC charter: "Any Foundation Individual Member can propose their candidacy
        # for an available, directly-elected seat on the TC" — not only its electorate.
        if not user_verified_addresses(user):
            return (
                "Verify an e-mail address first: the officials check that a TC candidate is "
                "a Foundation individual member by it."
            )
        return ""
    roll = nomination_roll_of(contest)
    if roll is None:
        return "The roll for this contest is not ready yet; try again shortly."
    if not user_on_roll(user, roll, email_deadline=election.email_deadline):
        scope = f"the {contest.team.name} team" if contest.team_id else "any official project"
        window = f"{election.window_start:%Y-%m-%d} to {election.window_end:%Y-%m-%d}"
        return (
            "You are not on the roll for this contest: none of your verified e-mail addresses "
            f"contributed to {scope} between {window}. Candidates must be eligible voters "
            "(OpenStack charter)." + _eligibility_hint(user, contest)
        )
    return ""


def _eligibility_hint(user: Any, contest: Contest) -> str:
    """What would put the user on the roll, from accounts' "Am I eligible?" explanation."""

    election = contest.election
    explained = eligibility_explain(
        user=user,
        start=election.window_start,
        end=election.window_end,
        email_deadline=election.email_deadline,
    )
    mine = next(
        (
            scope
            for scope in explained.scopes
            if (scope.team is None and not contest.team_id)
            or (scope.team is not None and scope.team.pk == contest.team_id)
        ),
        None,
    )
    if mine is not None and mine.excluded:
        return " The officials have excluded you from this roll."
    late = late_addresses_message(user, election)
    if late:
        return " " + late
    if explained.unverified:
        # Nothing is said of what an unverified address contributed: anyone can add anyone's.
        addresses = ", ".join(explained.unverified)
        if len(explained.unverified) == 1:
            return (
                f" Your address {addresses} is not verified: verify it on your account page "
                "to see whether it counts."
            )
        return (
            f" Your addresses {addresses} are not verified: verify them on your account page "
            "to see whether they count."
        )
    return " Add and verify the address you commit with, or see why on your eligibility page."


def late_addresses_message(user: Any, election: Election) -> str:
    """Plain words for the user's addresses verified too late to count for ``election``
    (at or after its e-mail deadline), or "" when there are none."""
    late = addresses_verified_late(user, election.email_deadline)
    if not late or election.email_deadline is None:
        return ""
    verified = ", ".join(f"{address} on {_utc(when)}" for address, when in late)
    return (
        f"Verified after the e-mail deadline of {election.name} ({_utc(election.email_deadline)}),"
        f" so not counted for its rolls: {verified}."
    )


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


# --- Public pages -------------------------------------------------------------------------


@dataclass(frozen=True)
class ElectionListing:
    upcoming: list[Election]
    open: list[Election]
    past: list[Election]


def elections_visible_to(user: Any) -> ElectionQuerySet:
    """The elections ``user`` may see on any page, feed or API answer: every one for an
    official, all but drafts for everyone else. A draft, scheduled or not, is the officials'
    business until its nominations open; every public surface reads elections through here
    (or ``election_is_public``, the same rule for one election already loaded)."""
    if is_official(user):
        return Election.objects.all()
    return Election.objects.public()


def election_listing(*, user: Any) -> ElectionListing:
    """Elections split into upcoming (drafts, which only officials see), open and past, for
    the list page."""
    elections = list(elections_visible_to(user).annotate(contest_count=Count("contests")))
    upcoming = sorted(
        (e for e in elections if e.phase == Phase.DRAFT), key=lambda e: e.nominations_opens_at
    )
    active = (Phase.NOMINATIONS, Phase.CAMPAIGNING, Phase.POLLING)
    open_ = sorted((e for e in elections if e.phase in active), key=lambda e: e.polling_closes_at)
    past = sorted(
        (e for e in elections if e.phase not in (Phase.DRAFT, *active)),
        key=lambda e: e.polling_closes_at,
        reverse=True,
    )
    return ElectionListing(upcoming=upcoming, open=open_, past=past)


def open_elections(user: Any) -> ElectionQuerySet:
    return elections_visible_to(user).open().order_by("polling_closes_at")


def public_candidacies() -> QuerySet[Candidacy]:
    """Candidacies shown publicly: approved, and submitted ones awaiting review."""
    return (
        Candidacy.objects.filter(state__in=[CandidacyState.APPROVED, CandidacyState.SUBMITTED])
        .select_related("candidate")
        .order_by("state", "pk")
    )


def election_contests(election: Election) -> list[Contest]:
    """The contests of an election with their public candidacies, options and rolls."""
    return list(
        election.contests.select_related("team", "roll")
        .prefetch_related(
            Prefetch("candidacies", queryset=public_candidacies(), to_attr="public_candidacies"),
            "options",
        )
        .order_by("kind", "name")
    )


def election_for_public(*, slug: str, user: Any) -> Election | None:
    """The election at ``slug`` if the viewer may see it (drafts: officials only)."""
    return elections_visible_to(user).filter(slug=slug).first()


def election_is_public(election: Election, user: Any) -> bool:
    """Whether the viewer may see ``election``: the rule of ``elections_visible_to`` for an
    election already loaded (any but a draft, unless the viewer is an official)."""
    return election.phase != Phase.DRAFT or is_official(user)


def user_candidacies(user: Any) -> QuerySet[Candidacy]:
    return (
        Candidacy.objects.filter(candidate=user)
        .select_related("contest__election", "reviewed_by")
        .order_by("-submitted_at")
    )


def failed_notification_count(election: Election | None = None) -> int:
    """Mail that could not be sent (notifications, invitations and announcements to the
    list), for officials to retry."""
    failed = Notification.objects.filter(state=NotificationState.FAILED)
    invitations = Invitation.objects.filter(state=InvitationState.FAILED)
    announcements = Announcement.objects.filter(state=AnnouncementState.FAILED)
    if election is not None:
        failed = failed.filter(contest__election=election)
        invitations = invitations.filter(contest__election=election)
        announcements = announcements.filter(election=election)
    return failed.count() + invitations.count() + announcements.count()


def failed_mail_counts(election: Election) -> dict[str, int]:
    """How many notifications, invitations (and notices), reminders and announcements to the
    list of ``election`` failed."""
    invitations = Invitation.objects.filter(
        contest__election=election, state=InvitationState.FAILED
    )
    reminders = invitations.filter(kind=InvitationKind.POLLING_REMINDER).count()
    return {
        "notifications": Notification.objects.filter(
            contest__election=election, state=NotificationState.FAILED
        ).count(),
        "invitations": invitations.count() - reminders,
        "reminders": reminders,
        "announcements": Announcement.objects.filter(
            election=election, state=AnnouncementState.FAILED
        ).count(),
    }


def elections_to_explain(slug: str, *, user: Any) -> tuple[list[Election], Election | None]:
    """The public elections whose rolls are still to come or in use, and the one to explain on
    the eligibility page: the one asked for, else the first of them (polling before
    nominations before upcoming). With none, the page uses the configured qualifying window."""
    order = {Phase.POLLING: 0, Phase.CAMPAIGNING: 1, Phase.NOMINATIONS: 2}
    current = sorted(
        elections_visible_to(user).filter(phase__in=list(order)),
        key=lambda election: (order[election.phase], election.polling_closes_at),
    )
    chosen = next((e for e in current if e.slug == slug), None)
    # Only a slug is looked up: a NUL in the query string would make PostgreSQL refuse it.
    if chosen is None and slug and slug_re.match(slug):
        chosen = elections_visible_to(user).filter(slug=slug).first()
    return current, chosen or (current[0] if current else None)


def contest_appointment(contest: Contest) -> Appointment | None:
    """Who was appointed to a contest nobody stood in, once an official recorded it."""
    if contest.state != ContestState.APPOINTMENT_NEEDED:
        return None
    return Appointment.objects.filter(contest=contest).select_related("appointee").first()


def exception_requests_of(user: Any, contest: Contest) -> QuerySet[ExceptionRequest]:
    """The person's own exception requests for ``contest``, newest first."""
    return ExceptionRequest.objects.filter(requester=user, contest=contest).order_by("-created_at")


def pending_exception_requests(election: Election) -> QuerySet[ExceptionRequest]:
    return (
        ExceptionRequest.objects.filter(
            contest__election=election, state=ExceptionRequestState.PENDING
        )
        .select_related("contest", "requester")
        .order_by("created_at")
    )


# --- The notice calendar's audiences ---------------------------------------------------------


def notice_rolls(election: Election, kind: str) -> list[tuple[Contest, int]]:
    """(contest, roll id) of each contest whose roll an election-wide notice goes to: the
    rolls frozen for the election season notice, the nomination rolls for the nomination
    notices, the frozen rolls at their close, the polls' rolls for campaigning and the
    opening of the polls, and for the results the rolls of every contest whose electors
    were invited to vote."""
    contests = list(election.contests.select_related("election").order_by("pk"))
    if kind == "election_season":
        pairs = [(contest, contest.season_roll_id) for contest in contests]
    elif kind in ("nominations_kickoff", "nominations_last_days"):
        pairs = [(contest, contest.nomination_roll_id) for contest in contests]
    elif kind == "nominations_end":
        pairs = [(contest, contest.roll_id or contest.nomination_roll_id) for contest in contests]
    elif kind in ("campaigning_kickoff", "polling_open"):
        pairs = [(c, c.roll_id) for c in contests if c.state == ContestState.POLLING]
    elif kind == "results":
        invited = set(
            Invitation.objects.filter(contest__election=election, kind="polling_open")
            .values_list("contest_id", flat=True)
            .distinct()
        )
        pairs = [(c, c.roll_id) for c in contests if c.pk in invited]
    else:
        raise ValueError(f"{kind!r} is not an election-wide notice.")
    return [(contest, roll_id) for contest, roll_id in pairs if roll_id is not None]


def notice_contest_names(election: Election, kind: str, email: str) -> list[str]:
    """The contests an election-wide notice to ``email`` is about (those on whose roll it
    is), in the election's order."""
    pairs = notice_rolls(election, kind)
    on = set(
        RollEntry.objects.filter(
            roll_id__in=[roll_id for _, roll_id in pairs], email=email
        ).values_list("roll_id", flat=True)
    )
    return [contest.name for contest, roll_id in pairs if roll_id in on]


# --- The results archive -------------------------------------------------------------------


def previous_tc_election_of_record(before: datetime.datetime) -> PreviousTcElection | None:
    """The newest TC election of record (results loaded by ``import_results``) whose poll
    closed before ``before``, with its winners' addresses and names; None without one."""
    elected = Candidacy.objects.filter(
        contest__kind=ContestKind.TC,
        elected_of_record=True,
        contest__election__polling_closes_at__lt=before,
    )
    election = (
        Election.objects.filter(pk__in=elected.values("contest__election"))
        .order_by("-polling_closes_at", "-pk")
        .first()
    )
    if election is None:
        return None
    winners = list(
        elected.filter(contest__election=election).values_list(
            "candidate__email", "record_path", "name_of_record", "candidate__full_name"
        )
    )
    addresses = {email.strip().lower() for email, *_ in winners}
    addresses |= {path.rsplit("/", 1)[-1].strip().lower() for _, path, *_ in winners if path}
    names = {name.casefold() for *_, record, full in winners for name in (record, full) if name}
    return PreviousTcElection(
        release=election.release or election.name,
        held_on=election.polling_closes_at.date(),
        elected=frozenset(addresses),
        names=frozenset(names),
    )


# --- Reminders -------------------------------------------------------------------------------


def contests_still_to_vote_in(election: Election, email: str) -> list[Contest]:
    """The polls of ``election`` open now on whose roll ``email`` is and in which that roll
    entry has not voted, in the election's order: what a reminder to that person names.
    Never stored: a list of who has not voted would break the secrecy of abstention."""
    contests = list(
        election.contests.filter(state=ContestState.POLLING, roll__isnull=False)
        .select_related("election", "roll")
        .order_by("pk")
    )
    entries = dict(
        RollEntry.objects.filter(
            roll_id__in=[contest.roll_id for contest in contests], email=email
        ).values_list("roll_id", "pk")
    )
    # One query for every contest's vote of these entries, not one a contest: a reminder
    # batch asks this for each of thousands of people.
    voted = set(
        election.contests.filter(voter_records__roll_entry_id__in=entries.values()).values_list(
            "pk", "voter_records__roll_entry_id"
        )
    )
    still = [
        contest
        for contest in contests
        if contest.roll_id in entries and (contest.pk, entries[contest.roll_id]) not in voted
    ]
    return still


def reminder_counts(election: Election) -> dict[str, int]:
    """How many reminders of ``election`` wait, are being sent or failed (sent ones leave no
    row): counts only, for the officials' notices page."""
    counts = dict(
        Invitation.objects.filter(contest__election=election, kind=InvitationKind.POLLING_REMINDER)
        .order_by()
        .values("state")
        .annotate(count=Count("pk"))
        .values_list("state", "count")
    )
    return {state: counts.get(state, 0) for state in InvitationState.values}
