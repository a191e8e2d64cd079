"""Reads for the officials' dashboard of one election (``dashboard_views``): where it stands,
what the next step is and when, what blocks it, turnout, counts, results and the nomination
statistics (as OpenStack's ``render-statistics`` prints them: per contest, how many stand and
whether a poll is needed, the seat is taken by acclamation or nobody stands).

Reads only: every button on the dashboard calls an action, which authorises again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.http import urlencode

from accounts.models import IngestRun
from elections import selectors as election_selectors
from elections.actions import legal_moves
from elections.models import (
    Candidacy,
    CandidacyState,
    Contest,
    ContestKind,
    ContestState,
    Election,
    Phase,
)
from elections.permissions import is_candidate_in
from elections.results.models import Result, ResultState, TallyRun
from elections.voting.selectors import (
    ElectionTurnoutInPeople,
    Turnout,
    ballot_boxes_without_key,
    election_turnout_in_people,
    turnouts,
)

# What entering each phase sets off by itself (elections.actions.phases.election_phase_move,
# elections.results.actions.publication.election_follow_contests), in an official's words.
WHAT_FOLLOWS: dict[str, str] = {
    Phase.NOMINATIONS: "Opening nominations fixes each contest's tie seed (its SHA-256 goes "
    "public) and freezes the roll candidates are checked against.",
    Phase.CAMPAIGNING: "Closing nominations settles every contest (a poll, acclamation, or "
    "appointment needed when nobody stands) and freezes each electorate; candidacies still "
    "awaiting review do not stand.",
    Phase.POLLING: "Opening the polls settles any contest not yet settled and e-mails every "
    "electorate that the polls are open.",
    Phase.CLOSED: "Closing the polls ends every poll and queues the seal and the count of each; "
    "the election becomes tallied by itself once every count is done.",
    Phase.TALLIED: "The election becomes tallied by itself once every closed poll is counted.",
    Phase.PUBLISHED: "The election becomes published by itself once every polled contest's "
    "result is published.",
}

# Phases an official moves by hand with a button; tallied and published follow the counts and
# the publications (the phase machine refuses tallied while a poll is uncounted).
AUTOMATIC_PHASES = frozenset({Phase.TALLIED, Phase.PUBLISHED})


@dataclass(frozen=True)
class NextStep:
    phase: str
    label: str
    due_at: datetime.datetime | None
    what_follows: str
    by_hand: bool


@dataclass(frozen=True)
class Blocker:
    """Something that holds the election up, with where to fix it."""

    text: str
    url: str = ""
    link_text: str = ""


@dataclass(frozen=True)
class NominationRow:
    contest: Contest
    seats: int
    approved: int
    submitted: int
    outcome: str  # "election", "acclaimed" or "leaderless"

    @property
    def candidates(self) -> int:
        return self.approved + self.submitted


@dataclass(frozen=True)
class NominationStatistics:
    rows: list[NominationRow]
    approved: int
    submitted: int
    elections: int
    acclaimed: int
    leaderless: int

    @property
    def candidates(self) -> int:
        return self.approved + self.submitted

    @property
    def contests(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class ContestPanel:
    """One contest's line: state, turnout, count progress and result."""

    contest: Contest
    turnout: Turnout
    tally_run: TallyRun | None
    result: Result | None
    result_hidden: bool  # the viewer stands in this contest: no draft winners before publication
    can_recount: bool

    @property
    def published(self) -> bool:
        return self.result is not None and self.result.state == ResultState.PUBLISHED


@dataclass(frozen=True)
class Dashboard:
    election: Election
    legal_moves: list[str]
    next_step: NextStep | None
    blockers: list[Blocker]
    awaiting_review: list[Candidacy]
    contests: list[ContestPanel]
    statistics: NominationStatistics
    failed_mail: int
    # The election's turnout in people, the figure of the results page and the API.
    turnout: ElectionTurnoutInPeople


def _admin(name: str, *args: Any, **query: Any) -> str:
    url = reverse(f"admin:{name}", args=args)
    return f"{url}?{urlencode(query)}" if query else url


def next_step(election: Election) -> NextStep | None:
    """The next phase by the calendar, when it is due, and what entering it sets off."""
    moves = legal_moves(election)
    if not moves:
        return None
    phase = moves[0]
    due = {
        Phase.NOMINATIONS: election.nominations_opens_at,
        Phase.CAMPAIGNING: election.nominations_closes_at,
        Phase.POLLING: election.polling_opens_at
        if election.phase == Phase.CAMPAIGNING
        else election.nominations_closes_at,
        Phase.CLOSED: election.polling_closes_at,
    }.get(phase)
    return NextStep(
        phase=phase,
        label=Phase(phase).label,
        due_at=due,
        what_follows=WHAT_FOLLOWS[phase],
        by_hand=phase not in AUTOMATIC_PHASES,
    )


