"""PURE: an election's outcome as a change to openstack/governance's ``reference/projects.yaml``
(each team's ``ptl:`` block) and ``reference/members.yaml`` (the sitting TC), written as a
unified diff that ``git apply`` or ``patch -p1`` applies in a governance checkout.

The files are edited as text, never re-dumped: comments, order, quoting and the lines nobody
was elected for stay byte for byte as they were. What OpenStack's governance records:

- a team whose PTL is elected (by acclamation or a poll) gets ``name``, ``irc``, ``email``; the
  same person re-elected keeps the block as it is (with its ``appointed`` history);
- a leaderless team's PTL is appointed by the TC: the appointee's block lists the releases they
  were appointed for under ``appointed`` (the release is added; a new person starts the list).
  Until the appointment is recorded the block says 'APPOINTMENT NEEDED' (as OpenStack's own
  tool writes it), unless the file already lists the release under ``appointed``: the
  governance change that appointed them came first;
- a TC member elected gets an entry (``name``, ``irc``, ``email``, ``memberid``, ``date`` as
  "September 2025", ``role: null``) in place of a member whose seat was up and who leaves; a
  member re-elected keeps the entry with the new ``date``.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import yaml

from elections.openstack.candidates import SittingMember, members_not_up, parse_members

PROJECTS_PATH = "reference/projects.yaml"
MEMBERS_PATH = "reference/members.yaml"

_TEAM = re.compile(r"^(?P<name>[^\s#-][^:]*):\s*$")
_FIELD = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z_-]+):(?P<value>.*)$")


class GovernanceFileError(ValueError):
    """A governance file this patch cannot be written against; the message names it."""


@dataclass(frozen=True)
class Leader:
    """A PTL or TC member as the governance files name them."""

    name: str
    irc: str
    email: str
    member_id: int | None = None


@dataclass(frozen=True)
class PtlOutcome:
    """What an election says about one team's PTL."""

    directory: str  # the team as the candidates directory names it: "Puppet_OpenStack"
    leader: Leader | None  # None: not known yet (a poll not counted, no appointment)
    appointed: bool = False  # the TC appointed them (the team was leaderless)
    leaderless: bool = False  # nobody stood and no appointment is recorded yet
    reason: str = ""  # why the leader is not known, for the officials' notes


# What OpenStack's governance writes for a leaderless team until the TC appoints its PTL
# (openstack/election update_governance; vitrage in projects.yaml of 2026-08).
APPOINTMENT_NEEDED = Leader("APPOINTMENT NEEDED", "", "example@example.org")


def _quoted(value: str) -> str:
    # One line whatever the record holds: a name never spills into the next key.
    return "'" + " ".join(value.split()).replace("'", "''") + "'"


def _scalar(value: str) -> str:
    """A release or nick as the file writes it: bare if YAML reads it back as that string."""
    value = " ".join(value.split())
    try:
        plain = yaml.safe_load(value) == value and ":" not in value and "#" not in value
    except yaml.YAMLError:
        plain = False
    return value if plain and value.strip() == value and value else _quoted(value)


def team_directory_key(name: str) -> str:
    """A team's name compared as its candidates directory: "Puppet OpenStack", "puppet_openstack"
    and "Puppet-OpenStack" are one team."""
    return re.sub(r"[\s_-]+", "_", name.strip()).casefold()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block_end(lines: list[str], start: int, indent: int) -> int:
    """The index after the lines indented deeper than ``indent`` that follow ``start``."""
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > indent):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():  # blank lines belong to no block
        end -= 1
    return end


