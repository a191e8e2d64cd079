"""OpenStack's governance files, read unchanged, as plain values.

PURE: standard library and PyYAML only, no Django.

Four files of ``openstack/governance`` ``reference/`` describe who owns which repository:

* ``projects.yaml``: official project teams → deliverables → repositories, with the PTL and
  ``leadership_type``;
* ``technical-committee-repos.yaml`` and ``sigs-repos.yaml``: owner → list of repositories,
  each with optional ``extra-acs`` (voters added by hand, ``expires-in: August 2026``);
* ``legacy.yaml``: teams and deliverables no longer official, with ``retired-on``.

Every error names the file and line (from the YAML node marks), so a bad entry can be found
and fixed in the community's own file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


class GovernanceError(ValueError):
    """A governance file is unreadable or does not have the shape OpenStack uses."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.source = source
        self.line = line
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: {message}")


class FileKind(StrEnum):
    """Which governance file a document is; also the kind of team it defines."""

    OFFICIAL = "official"
    TC = "tc"
    SIG = "sig"
    LEGACY = "legacy"


FILE_NAMES: dict[str, FileKind] = {
    "projects.yaml": FileKind.OFFICIAL,
    "technical-committee-repos.yaml": FileKind.TC,
    "sigs-repos.yaml": FileKind.SIG,
    "legacy.yaml": FileKind.LEGACY,
}
TECHNICAL_COMMITTEE = "Technical Committee"

_MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
_EXPIRES_RE = re.compile(r"^\s*([A-Za-z]+)\s+(\d{4})\s*$")
_REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class ExtraAC:
    """A voter added by hand (``extra-acs``), valid until the start of ``expires_on``'s month."""

    name: str
    email: str
    expires_on: date
    comment: str
    line: int

    def counts_for(self, window_end: datetime) -> bool:
        return extra_ac_counts(expires_on=self.expires_on, window_end=window_end)


