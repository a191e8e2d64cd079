"""PURE: OpenStack's published results, ``doc/source/results/<release>/{ptl,tc}.yaml`` of
openstack/election, read and written in exactly their shape, and the announcements.

Each file maps ``candidates`` (team directory → its candidates, in file-name order, each with
``elected``, ``email``, ``fullname``, ``ircname``, ``url``), ``election`` (the release),
``elections_results`` (the result of each contest that went to a poll; for the TC also "no
poll required"), ``leaderless`` (PTL: teams with no candidate) and ``projects`` (the teams
with candidates). Keys are sorted and block-styled, as PyYAML's ``safe_dump`` writes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

NO_POLL = "no poll required"
SEAT_HELD = frozenset({"INCUMBENT-PTL", "TC-APPOINTED"})
_CANDIDATE_KEYS = ("elected", "email", "fullname", "ircname", "url")


class ResultsFileError(ValueError):
    """A results file that is not in OpenStack's shape; the message names the file and field."""


@dataclass(frozen=True)
class CandidateOfRecord:
    email: str
    fullname: str
    ircname: str
    url: str
    # true or false; a few old cycles wrote how a seat was filled instead
    # ("INCUMBENT-PTL", "TC-APPOINTED", "LEADERLESS"), kept as written.
    elected: bool | str

    @property
    def won(self) -> bool:
        """Holds the seat after this cycle (elected, kept or appointed)."""
        return self.elected is True or self.elected in SEAT_HELD


@dataclass(frozen=True)
class ContestOfRecord:
    """One team's (or the TC's) contest as the results file has it."""

    directory: str  # "Puppet_OpenStack", "TC"
    candidates: tuple[CandidateOfRecord, ...]
    # The poll's published result (a URL), NO_POLL, or "" when none is listed.
    result: str = ""
    # Went to a poll whose result is not (yet) known: listed under elections_results with
    # an empty link.
    polled: bool = False

    @property
    def leaderless(self) -> bool:
        return not self.candidates

    @property
    def went_to_poll(self) -> bool:
        return self.polled or (bool(self.result) and self.result != NO_POLL)


@dataclass(frozen=True)
class ResultsOfRecord:
    release: str
    kind: str  # "ptl" or "tc"
    contests: tuple[ContestOfRecord, ...]
    # The order of ``projects`` as published (OpenStack writes a set; empty: contest order).
    projects: tuple[str, ...] = ()
    # Results listed for no contest (2024.2's ``TC_resolution``: the adjudication).
    extra_results: Mapping[str, str] = field(default_factory=dict)
    # Keys of the file stackvote does not write back.
    extra: Mapping[str, Any] = field(default_factory=dict)
    # Old cycles' ``election_statistics``: team → (electorate, votes cast) of its poll.
    turnout: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def contest(self, directory: str) -> ContestOfRecord | None:
        return next((c for c in self.contests if c.directory == directory), None)


def render_results(results: ResultsOfRecord) -> str:
    """The YAML text of one results file, in OpenStack's shape (keys sorted, block style)."""
    document: dict[str, Any] = {
        "candidates": {
            contest.directory: [
                {
                    "elected": candidate.elected,
                    "email": candidate.email,
                    "fullname": candidate.fullname,
                    "ircname": candidate.ircname,
                    "url": candidate.url,
                }
                for candidate in contest.candidates
            ]
            for contest in results.contests
            if contest.candidates
        },
        "election": results.release,
        "projects": list(results.projects)
        or [c.directory for c in results.contests if c.candidates],
    }
    polled = {c.directory: c.result for c in results.contests if c.result or c.polled}
    polled.update(results.extra_results)
    if polled:
        document["elections_results"] = polled
    if results.kind == "ptl":
        document["leaderless"] = [c.directory for c in results.contests if c.leaderless]
    return yaml.safe_dump(document, default_flow_style=False, allow_unicode=False)


def _require(mapping: Mapping[str, Any], key: str, kind: type, source: str) -> Any:
    value = mapping.get(key)
    if not isinstance(value, kind):
        raise ResultsFileError(f"{source}: {key} is missing or not a {kind.__name__}.")
    return value


