"""Results published elsewhere: OpenStack's ``results/<release>/{ptl,tc}.yaml`` recorded on
the election of that cycle (who won each poll held there, where its result is published, the
names and IRC nicks it gives), and a past cycle built from its calendar and its results when
its candidacy files are not at hand."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import unquote

from django.db import transaction

from accounts.actions import EligibilityError, person_of_record, team_of_record
from audit.actions import audit_record, audit_target
from elections.actions.errors import ElectionError
from elections.actions.openstack import election_replay_openstack
from elections.models import CandidacyState, Contest, ContestKind, CycleOfRecord, Election
from elections.openstack import OpenStackCalendar
from elections.openstack.candidates import (
    TC_DIRECTORY,
    CandidateFile,
    CandidatesOfRecord,
    team_directory,
)
from elections.openstack.results import NO_POLL, ContestOfRecord, ResultsOfRecord

_RECORD_PATH_MARK = "/candidates/"


def _contest_directory(contest: Contest) -> str:
    if contest.kind == ContestKind.TC:
        return TC_DIRECTORY
    if contest.directory_of_record:
        return contest.directory_of_record
    for path in contest.candidacies.exclude(record_path="").values_list("record_path", flat=True):
        return path.split("/")[1]
    return team_directory(contest.team.name if contest.team else contest.name)


@transaction.atomic
def election_record_results(
    *, election: Election, results: ResultsOfRecord, actor: Any, source: str
) -> int:
    """Record a published results file on ``election``: each candidacy's outcome, the poll's
    published result, and the names and IRC nicks the file gives where none is known. Every
    contest and candidate of the file must be in the election (the same cycle); returns the
    number of contests recorded. All or nothing."""
    election = Election.objects.select_for_update().get(pk=election.pk)
    kind = ContestKind.TC if results.kind == "tc" else ContestKind.PTL
    contests = {_contest_directory(c).casefold(): c for c in election.contests.filter(kind=kind)}
    recorded = 0
    for record in results.contests:
        contest = contests.get(record.directory.casefold())
        if contest is None:
            if record.leaderless:
                continue  # a team listed leaderless that this election held no contest for
            raise ElectionError(f"{source}: {election.name} has no contest for {record.directory}.")
        _record_contest(
            contest=contest,
            record=record,
            actor=actor,
            source=source,
            turnout=_turnout(results, record.directory, source),
        )
        recorded += 1
    return recorded


def _turnout(results: ResultsOfRecord, directory: str, source: str) -> tuple[int, int] | None:
    """The archive's (electorate, votes cast) for one team's poll, None where it gives none;
    figures no poll can have are the file's error, naming the team."""
    turnout = results.turnout.get(directory)
    if turnout is None:  # the statistics' team names are not always the directory's
        turnout = next(
            (
                figures
                for team, figures in results.turnout.items()
                if team_directory(team).casefold() == directory.casefold()
            ),
            None,
        )
    if turnout is not None and (turnout[1] > turnout[0] or min(turnout) < 0):
        raise ElectionError(
            f"{source}: election_statistics.{directory}: {turnout[1]} votes cast from an "
            f"electorate of {turnout[0]}."
        )
    return turnout


def _record_contest(
    *,
    contest: Contest,
    record: ContestOfRecord,
    actor: Any,
    source: str,
    turnout: tuple[int, int] | None = None,
) -> None:
    candidacies = {
        c.candidate.email.casefold(): c
        for c in contest.candidacies.filter(state=CandidacyState.APPROVED).select_related(
            "candidate"
        )
    }
    by_file = {c.record_path.rsplit("/", 1)[-1].casefold(): c for c in candidacies.values()}
    outcomes: dict[str, bool] = {}
    for person in record.candidates:
        candidacy = by_file.get(person.email.casefold()) or candidacies.get(person.email.casefold())
        if candidacy is None:
            raise ElectionError(
                f"{source}: {person.email} stands for {record.directory} in the file but not "
                f"in {contest.name}."
            )
        try:
            person_of_record(email=candidacy.candidate.email, full_name=person.fullname)
        except EligibilityError as error:
            raise ElectionError(f"{source}: {error}") from error
        candidacy.elected_of_record = person.won
        candidacy.ircname = person.ircname[:100] or candidacy.ircname
        candidacy.name_of_record = person.fullname[:200] or candidacy.name_of_record
        candidacy.save(update_fields=["elected_of_record", "ircname", "name_of_record"])
        outcomes[person.email] = person.won
    result = record.result if record.result != NO_POLL or contest.kind == ContestKind.TC else ""
    contest.result_of_record = result[:500]
    if turnout is not None:
        contest.electorate_of_record, contest.voters_of_record = turnout
    contest.save(update_fields=["result_of_record", "electorate_of_record", "voters_of_record"])
    audit_record(
        actor=actor,
        action="contest.result_of_record",
        target=audit_target(contest),
        detail={
            "source": source,
            "result": contest.result_of_record,
            "elected": outcomes,
            "turnout": list(turnout) if turnout is not None else None,
        },
    )