@dataclass(frozen=True, slots=True)
class OwnedRepository:
    """A repository a team owns (or owned, when ``retired_on`` is set)."""

    name: str
    deliverable: str
    retired_on: date | None
    extra_acs: tuple[ExtraAC, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Team:
    name: str
    kind: FileKind
    line: int
    repositories: tuple[OwnedRepository, ...]
    leadership_type: str = ""
    ptl: Person | None = None
    # Set when the whole team retired (legacy.yaml, team-level ``retired-on``).
    retired_on: date | None = None
    # legacy.yaml ``partial: yes``: some deliverables retired, the team lives on.
    partial: bool = False


@dataclass(frozen=True, slots=True)
class GovernanceFile:
    source: str
    kind: FileKind
    teams: tuple[Team, ...]


def parse_expires_in(value: str) -> date:
    """``"August 2026"`` → 2026-08-01, the first day of the month it expires in."""
    match = _EXPIRES_RE.match(value)
    month = _MONTHS.get(match.group(1).lower()) if match else None
    if match is None or month is None:
        raise ValueError(f"expires-in {value!r} is not a month and year such as 'August 2026'")
    return date(int(match.group(2)), month, 1)


def extra_ac_counts(*, expires_on: date, window_end: datetime) -> bool:
    """OpenStack's extra-ACs rule: an entry counts while the qualifying window ends before
    the first day (00:00 UTC) of its ``expires-in`` month."""
    if window_end.tzinfo is None:
        raise ValueError("window_end must be timezone-aware")
    return window_end < datetime.combine(expires_on, time(0, 0), tzinfo=UTC)


def legacy_repository_counts(*, retired_on: date, window_start: datetime) -> bool:
    """A retired team's or deliverable's contributors keep their vote while the retirement
    falls inside the qualifying window (openstack/election ``owners.py`` merges legacy.yaml
    entries retired on or after the window's start)."""
    return retired_on >= window_start.astimezone(UTC).date()


def detect_kind(source: str, root: Node) -> FileKind:
    """The file's kind, from its name (the files are used unchanged) or else its shape."""
    by_name = FILE_NAMES.get(Path(source).name)
    if by_name is not None:
        return by_name
    if not isinstance(root, MappingNode) or not root.value:
        raise GovernanceError(source, _line(root), "expected a mapping of team names")
    first_key, first_value = root.value[0]
    if isinstance(first_value, SequenceNode):
        key = first_key.value if isinstance(first_key, ScalarNode) else ""
        return FileKind.TC if key == TECHNICAL_COMMITTEE else FileKind.SIG
    if isinstance(first_value, MappingNode):
        keys = {k.value for k, _ in first_value.value if isinstance(k, ScalarNode)}
        if "leadership_type" in keys:
            return FileKind.OFFICIAL
        if keys & {"retired-on", "partial"}:
            return FileKind.LEGACY
    raise GovernanceError(
        source,
        _line(root),
        "cannot tell which governance file this is; name it projects.yaml, "
        "technical-committee-repos.yaml, sigs-repos.yaml or legacy.yaml",
    )


def parse_governance_file(path: str | Path) -> GovernanceFile:
    """Read one governance file from disk."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise GovernanceError(source, None, f"cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise GovernanceError(source, None, f"not UTF-8 text ({error.reason})") from None
    return parse_governance_text(text, source=source)


def parse_governance_text(text: str, *, source: str) -> GovernanceFile:
    """Parse the text of a governance file; ``source`` names it in errors and picks its kind."""
    try:
        # The reader refuses control characters already here, before any parsing.
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as error:
        raise GovernanceError(source, None, f"malformed YAML: {error}") from None
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise GovernanceError(source, line, f"malformed YAML: {error.problem}") from None
    except yaml.YAMLError as error:
        raise GovernanceError(source, None, f"malformed YAML: {error}") from None
    finally:
        loader.dispose()
    if root is None:
        raise GovernanceError(source, None, "the file is empty")
    reader = _Reader(source, loader)
    kind = detect_kind(source, root)
    if kind is FileKind.OFFICIAL:
        teams = tuple(reader.projects(root))
    elif kind is FileKind.LEGACY:
        teams = tuple(reader.legacy(root))
    else:
        teams = tuple(reader.owned_repos(root, kind))
    seen: dict[str, Team] = {}
    for team in teams:
        if team.name in seen:
            raise GovernanceError(source, team.line, f"team {team.name!r} is listed twice")
        seen[team.name] = team
    return GovernanceFile(source=source, kind=kind, teams=teams)


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class _Reader:
    """Walks YAML nodes (not plain dicts) so every value keeps its line number."""

    def __init__(self, source: str, loader: yaml.SafeLoader) -> None:
        self.source = source
        self.loader = loader

    def error(self, node: Node, message: str) -> GovernanceError:
        return GovernanceError(self.source, _line(node), message)

    def mapping(self, node: Node, what: str) -> Iterator[tuple[str, Node, Node]]:
        if not isinstance(node, MappingNode):
            raise self.error(node, f"{what} should be a mapping")
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                raise self.error(key, f"{what} has a key that is not a name")
            yield str(self.scalar(key)), key, value

    def sequence(self, node: Node, what: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            raise self.error(node, f"{what} should be a list")
        return list(node.value)

    def scalar(self, node: Node) -> Any:
        if not isinstance(node, ScalarNode):
            raise self.error(node, "expected a single value")
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, AttributeError, OverflowError):
            # An explicit tag the value does not fit (``!!int twelve``, ``!!binary x``), an
            # impossible date (``2024-13-45``), a merge key or an unknown tag.
            raise self.error(node, f"cannot read {node.value!r} as {node.tag}") from None

    def fields(self, node: Node, what: str) -> dict[str, Node]:
        return {key: value for key, _, value in self.mapping(node, what)}

    def text(
        self, node: Node | None, what: str, *, required: bool = True, where: Node | None = None
    ) -> str:
        if node is None:
            if required:
                line = _line(where) if where is not None else None
                raise GovernanceError(self.source, line, f"{what} is missing")
            return ""
        value = self.scalar(node)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.error(node, f"{what} should be text, found {value!r}")
        return value.strip()

    def day(self, node: Node | None, what: str) -> date | None:
        if node is None:
            return None
        value = self.scalar(node)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self.error(node, f"{what} {value!r} is not a date (YYYY-MM-DD)")

    def person(self, node: Node | None, what: str) -> Person | None:
        if node is None:
            return None
        if isinstance(node, ScalarNode):
            # Older entries give the PTL as one line of text: "Ilya Sviridov (isviridov)".
            return Person(self.text(node, what), "")
        fields = self.fields(node, what)
        name = self.text(fields.get("name"), f"{what} name", required=False)
        email = self.text(fields.get("email"), f"{what} email", required=False)
        return Person(name, email) if name or email else None

    def repo_names(self, node: Node | None, where: Node, what: str) -> list[tuple[str, Node]]:
        if node is None:
            raise self.error(where, f"{what} has no repos")
        names = []
        for item in self.sequence(node, f"{what} repos"):
            name = self.text(item, f"{what} repository")
            if not _REPO_RE.match(name):
                raise self.error(item, f"{name!r} is not a repository name like openstack/nova")
            names.append((name, item))
        return names

    def extra_acs(self, node: Node | None, repo: str) -> tuple[ExtraAC, ...]:
        if node is None:
            return ()
        entries = []
        for item in self.sequence(node, f"extra-acs of {repo}"):
            fields = self.fields(item, f"an extra-acs entry of {repo}")
            email = self.text(fields.get("email"), f"extra-acs email of {repo}", where=item)
            expires_node = fields.get("expires-in")
            if expires_node is None:
                raise self.error(item, f"extra-acs entry {email} of {repo} has no expires-in")
            try:
                expires_on = parse_expires_in(str(self.scalar(expires_node)))
            except ValueError as error:
                raise self.error(expires_node, str(error)) from None
            entries.append(
                ExtraAC(
                    name=self.text(fields.get("name"), f"extra-acs name of {repo}", required=False),
                    email=email,
                    expires_on=expires_on,
                    comment=self.text(fields.get("comment"), "comment", required=False),
                    line=_line(item),
                )
            )
        return tuple(entries)

    def projects(self, root: Node) -> Iterator[Team]:
        for name, key, node in self.mapping(root, "projects.yaml"):
            fields = self.fields(node, f"team {name!r}")
            leadership = self.text(
                fields.get("leadership_type"), f"leadership_type of {name!r}", required=False
            )
            repositories = []
            deliverables = fields.get("deliverables")
            if deliverables is None:
                raise self.error(key, f"team {name!r} has no deliverables")
            for deliverable, dkey, dnode in self.mapping(deliverables, f"deliverables of {name!r}"):
                dfields = self.fields(dnode, f"deliverable {deliverable!r}")
                for repo, rnode in self.repo_names(
                    dfields.get("repos"), dkey, f"deliverable {deliverable!r}"
                ):
                    repositories.append(OwnedRepository(repo, deliverable, None, (), _line(rnode)))
            yield Team(
                name=name,
                kind=FileKind.OFFICIAL,
                line=_line(key),
                repositories=tuple(repositories),
                leadership_type=leadership,
                ptl=self.person(fields.get("ptl"), f"PTL of {name!r}"),
            )

    def owned_repos(self, root: Node, kind: FileKind) -> Iterator[Team]:
        for name, key, node in self.mapping(root, "the list of owners"):
            repositories = []
            for item in self.sequence(node, f"repositories of {name!r}"):
                fields = self.fields(item, f"a repository of {name!r}")
                repo_node = fields.get("repo")
                if repo_node is None:
                    raise self.error(item, f"an entry of {name!r} has no repo")
                repo = self.text(repo_node, f"repo of {name!r}")
                if not _REPO_RE.match(repo):
                    raise self.error(repo_node, f"{repo!r} is not a repository name")
                repositories.append(
                    OwnedRepository(
                        name=repo,
                        deliverable=repo.split("/", 1)[1],
                        retired_on=None,
                        extra_acs=self.extra_acs(fields.get("extra-acs"), repo),
                        line=_line(item),
                    )
                )
            yield Team(name=name, kind=kind, line=_line(key), repositories=tuple(repositories))

    def legacy(self, root: Node) -> Iterator[Team]:
        for name, key, node in self.mapping(root, "legacy.yaml"):
            fields = self.fields(node, f"legacy team {name!r}")
            team_retired = self.day(fields.get("retired-on"), f"retired-on of {name!r}")
            partial_node = fields.get("partial")
            partial = bool(self.scalar(partial_node)) if partial_node is not None else False
            deliverables = fields.get("deliverables")
            if deliverables is None:
                raise self.error(key, f"legacy team {name!r} has no deliverables")
            repositories = []
            for deliverable, dkey, dnode in self.mapping(deliverables, f"deliverables of {name!r}"):
                dfields = self.fields(dnode, f"deliverable {deliverable!r}")
                retired = (
                    self.day(dfields.get("retired-on"), f"retired-on of {deliverable!r}")
                    or team_retired
                )
                if retired is None:
                    raise self.error(
                        dkey,
                        f"retired deliverable {deliverable!r} of {name!r} has no retired-on "
                        "(neither its own nor its team's)",
                    )
                for repo, rnode in self.repo_names(
                    dfields.get("repos"), dkey, f"deliverable {deliverable!r}"
                ):
                    repositories.append(
                        OwnedRepository(repo, deliverable, retired, (), _line(rnode))
                    )
            yield Team(
                name=name,
                kind=FileKind.LEGACY,
                line=_line(key),
                repositories=tuple(repositories),
                ptl=self.person(fields.get("ptl"), f"PTL of {name!r}"),
                retired_on=team_retired,
                partial=partial,
            )
