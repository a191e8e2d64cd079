"""An election's outcome as the change OpenStack makes to its governance files after it: the
PTLs in ``reference/projects.yaml`` and the TC in ``reference/members.yaml``, one patch
(``governance.patch``) that ``git apply`` applies in a checkout of openstack/governance.

Only what is public and settled changes a line: an acclaimed PTL from the close of
nominations, a polled one once the poll's result is published (or recorded from the
archive), an appointed one once the appointment is recorded; the TC once its winners are.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from accounts.models import MemberAddress
from elections.models import Contest, ContestKind, Election
from elections.openstack.candidates import CandidatesError, team_directory
from elections.openstack.governance import (
    MEMBERS_PATH,
    PROJECTS_PATH,
    GovernanceFileError,
    Leader,
    PtlOutcome,
    patch_members,
    patch_projects,
    unified_diff,
)
from elections.openstack.results import ContestOfRecord, ResultsOfRecord
from elections.results.openstack_export import ExportError, election_results_of_record

PATCH_NAME = "governance.patch"


@dataclass(frozen=True)
class GovernancePatch:
    text: str  # "" when nothing changes
    notes: tuple[str, ...]


def default_governance_directory() -> Path:
    """The copies of the governance files kept with stackvote (``data/openstack/``)."""
    return Path(settings.BASE_DIR) / "data" / "openstack"


def _governance_file(directory: Path, name: str) -> Path:
    for path in (directory / "reference" / name, directory / name):
        if path.is_file():
            return path
    raise ExportError(f"{directory}: no {name} (nor reference/{name}) in it.")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ExportError(f"Cannot read {path}: {error}") from error


def _appointees(election: Election) -> dict[str, Leader]:
    """Team directory → the PTL the TC appointed for a leaderless team, where recorded."""
    contests = Contest.objects.filter(
        election=election, kind=ContestKind.PTL, appointment__isnull=False
    ).select_related("team", "appointment__appointee")
    appointed = {}
    for contest in contests:
        person = contest.appointment.appointee
        name = contest.team.name if contest.team else contest.name
        appointed[contest.directory_of_record or team_directory(name)] = Leader(
            name=person.full_name or person.email, irc="", email=person.email
        )
    return appointed


def _ptl_outcome(contest: ContestOfRecord, appointees: dict[str, Leader]) -> PtlOutcome:
    if contest.leaderless:
        appointee = appointees.get(contest.directory)
        if appointee is not None:
            return PtlOutcome(contest.directory, appointee, appointed=True)
        return PtlOutcome(contest.directory, None, leaderless=True)
    winners = [c for c in contest.candidates if c.won]
    if len(winners) == 1:
        won = winners[0]
        return PtlOutcome(contest.directory, Leader(won.fullname, won.ircname, won.email))
    return PtlOutcome(contest.directory, None, reason="the poll's result is not known yet")


def _member_ids(emails: list[str]) -> dict[str, int]:
    rows = MemberAddress.objects.filter(email__in=[e.strip().lower() for e in emails])
    return dict(rows.values_list("email", "member__member_id"))


def _tc_elected(record: ResultsOfRecord) -> list[Leader] | None:
    """The TC members elected, None while a poll's result is not known."""
    winners = [c for contest in record.contests for c in contest.candidates if c.won]
    if not winners and any(contest.went_to_poll for contest in record.contests):
        return None
    ids = _member_ids([c.email for c in winners])
    return [
        Leader(c.fullname, c.ircname, c.email, ids.get(c.email.strip().lower())) for c in winners
    ]


def governance_patch(election: Election, *, governance: Path | None = None) -> GovernancePatch:
    """The patch to openstack/governance for ``election``'s outcome, against the files in
    ``governance`` (a checkout, or a directory holding projects.yaml and members.yaml)."""
    directory = governance or default_governance_directory()
    records = election_results_of_record(election)
    release = election.release or election.slug
    parts: list[str] = []
    notes: list[str] = []
    try:
        if "ptl" in records:
            path = _governance_file(directory, "projects.yaml")
            before = _read(path)
            appointees = _appointees(election)
            outcomes = [_ptl_outcome(c, appointees) for c in records["ptl"].contests]
            after, said = patch_projects(before, outcomes, release=release, source=str(path))
            parts.append(unified_diff(before, after, PROJECTS_PATH))
            notes.extend(said)
        if "tc" in records:
            path = _governance_file(directory, "members.yaml")
            elected = _tc_elected(records["tc"])
            if elected is None:
                notes.append("TC: the poll's result is not known yet; members.yaml unchanged.")
            else:
                before = _read(path)
                after, said = patch_members(
                    before,
                    elected,
                    opens=election.nominations_opens_at.date(),
                    seated=election.polling_closes_at.date(),
                    source=str(path),
                )
                parts.append(unified_diff(before, after, MEMBERS_PATH))
                notes.extend(said)
    except (GovernanceFileError, CandidatesError) as error:
        raise ExportError(str(error)) from error
    return GovernancePatch(text="".join(parts), notes=tuple(notes))