def candidates_from_results(results: list[ResultsOfRecord], *, release: str) -> CandidatesOfRecord:
    """The candidacies a cycle's results files list, as if read from its candidacy files
    (the file named by its published address; the platform is the link to it)."""
    teams: dict[str, tuple[CandidateFile, ...]] = {}
    for record in results:
        for contest in record.contests:
            files = []
            for person in contest.candidates:
                tail = person.url.split(_RECORD_PATH_MARK, 1)[-1] if person.url else ""
                filename = tail.rsplit("/", 1)[-1] if tail.count("/") >= 2 else person.email
                files.append(
                    CandidateFile(
                        team=contest.directory,
                        filename=unquote(filename),
                        address=person.email.strip().lower(),
                        platform=f"Platform of record: {person.url}" if person.url else "",
                    )
                )
            teams[contest.directory] = tuple(files)
    return CandidatesOfRecord(release=release, teams=teams)


@transaction.atomic
def election_import_results_cycle(
    *,
    calendar: OpenStackCalendar,
    results: list[ResultsOfRecord],
    actor: Any,
    source: str,
    now: datetime.datetime | None = None,
) -> Election:
    """A past cycle known from its calendar and its published results: replayed from the
    candidates the results list, then the results recorded on it."""
    election = election_replay_openstack(
        calendar=calendar,
        candidates=candidates_from_results(results, release=calendar.release),
        actor=actor,
        now=now,
    )
    for record in results:
        election_record_results(election=election, results=record, actor=actor, source=source)
    return election


@transaction.atomic
def cycle_of_record_import(*, results: ResultsOfRecord, actor: Any, source: str) -> int:
    """Keep the PTL outcomes of a cycle known only from its published results (no election
    of that release holds PTL contests, and none can be built): per team how it ended, who
    won, the poll's link and turnout where the archive gives them. Importing again updates
    the rows; each row written is audited. Returns the number of teams. All or nothing."""
    if results.kind != "ptl":
        raise ElectionError(f"{source}: only PTL results are kept per team.")
    kept = 0
    for record in results.contests:
        turnout = _turnout(results, record.directory, source)
        if record.leaderless:
            outcome = CycleOfRecord.Outcome.LEADERLESS
        elif record.went_to_poll:
            outcome = CycleOfRecord.Outcome.POLLED
        else:
            outcome = CycleOfRecord.Outcome.ACCLAIMED
        try:
            team = team_of_record(name=record.directory, actor=actor)
        except EligibilityError as error:
            raise ElectionError(f"{source}: {error}") from error
        row, _ = CycleOfRecord.objects.update_or_create(
            release=results.release,
            team=team,
            defaults={
                "outcome": outcome,
                "winners": [c.fullname or c.email for c in record.candidates if c.won],
                "result_url": record.result[:500] if record.result != NO_POLL else "",
                "electorate": turnout[0] if turnout else None,
                "voters": turnout[1] if turnout else None,
                "source": source[:500],
            },
        )
        audit_record(
            actor=actor,
            action="cycle.of_record",
            target=audit_target(row),
            detail={
                "source": source,
                "release": results.release,
                "outcome": outcome.value,
                "winners": row.winners,
                "turnout": list(turnout) if turnout else None,
            },
        )
        kept += 1
    return kept