def parse_results(text: str, *, source: str, kind: str) -> ResultsOfRecord:
    """Read a published ``ptl.yaml`` or ``tc.yaml``; a missing or mistyped field is named.

    Long because every field is checked where it is read, naming the file and the entry, and
    the old cycles' variants (words for ``elected``, leaderless rows) are read in the same pass.
    """
    try:
        document = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as error:
        raise ResultsFileError(f"{source}: not valid YAML: {error}") from error
    if not isinstance(document, Mapping):
        raise ResultsFileError(f"{source}: expected a mapping.")
    release = str(document.get("election") or "")
    if not release:
        raise ResultsFileError(f"{source}: election (the release) is missing.")
    candidates = _require(document, "candidates", Mapping, source)
    results = document.get("elections_results") or {}
    if not isinstance(results, Mapping):
        raise ResultsFileError(f"{source}: elections_results is not a mapping.")
    contests: list[ContestOfRecord] = []
    for directory, rows in candidates.items():
        if not isinstance(rows, list):
            raise ResultsFileError(f"{source}: candidates.{directory} is not a list.")
        people: list[CandidateOfRecord] = []
        for index, row in enumerate(rows, start=1):
            where = f"{source}: candidates.{directory}[{index}]"
            if isinstance(row, Mapping) and row.get("elected") == "LEADERLESS":
                continue  # stein to victoria listed a leaderless team as a candidate row
            if not isinstance(row, Mapping) or not row.get("email"):
                raise ResultsFileError(f"{where}: a candidate needs an email.")
            elected = row.get("elected", False)
            if not isinstance(elected, bool | str):
                raise ResultsFileError(f"{where}: elected is not true, false or a word.")
            people.append(
                CandidateOfRecord(
                    email=str(row["email"]).strip(),
                    fullname=str(row.get("fullname") or ""),
                    ircname=str(row.get("ircname") or ""),
                    url=str(row.get("url") or ""),
                    elected=elected,
                )
            )
        contests.append(
            ContestOfRecord(
                directory=str(directory),
                candidates=tuple(people),
                result=str(results.get(directory) or ""),
            )
        )
    leaderless = document.get("leaderless") or []
    if not isinstance(leaderless, list):
        raise ResultsFileError(f"{source}: leaderless is not a list.")
    known = {c.directory for c in contests}
    contests.extend(
        ContestOfRecord(directory=str(d), candidates=()) for d in leaderless if str(d) not in known
    )
    projects = document.get("projects") or []
    if not isinstance(projects, list):
        raise ResultsFileError(f"{source}: projects is not a list.")
    written = {"candidates", "election", "elections_results", "leaderless", "projects"}
    written.add("election_statistics")
    return ResultsOfRecord(
        release=release,
        kind=kind,
        contests=tuple(contests),
        projects=tuple(str(p) for p in projects),
        extra_results={str(k): str(v) for k, v in results.items() if str(k) not in known},
        extra={key: value for key, value in document.items() if key not in written},
        turnout=_turnout(document.get("election_statistics"), source),
    )


def _turnout(statistics: Any, source: str) -> dict[str, tuple[int, int]]:
    """``election_statistics`` (ocata to victoria): team → (electorate, votes cast), written
    as a list of one-team mappings or as one mapping."""
    if statistics in (None, "", []):
        return {}
    rows = statistics if isinstance(statistics, list) else [statistics]
    turnout: dict[str, tuple[int, int]] = {}
    for row in rows:
        if not isinstance(row, Mapping):
            raise ResultsFileError(f"{source}: election_statistics holds a non-mapping.")
        for team, figures in row.items():
            try:
                turnout[str(team)] = (int(figures["electorate"]), int(figures["votes_cast"]))
            except (TypeError, KeyError, ValueError) as error:
                raise ResultsFileError(
                    f"{source}: election_statistics.{team} needs electorate and votes_cast."
                ) from error
    return turnout


def _names(candidates: Sequence[CandidateOfRecord]) -> str:
    return ", ".join(c.fullname or c.email for c in candidates)


def announce_ptl(results: ResultsOfRecord) -> str:
    """The officials' announcement of the PTL results, as a plain-text e-mail body."""
    acclaimed = [c for c in results.contests if c.candidates and not c.went_to_poll]
    polled = [c for c in results.contests if c.candidates and c.went_to_poll]
    leaderless = [c for c in results.contests if c.leaderless]
    lines = [
        f"Subject: [all][elections][ptl] PTL results for the {results.release} cycle",
        "",
        f"The PTL elections for the {results.release} cycle are over. Congratulations to the "
        "elected PTLs, and thank you to every candidate and every voter.",
    ]
    if polled:
        lines += ["", "Elected by a poll:", ""]
        for contest in polled:
            elected = [c for c in contest.candidates if c.won]
            link = f" ({contest.result})" if contest.result else ""
            lines.append(f"* {contest.directory}: {_names(elected) or 'not yet known'}{link}")
    if acclaimed:
        lines += ["", "Elected by acclamation (a single candidate, no poll required):", ""]
        lines += [f"* {c.directory}: {_names(c.candidates)}" for c in acclaimed]
    if leaderless:
        lines += [
            "",
            "No candidate stood for these teams; the Technical Committee will appoint their "
            "PTLs (leaderless teams):",
            "",
        ]
        lines += [f"* {c.directory}" for c in leaderless]
    return "\n".join(lines) + "\n"


def announce_tc(results: ResultsOfRecord) -> str:
    """The officials' announcement of the TC results, as a plain-text e-mail body."""
    lines = [
        f"Subject: [all][elections][tc] TC results for the {results.release} cycle",
        "",
    ]
    for contest in results.contests:
        elected = [c for c in contest.candidates if c.won]
        if not contest.went_to_poll and contest.candidates:
            lines.append(
                "There were no more candidates than open seats, so no poll was required. "
                f"The Technical Committee welcomes: {_names(elected)}."
            )
        elif contest.candidates:
            lines.append(
                f"The Technical Committee election for the {results.release} cycle is over. "
                f"Elected: {_names(elected) or 'not yet known'}."
            )
            if contest.result:
                lines += ["", f"Full results: {contest.result}"]
        else:
            lines.append("Nobody stood for the Technical Committee seats open this cycle.")
    lines += ["", "Thank you to every candidate and every voter."]
    return "\n".join(lines) + "\n"