def _teams(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Top-level team key → (first line, end) of its block."""
    starts = [(i, m["name"].strip()) for i, line in enumerate(lines) if (m := _TEAM.match(line))]
    teams = {}
    for number, (index, name) in enumerate(starts):
        end = starts[number + 1][0] if number + 1 < len(starts) else len(lines)
        teams[team_directory_key(name)] = (index, end)
    return teams


def _ptl_lines(leader: Leader, appointed: Sequence[str]) -> list[str]:
    lines = [
        f"    name: {_quoted(leader.name)}\n",
        f"    irc: {_quoted(leader.irc) if leader.irc else 'null'}\n",
        f"    email: {_quoted(leader.email)}\n",
    ]
    if appointed:
        lines.append("    appointed:\n")
        lines.extend(f"      - {_scalar(release)}\n" for release in appointed)
    return lines


def _current_email(lines: list[str], start: int, end: int) -> str:
    for line in lines[start + 1 : end]:
        match = _FIELD.match(line)
        if match and match["key"] == "email" and len(match["indent"]) == 4:
            value = yaml.safe_load(match["value"]) if match["value"].strip() else ""
            return str(value or "").strip().casefold()
    return ""


def _appointed_end(lines: list[str], start: int, end: int) -> int | None:
    """The index after the ``appointed`` list of a ``ptl:`` block, None if it has none."""
    for index in range(start + 1, end):
        match = _FIELD.match(lines[index])
        if match and match["key"] == "appointed" and len(match["indent"]) == 4:
            return _block_end(lines, index, 4)
    return None


def patch_projects(
    text: str, outcomes: Sequence[PtlOutcome], *, release: str, source: str = PROJECTS_PATH
) -> tuple[str, list[str]]:
    """``projects.yaml`` with the PTLs of ``outcomes``, and a note for each team left alone."""
    try:
        yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise GovernanceFileError(f"{source}: not valid YAML: {error}") from error
    lines = text.splitlines(keepends=True)
    teams = _teams(lines)
    notes: list[str] = []
    edits: list[tuple[int, int, list[str]]] = []
    for outcome in outcomes:
        span = teams.get(team_directory_key(outcome.directory))
        if span is None:
            notes.append(f"{outcome.directory}: not a team of {source}; nothing to change.")
            continue
        leader = APPOINTMENT_NEEDED if outcome.leaderless else outcome.leader
        if leader is None:
            notes.append(f"{outcome.directory}: {outcome.reason or 'no PTL known'}; unchanged.")
            continue
        team_start, team_end = span
        ptl = next(
            (i for i in range(team_start + 1, team_end) if lines[i].rstrip() == "  ptl:"), None
        )
        if ptl is None:
            notes.append(f"{outcome.directory}: no ptl block in {source}; unchanged.")
            continue
        end = _block_end(lines, ptl, 2)
        listed = _appointed_end(lines, ptl, end)
        if outcome.leaderless and listed is not None:
            if f"      - {_scalar(release)}\n" in lines[ptl:listed]:
                notes.append(f"{outcome.directory}: leaderless, appointed for {release} already.")
                continue
        if outcome.leaderless:
            notes.append(f"{outcome.directory}: leaderless, the TC appoints its PTL.")
        same = _current_email(lines, ptl, end) == leader.email.strip().casefold()
        if same and not outcome.appointed:
            continue  # re-elected: the block stays as it is, its appointed history too
        if same:
            addition = [f"      - {_scalar(release)}\n"]
            if listed is None:
                edits.append((end, end, ["    appointed:\n", *addition]))
            elif f"      - {_scalar(release)}\n" not in lines[ptl:listed]:
                edits.append((listed, listed, addition))
            continue
        appointed = [release] if outcome.appointed else []
        edits.append((ptl + 1, end, _ptl_lines(leader, appointed)))
    for start, end, replacement in sorted(edits, reverse=True):
        lines[start:end] = replacement
    return "".join(lines), notes


def month_label(day: datetime.date) -> str:
    """A TC member's ``date`` as members.yaml writes it: "September 2025"."""
    return f"{day:%B} {day.year}"


def _entry_lines(member: Leader, date_label: str) -> list[str]:
    return [
        f"- name: {_scalar(member.name)}\n",
        f"  irc: {_scalar(member.irc) if member.irc else 'null'}\n",
        f"  email: {_scalar(member.email)}\n",
        f"  memberid: {member.member_id if member.member_id is not None else 'null'}\n",
        f"  date: {date_label}\n",
        "  role: null\n",
    ]


def _entries(lines: list[str]) -> list[tuple[int, int]]:
    """(first line, end) of each ``- name:`` entry of members.yaml, blank lines excluded."""
    starts = [i for i, line in enumerate(lines) if line.startswith("- ")]
    spans = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(lines)
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        spans.append((start, end))
    return spans


def patch_members(
    text: str,
    elected: Sequence[Leader],
    *,
    opens: datetime.date,
    seated: datetime.date,
    source: str = MEMBERS_PATH,
) -> tuple[str, list[str]]:
    """``members.yaml`` after a TC election whose nominations opened on ``opens`` and whose
    members take their seats in the month of ``seated``: members whose seats were up and who
    were not re-elected leave, the newly elected take their places (in the file's order, the
    rest at the end), the re-elected get the new ``date``. Members seated at or after the
    election (a newer file) are left alone."""
    members: tuple[SittingMember, ...] = parse_members(text, source=source)
    lines = text.splitlines(keepends=True)
    spans = _entries(lines)
    if len(spans) != len(members):
        raise GovernanceFileError(f"{source}: expected one '- name:' line per member.")
    date_label = month_label(seated)
    winners = {person.email.strip().casefold(): person for person in elected}
    staying = {member.email for member in members_not_up(members, opens)}
    notes: list[str] = []
    edits: list[tuple[int, int, list[str]]] = []
    vacated: list[tuple[int, int]] = []
    for member, (start, end) in zip(members, spans, strict=True):
        if member.since is None:
            notes.append(f"{member.email}: no date in {source}; left as it is.")
            continue
        if member.since > opens or member.email in staying:
            winners.pop(member.email, None)  # already seated: never listed twice
            continue
        if member.email in winners:
            winners.pop(member.email)
            edits.extend(
                (index, index + 1, [f"  date: {date_label}\n"])
                for index in range(start, end)
                if lines[index].startswith("  date:") and lines[index].strip() != date_label
            )
        else:
            vacated.append((start, end))
    newcomers = list(winners.values())
    for (start, end), person in zip(vacated, newcomers, strict=False):
        edits.append((start, end, _entry_lines(person, date_label)))
    for start, end in vacated[len(newcomers) :]:
        # A seat up with nobody to fill it: the entry goes, with the blank line after it.
        if end < len(lines) and not lines[end].strip():
            edits.append((start, end + 1, []))
        else:
            edits.append((start - 1 if start and not lines[start - 1].strip() else start, end, []))
    extra = newcomers[len(vacated) :]
    if extra:
        tail: list[str] = []
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        for person in extra:
            tail.extend(["\n", *_entry_lines(person, date_label)])
        edits.append((len(lines), len(lines), tail))
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        lines[start:end] = replacement
    return "".join(lines), notes


def unified_diff(before: str, after: str, path: str) -> str:
    """The change as ``git diff`` writes it (``a/``, ``b/`` prefixes), "" if none."""
    if before == after:
        return ""
    diff = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    out = []
    for line in diff:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