def nomination_statistics(contests: list[Contest]) -> NominationStatistics:
    """Per PTL or TC contest: approved and submitted candidacies, and whether it needs a poll,
    is acclaimed (candidates <= seats) or leaderless (nobody). Before the contest is settled
    the outcome is foreseen from the candidacies still standing (approved and awaiting
    review); once settled, it is the settled state (which counts approved ones only)."""
    rows = []
    for contest in contests:
        if contest.kind == ContestKind.COMMUNITY:
            continue
        states = [c.state for c in contest.candidacies.all()]
        approved = states.count(CandidacyState.APPROVED)
        submitted = states.count(CandidacyState.SUBMITTED)
        if contest.state == ContestState.APPOINTMENT_NEEDED:
            outcome = "leaderless"
        elif contest.state == ContestState.ACCLAIMED:
            outcome = "acclaimed"
        elif contest.state != ContestState.PENDING:
            outcome = "election"
        elif approved + submitted == 0:
            outcome = "leaderless"
        elif approved + submitted <= contest.seats:
            outcome = "acclaimed"
        else:
            outcome = "election"
        rows.append(NominationRow(contest, contest.seats, approved, submitted, outcome))
    outcomes = [row.outcome for row in rows]
    return NominationStatistics(
        rows=rows,
        approved=sum(row.approved for row in rows),
        submitted=sum(row.submitted for row in rows),
        elections=outcomes.count("election"),
        acclaimed=outcomes.count("acclaimed"),
        leaderless=outcomes.count("leaderless"),
    )


def _roll_blockers(election: Election, contests: list[Contest]) -> list[Blocker]:
    blockers = []
    for contest in contests:
        if election.phase == Phase.NOMINATIONS:
            roll, what = contest.nomination_roll, "nomination roll"
        elif contest.state == ContestState.POLLING:
            roll, what = contest.roll, "electorate"
        else:
            continue
        if roll is None:
            blockers.append(
                Blocker(
                    f"{contest.name}: the {what} is not frozen.",
                    _admin("accounts_roll_changelist"),
                    "Rolls",
                )
            )
        elif roll.size == 0:
            blockers.append(
                Blocker(
                    f"{contest.name}: the {what} is empty (nobody contributed in the window): "
                    "ingest the contributions, then freeze it again.",
                    _admin("accounts_ingestrun_add"),
                    "Ingest contributions",
                )
            )
    return blockers


def _ingest_blockers(election: Election) -> list[Blocker]:
    if election.phase not in (Phase.DRAFT, Phase.NOMINATIONS):
        return []  # the rolls are frozen: later ingests change nothing of this election
    blockers = []
    done = set(IngestRun.objects.filter(state=IngestRun.State.DONE).values_list("kind", flat=True))
    if IngestRun.Kind.GOVERNANCE not in done:
        blockers.append(
            Blocker(
                "The governance files (which repositories each team owns) were never imported.",
                _admin("accounts_ingestrun_add"),
                "Import them",
            )
        )
    if not done & {IngestRun.Kind.COMMITS, IngestRun.Kind.GERRIT}:
        blockers.append(
            Blocker(
                "No contributions were ever ingested (commits or Gerrit reviews): the rolls "
                "would be empty.",
                _admin("accounts_ingestrun_add"),
                "Ingest contributions",
            )
        )
    failed = IngestRun.objects.filter(state=IngestRun.State.FAILED).count()
    if failed:
        blockers.append(
            Blocker(
                f"{failed} ingest run{'s' if failed != 1 else ''} failed.",
                _admin("accounts_ingestrun_changelist", state__exact="failed"),
                "Read the errors",
            )
        )
    return blockers


def _contest_blockers(election: Election, contests: list[Contest]) -> list[Blocker]:
    if election.phase not in (Phase.DRAFT, Phase.NOMINATIONS):
        return []
    if not contests:
        return [
            Blocker(
                "The election has no contest.",
                _admin("elections_contest_add", election=election.pk),
                "Add a contest",
            )
        ]
    blockers = []
    for contest in contests:
        change = _admin("elections_contest_change", contest.pk)
        if contest.kind == ContestKind.COMMUNITY:
            if len(contest.options.all()) < 2:
                blockers.append(
                    Blocker(f"{contest.name} needs at least two options.", change, "Add options")
                )
        elif election.phase == Phase.NOMINATIONS and not any(
            c.state in (CandidacyState.APPROVED, CandidacyState.SUBMITTED)
            for c in contest.candidacies.all()
        ):
            blockers.append(
                Blocker(
                    f"{contest.name} has no candidate yet (without one an appointment is needed).",
                    contest.get_absolute_url(),
                    "Public page",
                )
            )
    return blockers


