"""PURE: the candidacies of record of an OpenStack cycle, the name overrides, and the sitting
Technical Committee.

openstack/election keeps one file per candidacy, ``candidates/<release>/<Team>/<address>``:
the file is named by the candidate's e-mail address and holds their platform; the team
directory is the project's name with spaces as underscores (``TC/`` for the Technical
Committee), and a directory holding only ``.placeholder`` had no candidate (the team is
leaderless). ``exceptions.txt`` overrides the name of a candidate whose Foundation profile
name is missing or wrong (``candidates/<release>/<Team>/<file>: Name``, or ``address Name``).
``members.yaml`` (openstack/governance) lists the sitting TC.

As openstack/election's own tooling reads the directory: a PTL election reads every team
directory but ``TC/``, a TC election reads ``TC/`` only (before the combined elections, a
cycle's PTL and TC elections were held weeks apart from the same ``candidates/<release>/``).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import yaml

TC_DIRECTORY = "TC"
# Where openstack/election publishes a candidacy file (the ``url`` of results/<release>/*.yaml).
CANDIDATE_URL = "https://opendev.org/openstack/election/raw/branch/master/candidates/{path}"
# Until 2019 (Ussuri's elections and before) the published results linked candidacy files on
# git.openstack.org's cgit; from Victoria (2020) on, on opendev.org.
CGIT_CANDIDATE_URL = "https://git.openstack.org/cgit/openstack/election/plain/candidates/{path}"
OPENDEV_LINKS_SINCE = datetime.date(2020, 1, 1)
_ADDRESS = re.compile(r"^[^@\s/]+@[^@\s/]+\.[^@\s/]+$")
# A numbered release's own directory name ("2025.1").
_RELEASE_NAME = re.compile(r"^\d{4}\.\d$")


class CandidatesError(ValueError):
    """A candidacy file, the exceptions list or the member list cannot be read; the message
    names the file (and line)."""


@dataclass(frozen=True)
class CandidateFile:
    """One candidacy of record."""

    team: str  # the directory: "Puppet_OpenStack", "TC"
    filename: str  # "t.v.ovtchinnikova@gmail.com"
    address: str  # the filename, lower-cased: who the candidate is
    platform: str  # the file's text

    @property
    def is_tc(self) -> bool:
        return self.team == TC_DIRECTORY


@dataclass(frozen=True)
class CandidatesOfRecord:
    release: str
    # Team directory → its candidacies, by file name (the order openstack/election lists
    # them in); a team with none was leaderless.
    teams: Mapping[str, tuple[CandidateFile, ...]]
    # Directories of the other kind of election, not read (``TC/`` in a PTL election, the
    # teams in a TC election).
    set_aside: tuple[str, ...] = ()

    def record_path(self, candidate: CandidateFile) -> str:
        return f"{self.release}/{candidate.team}/{candidate.filename}"


def team_directory(name: str) -> str:
    """The directory of a team in ``candidates/<release>/`` as openstack/election names it
    (its ``name2dir``): spaces and hyphens as underscores, each part capitalised
    ("Puppet OpenStack" → Puppet_OpenStack, "OpenStack-Helm" → OpenStack_Helm, "ec2-api" →
    Ec2_Api)."""
    parts = re.split(r"[\s_-]+", name.strip())
    return "_".join(part[:1].upper() + part[1:] for part in parts if part)


def candidate_url(record_path: str, *, held_on: datetime.date | None = None) -> str:
    """The published address of a candidacy file, ``release/Team/file`` → its ``url``; for an
    election ``held_on`` before ``OPENDEV_LINKS_SINCE``, the cgit address its results used."""
    release, team, filename = record_path.split("/", 2)
    url = CANDIDATE_URL
    if held_on is not None and held_on < OPENDEV_LINKS_SINCE:
        url = CGIT_CANDIDATE_URL
    return url.format(path=f"{release}/{team}/{quote(filename, safe='')}")


def _reads(team: str, election_type: str) -> bool:
    """Whether an election of ``election_type`` reads the directory ``team``."""
    if election_type == "ptl":
        return team != TC_DIRECTORY
    if election_type == "tc":
        return team == TC_DIRECTORY
    return True


def read_candidates(
    directory: Path, *, release: str = "", election_type: str = "combined"
) -> CandidatesOfRecord:
    """Read ``candidates/<release>/``: the team directories an election of ``election_type``
    reads (``_reads``) and the candidacy files in them; the others are set aside unread.

    The release is the directory's name unless given; a directory named for another
    numbered release is refused when part of it would be set aside. Hidden files
    (``.placeholder``) are not candidacies; a file not named by an e-mail address (older
    cycles named them by IRC nick, ``alee.txt``), or not UTF-8 text, is refused, naming it.
    """
    if not directory.is_dir():
        raise CandidatesError(f"{directory}: not a directory of candidacies.")
    teams: dict[str, tuple[CandidateFile, ...]] = {}
    set_aside: list[str] = []
    for team_dir in sorted(p for p in directory.iterdir() if p.is_dir()):
        if not _reads(team_dir.name, election_type):
            set_aside.append(team_dir.name)
            continue
        files: list[CandidateFile] = []
        for path in sorted(p for p in team_dir.iterdir() if not p.name.startswith(".")):
            if not path.is_file():
                raise CandidatesError(f"{path}: a candidacy is a file, not a directory.")
            if not _ADDRESS.match(path.name):
                raise CandidatesError(
                    f"{path}: a candidacy file is named by the candidate's e-mail address"
                    + (
                        " (older cycles named it by IRC nick: such a file does not say who "
                        "stood, so that cycle cannot be replayed)."
                        if path.suffix == ".txt"
                        else "."
                    )
                )
            try:
                platform = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as error:
                raise CandidatesError(f"{path}: not UTF-8 text ({error.reason}).") from error
            if not platform.strip():
                raise CandidatesError(f"{path}: the platform is empty.")
            files.append(
                CandidateFile(
                    team=team_dir.name,
                    filename=path.name,
                    address=path.name.strip().lower(),
                    platform=platform,
                )
            )
        teams[team_dir.name] = tuple(files)
    if set_aside and release and _RELEASE_NAME.match(directory.name) and directory.name != release:
        # Only part of another release's directory would be read: refused, not guessed at.
        raise CandidatesError(
            f"{directory}: the candidacies of {directory.name}, not of the {release} "
            f"{election_type.upper()} election the configuration describes."
        )
    if not teams:
        wanted = "no TC/ directory" if election_type == "tc" else "no team directories"
        raise CandidatesError(f"{directory}: {wanted} for a {election_type.upper()} election.")
    return CandidatesOfRecord(
        release=release or directory.name, teams=teams, set_aside=tuple(set_aside)
    )


def parse_exceptions(text: str, *, source: str = "exceptions.txt") -> dict[str, str]:
    """Name overrides: ``candidates/<release>/<Team>/<file>`` (or an address) → name.

    Comments (``#``) and blank lines are skipped; any other line without a name is refused,
    naming the line.
    """
    names: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, separator, name = line.partition(": ")
        if not separator:
            key, _, name = line.partition(" ")
            if "@" not in key:
                raise CandidatesError(
                    f"{source}, line {number}: expected 'candidates/<release>/<Team>/<file>: "
                    "Name' or 'address Name'."
                )
        key, name = key.strip().rstrip(":"), " ".join(name.split())
        if not name:
            raise CandidatesError(f"{source}, line {number}: no name for {key}.")
        if key.startswith("candidates/"):
            key = key[len("candidates/") :]
        names[key if "/" in key else key.lower()] = name
    return names


def exception_name(names: Mapping[str, str], record_path: str, address: str) -> str:
    """The override for one candidacy file (by its path, then by address), or ""."""
    return names.get(record_path) or names.get(address.lower(), "")


@dataclass(frozen=True)
class SittingMember:
    """A member of the Technical Committee as ``members.yaml`` lists them."""

    name: str
    irc: str
    email: str
    member_id: int | None
    since: datetime.date | None
    role: str


_MONTH = re.compile(r"^(?P<month>[A-Za-z]+)\s+(?P<year>\d{4})$")


def _since(value: object) -> datetime.date | None:
    # "September 2025": a month; the seat is the one elected in that month's election.
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        return value
    match = _MONTH.match(str(value).strip())
    if match:
        try:
            month = datetime.datetime.strptime(match["month"][:3], "%b").month  # noqa: DTZ007
        except ValueError:
            return None
        return datetime.date(int(match["year"]), month, 1)
    return None


def parse_members(text: str, *, source: str = "members.yaml") -> tuple[SittingMember, ...]:
    """The sitting TC of openstack/governance ``members.yaml``; a bad entry names its index."""
    try:
        rows = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as error:
        raise CandidatesError(f"{source}: not valid YAML: {error}") from error
    if not isinstance(rows, list):
        raise CandidatesError(f"{source}: expected a list of members.")
    members: list[SittingMember] = []
    for index, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping) or not row.get("email") or not row.get("name"):
            raise CandidatesError(f"{source}: member {index} needs a name and an email.")
        member_id = row.get("memberid")
        try:
            member_id = int(member_id) if member_id not in (None, "") else None
        except (TypeError, ValueError) as error:
            raise CandidatesError(f"{source}: member {index}: memberid is not a number.") from error
        members.append(
            SittingMember(
                name=" ".join(str(row["name"]).split()),
                irc=str(row.get("irc") or ""),
                email=str(row["email"]).strip().lower(),
                member_id=member_id,
                since=_since(row.get("date")),
                role=str(row.get("role") or ""),
            )
        )
    return tuple(members)


# A TC seat is held for about a year, over two elections: members elected at the last one
# (within the past ~10 months) keep their seats, those elected before are up now.
SEAT_NOT_UP_DAYS = 300


def members_not_up(
    members: tuple[SittingMember, ...] | list[SittingMember], opens: datetime.date
) -> list[SittingMember]:
    """The sitting members whose seats are not up in an election whose nominations open on
    ``opens``: seated before it, at the previous election (``since`` within
    ``SEAT_NOT_UP_DAYS``). A member without a date is counted as up."""
    return [
        member
        for member in members
        if member.since is not None
        and member.since <= opens
        and (opens - member.since).days < SEAT_NOT_UP_DAYS
    ]


@dataclass(frozen=True)
class PreviousTcElection:
    """The newest TC election of record before the one being set up (results archive)."""

    release: str
    held_on: datetime.date  # its poll closed (or would have)
    elected: frozenset[str]  # the winners' addresses, lower-case
    names: frozenset[str]  # the winners' names of record, case-folded


@dataclass(frozen=True)
class SeatsNotUp:
    """The sitting members whose seats are not up, and in plain words how that was decided."""

    members: tuple[SittingMember, ...]
    basis: str


def seats_not_up(
    members: tuple[SittingMember, ...] | list[SittingMember],
    opens: datetime.date,
    previous: PreviousTcElection | None,
) -> SeatsNotUp:
    """Whose seats are not up in a TC election whose nominations open on ``opens``.

    OpenStack TC charter: terms are two cycles long and half of the TC is elected each cycle,
    so a seat is not up when its holder was elected at the previous TC election. With that
    election's published results (``previous``, from the archive ``import_results`` loads),
    its winners among the sitting members are not up. Without them, or when the newest
    archived election is older than the previous one can be (``SEAT_NOT_UP_DAYS``), the
    seat's age in members.yaml is the estimate (``members_not_up``).
    """
    if previous is not None and (opens - previous.held_on).days < SEAT_NOT_UP_DAYS:
        staying = tuple(
            member
            for member in members
            if (member.since is None or member.since <= opens)
            and (member.email in previous.elected or member.name.casefold() in previous.names)
        )
        basis = (
            f"From the published results of the {previous.release} TC election (closed "
            f"{previous.held_on:%Y-%m-%d}), the previous one: the sitting members elected "
            "then keep their seats (terms are two cycles; half of the TC is elected each "
            f"cycle): {_names_of(staying)}."
        )
        return SeatsNotUp(staying, basis)
    estimated = tuple(members_not_up(members, opens))
    why = (
        f"the newest published TC results loaded, of {previous.release} (closed "
        f"{previous.held_on:%Y-%m-%d}), are older than the previous TC election"
        if previous is not None
        else "no published TC results of an earlier election are loaded (import_results)"
    )
    basis = (
        f"Estimated from the seat dates of members.yaml, because {why}: a sitting member "
        f"seated less than {SEAT_NOT_UP_DAYS} days before nominations opened "
        f"({opens:%Y-%m-%d}) is taken as not up: {_names_of(estimated)}."
    )
    return SeatsNotUp(estimated, basis)


def _names_of(members: tuple[SittingMember, ...]) -> str:
    return ", ".join(member.name for member in members) or "nobody"
