"""PURE: a Foundation membership list (who is an individual member, under which addresses,
with which affiliation, since when), as CSV or JSON.

CSV: a header row naming ``member_id``, ``name``, ``addresses`` (one or more, separated by
spaces, commas or semicolons), ``affiliation`` and ``since`` (YYYY-MM-DD, optional); one
member per row. JSON: a list of objects with the same keys (``addresses`` a list or a
string). An address belongs to one member; errors name the line (CSV) or the entry (JSON).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

FIELDS = ("member_id", "name", "addresses", "affiliation", "since")
_SPLIT = re.compile(r"[\s,;]+")
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class MembershipError(ValueError):
    """The list cannot be read; the message names the file and the line or entry."""


class NoMembershipList(ValueError):
    """A roll limited to Foundation members was asked for, but no membership list has been
    imported: it would be empty, which is never what was meant."""


@dataclass(frozen=True)
class MemberRecord:
    member_id: int
    name: str
    addresses: tuple[str, ...]
    affiliation: str
    since: datetime.date | None


def parse_members_list(text: str, *, source: str) -> tuple[MemberRecord, ...]:
    """Read a membership list; the format is JSON when the text starts with ``[``."""
    if text.lstrip().startswith("["):
        return _checked(_from_json(text, source), source)
    return _checked(_from_csv(text, source), source)


def _from_json(text: str, source: str) -> list[tuple[str, Mapping[str, object]]]:
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as error:
        raise MembershipError(
            f"{source}, line {error.lineno}: not valid JSON ({error.msg})."
        ) from error
    if not isinstance(rows, list):
        raise MembershipError(f"{source}: expected a list of members.")
    entries = []
    for index, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            raise MembershipError(f"{source}, entry {index}: expected an object.")
        entries.append((f"{source}, entry {index}", row))
    return entries


def _from_csv(text: str, source: str) -> list[tuple[str, Mapping[str, object]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in ("member_id", "addresses") if name not in header]
    if missing:
        raise MembershipError(
            f"{source}, line 1: the header needs the columns {', '.join(missing)} "
            f"(columns: {', '.join(FIELDS)})."
        )
    reader.fieldnames = header
    return [(f"{source}, line {reader.line_num}", row) for row in reader]


def _checked(
    entries: list[tuple[str, Mapping[str, object]]], source: str
) -> tuple[MemberRecord, ...]:
    members: list[MemberRecord] = []
    owners: dict[str, tuple[int, str]] = {}
    ids: dict[int, str] = {}
    for where, row in entries:
        try:
            member_id = int(str(row.get("member_id", "")).strip())
        except ValueError as error:
            raise MembershipError(
                f"{where}: member_id {row.get('member_id')!r} is not a number."
            ) from error
        if member_id in ids:
            raise MembershipError(
                f"{where}: member {member_id} is listed again ({ids[member_id]})."
            )
        ids[member_id] = where
        raw = row.get("addresses") or ""
        parts = raw if isinstance(raw, list) else _SPLIT.split(str(raw))
        addresses = tuple(dict.fromkeys(str(a).strip().lower() for a in parts if str(a).strip()))
        if not addresses:
            raise MembershipError(f"{where}: member {member_id} has no address.")
        for address in addresses:
            if not _ADDRESS.match(address):
                raise MembershipError(f"{where}: {address!r} is not an e-mail address.")
            if address in owners and owners[address][0] != member_id:
                raise MembershipError(
                    f"{where}: {address} already belongs to member {owners[address][0]} "
                    f"({owners[address][1]})."
                )
            owners[address] = (member_id, where)
        since_text = str(row.get("since") or "").strip()
        try:
            since = datetime.date.fromisoformat(since_text) if since_text else None
        except ValueError as error:
            raise MembershipError(
                f"{where}: since {since_text!r} is not a YYYY-MM-DD date."
            ) from error
        members.append(
            MemberRecord(
                member_id=member_id,
                name=" ".join(str(row.get("name") or "").split()),
                addresses=addresses,
                affiliation=" ".join(str(row.get("affiliation") or "").split()),
                since=since,
            )
        )
    if not members:
        raise MembershipError(f"{source}: no members.")
    return tuple(members)
