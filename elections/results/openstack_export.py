"""An election's outcome in OpenStack's published shape (``results/<release>/{ptl,tc}.yaml`` of
openstack/election) and the officials' announcements, for ``manage.py export_results``.

Only what is public goes out: a contest elected by acclamation or left to appointment is
known from the close of nominations; a poll counted here only once its result is published;
a poll held elsewhere (an imported cycle) as its record says.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db.models import Prefetch
from django.urls import reverse

from elections import conf
from elections.models import Candidacy, CandidacyState, Contest, ContestKind, ContestState, Election
from elections.openstack.candidates import TC_DIRECTORY, candidate_url, team_directory
from elections.openstack.results import (
    NO_POLL,
    CandidateOfRecord,
    ContestOfRecord,
    ResultsOfRecord,
    announce_ptl,
    announce_tc,
    render_results,
)
from elections.results.selectors import published_result

_POLLED = (
    ContestState.POLLING,
    ContestState.CLOSED,
    ContestState.TALLIED,
    ContestState.PUBLISHED,
)


class ExportError(ValueError):
    """The election cannot be written in this format; the message says why."""


@dataclass(frozen=True)
class ExportedFile:
    name: str
    text: str


def _directory(contest: Contest, candidacies: list[Candidacy]) -> str:
    """The team's directory as the record spells it, else its name with underscores."""
    if contest.kind == ContestKind.TC:
        return TC_DIRECTORY
    if contest.directory_of_record:
        return contest.directory_of_record
    for candidacy in candidacies:
        if candidacy.record_path.count("/") >= 2:
            return candidacy.record_path.split("/")[1]
    return team_directory(contest.team.name if contest.team else contest.name)


def _elected_keys(contest: Contest) -> set[str] | None:
    """Choice keys of the winners of a poll counted here and published; None if none is."""
    result = published_result(contest)
    if result is None:
        return None
    winners = set(result.winners)
    return {c["key"] for c in result.candidates if c.get("name") in winners}


def _contest_of_record(contest: Contest, base_url: str) -> ContestOfRecord:
    candidacies = sorted(
        contest.approved,  # type: ignore[attr-defined]
        key=lambda c: (c.record_path.rsplit("/", 1)[-1] or c.candidate.email).casefold(),
    )
    polled = contest.state in _POLLED
    counted = _elected_keys(contest) if polled else None
    people = []
    for candidacy in candidacies:
        if contest.state == ContestState.ACCLAIMED:
            elected = True
        elif counted is not None:
            elected = candidacy.choice_key in counted
        else:
            elected = bool(candidacy.elected_of_record)
        filename = candidacy.record_path.rsplit("/", 1)[-1] if candidacy.record_path else ""
        people.append(
            CandidateOfRecord(
                email=filename if "@" in filename else candidacy.candidate.email,
                fullname=candidacy.name_of_record or candidacy.candidate.full_name,
                ircname=candidacy.ircname,
                url=candidate_url(
                    candidacy.record_path, held_on=contest.election.nominations_opens_at.date()
                )
                if candidacy.record_path
                else f"{base_url}{contest.get_absolute_url()}",
                elected=elected,
            )
        )
    if contest.result_of_record:
        result = contest.result_of_record
    elif counted is not None:
        result = base_url + reverse(
            "results_contest",
            kwargs={"election_slug": contest.election.slug, "contest_slug": contest.slug},
        )
    elif contest.kind == ContestKind.TC and contest.state == ContestState.ACCLAIMED:
        result = NO_POLL
    else:
        result = ""
    return ContestOfRecord(
        directory=_directory(contest, candidacies),
        candidates=tuple(people),
        result=result,
        polled=polled and not result,
    )


def election_results_of_record(
    election: Election, *, base_url: str = ""
) -> dict[str, ResultsOfRecord]:
    """{"ptl": ..., "tc": ...} for the kinds of contest the election holds, once every
    contest of that kind is settled."""
    base_url = (base_url or conf.site_url()).rstrip("/")
    approved = Candidacy.objects.filter(state=CandidacyState.APPROVED).select_related("candidate")
    contests = list(
        election.contests.filter(kind__in=[ContestKind.PTL, ContestKind.TC])
        .select_related("team", "election")
        .prefetch_related(Prefetch("candidacies", queryset=approved, to_attr="approved"))
    )
    if not contests:
        raise ExportError(f"{election.name} holds no PTL or TC contest.")
    pending = [c.name for c in contests if c.state == ContestState.PENDING]
    if pending:
        raise ExportError(
            f"Nominations have not closed for {', '.join(pending[:5])}: nothing is settled yet."
        )
    release = election.release or election.slug
    records: dict[str, ResultsOfRecord] = {}
    for kind, label in ((ContestKind.PTL, "ptl"), (ContestKind.TC, "tc")):
        of_kind = [_contest_of_record(c, base_url) for c in contests if c.kind == kind]
        if of_kind:
            of_kind.sort(key=lambda record: record.directory.casefold())
            records[label] = ResultsOfRecord(release=release, kind=label, contests=tuple(of_kind))
    return records


def export_openstack(election: Election, *, base_url: str = "") -> list[ExportedFile]:
    """The files to write: ptl.yaml, tc.yaml and each one's announcement."""
    files: list[ExportedFile] = []
    for label, record in election_results_of_record(election, base_url=base_url).items():
        files.append(ExportedFile(f"{label}.yaml", render_results(record)))
        announce = announce_ptl if label == "ptl" else announce_tc
        files.append(ExportedFile(f"announcement-{label}.txt", announce(record)))
    return files


def write_files(files: list[ExportedFile], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for exported in files:
        path = directory / exported.name
        path.write_text(exported.text, encoding="utf-8")
        written.append(path)
    return written