def _box_blockers(contests: list[Contest]) -> list[Blocker]:
    missing = set(ballot_boxes_without_key())
    return [
        Blocker(
            f"{contest.name}: the ballot box's key is missing from this server's key directory; "
            "its ballots can be neither changed nor sealed (docs/operations.md, "
            "“Ballot box keys”)."
        )
        for contest in contests
        if contest.pk in missing
    ]


def election_dashboard(election: Election, *, viewer: Any) -> Dashboard:
    """Everything the dashboard shows for ``election``, as ``viewer`` (an official) sees it."""
    contests = list(
        election.contests.select_related("team", "roll", "nomination_roll")
        .prefetch_related(
            Prefetch(
                "candidacies",
                queryset=Candidacy.objects.select_related("candidate", "approval_proposed_by"),
            ),
            "options",
        )
        .order_by("kind", "name", "pk")
    )
    awaiting = [
        candidacy
        for contest in contests
        for candidacy in contest.candidacies.all()
        if candidacy.state == CandidacyState.SUBMITTED
    ]
    failed_mail = election_selectors.failed_notification_count(election)
    blockers: list[Blocker] = []
    if awaiting and election.phase in (Phase.DRAFT, Phase.NOMINATIONS):
        blockers.append(
            Blocker(
                f"{len(awaiting)} candidac{'y' if len(awaiting) == 1 else 'ies'} awaiting "
                "review (unreviewed candidacies do not stand when nominations close).",
                "#review",
                "Review below",
            )
        )
    blockers += _contest_blockers(election, contests)
    if failed_mail:
        blockers += _failed_mail_blockers(election)
    blockers += _ingest_blockers(election)
    blockers += _roll_blockers(election, contests)
    blockers += _box_blockers(contests)
    return Dashboard(
        election=election,
        legal_moves=legal_moves(election),
        next_step=next_step(election),
        blockers=blockers,
        awaiting_review=awaiting,
        contests=_contest_panels(contests, viewer),
        statistics=nomination_statistics(contests),
        failed_mail=failed_mail,
        turnout=election_turnout_in_people(election),
    )


def _failed_mail_blockers(election: Election) -> list[Blocker]:
    """Failed mail, each kind where its errors can be read: notifications and invitations
    in their lists, reminders as a count (who was reminded is who had not voted)."""
    failed = election_selectors.failed_mail_counts(election)
    where = {
        "notifications": _admin(
            "elections_notification_changelist",
            state__exact="failed",
            contest__election__id__exact=election.pk,
        ),
        "invitations": _admin(
            "elections_invitation_changelist",
            state__exact="failed",
            contest__election__id__exact=election.pk,
        ),
        "reminders": reverse(
            "officials_notice", kwargs={"slug": election.slug, "kind": "polling_reminder"}
        ),
    }
    if failed["announcements"]:  # the first failed one's page, where it is sent again
        kind = election.announcements.filter(state="failed").order_by("pk").first().kind
        where["announcements"] = reverse(
            "officials_announcement", kwargs={"slug": election.slug, "kind": kind}
        )
    # Notifications (to candidates and requesters) keep their old name: e-mails.
    names = {
        "notifications": "e-mail",
        "invitations": "invitation",
        "reminders": "reminder",
        "announcements": "list announcement",
    }
    return [
        Blocker(
            f"{count} {names[what]}{'s' if count != 1 else ''} failed.",
            where[what],
            "Read the errors",
        )
        for what, count in failed.items()
        if count
    ]


def _contest_panels(contests: list[Contest], viewer: Any) -> list[ContestPanel]:
    ids = [contest.pk for contest in contests]
    latest_run: dict[int, TallyRun] = {}
    for run in TallyRun.objects.filter(contest_id__in=ids).order_by("created_at", "pk"):
        latest_run[run.contest_id] = run
    latest_result: dict[int, Result] = {}
    for result in Result.objects.filter(contest_id__in=ids).order_by("created_at", "pk"):
        latest_result[result.contest_id] = result
    panels = []
    for turnout in turnouts(contests):
        contest = turnout.contest
        result = latest_result.get(contest.pk)
        panels.append(
            ContestPanel(
                contest=contest,
                turnout=turnout,
                tally_run=latest_run.get(contest.pk),
                result=result,
                result_hidden=result is not None
                and result.state != ResultState.PUBLISHED
                and is_candidate_in(viewer, contest),
                can_recount=contest.state == ContestState.CLOSED,
            )
        )
    return panels
