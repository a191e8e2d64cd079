"""Electorates that are not commit data: an uploaded list of addresses, or a governance
member list (``members.yaml``). Pure: standard library and PyYAML only.

A bad file is refused whole, with an error naming the file and line; nothing is imported
from it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import yaml

# The address as mail systems accept it, without the quoted and bracketed forms nobody uses
# on a roll: something@domain.tld.
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_HEADER_NAMES = {"email", "e-mail", "address", "mail"}


class VoterListError(ValueError):
    """A file that cannot be read as a voter list; ``str()`` names the file and line."""


@dataclass(frozen=True)
class ListedVoter:
    email: str
    name: str
    line: int


def _check_address(raw: str, where: str) -> str:
    address = raw.strip().lower()
    if not _ADDRESS.match(address):
        raise VoterListError(f"{where}: {raw.strip()!r} is not an e-mail address.")
    return address


def _no_duplicates(voters: list[ListedVoter], filename: str) -> list[ListedVoter]:
    first: dict[str, int] = {}
    for voter in voters:
        if voter.email in first:
            raise VoterListError(
                f"{filename}, line {voter.line}: {voter.email} is listed twice "
                f"(first on line {first[voter.email]})."
            )
        first[voter.email] = voter.line
    return voters


def parse_voter_csv(content: bytes, filename: str = "voters.csv") -> list[ListedVoter]:
    """Rows of ``address[,name]`` in UTF-8; an optional header row (``email,name``); blank
    lines skipped."""
    for number, raw_line in enumerate(content.split(b"\n"), start=1):
        try:
            raw_line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise VoterListError(
                f"{filename}, line {number}: not UTF-8 text (byte {error.start + 1} of the "
                "line); save the file as UTF-8."
            ) from None
    text = content.decode("utf-8").lstrip("\ufeff")
    voters: list[ListedVoter] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            line = reader.line_num
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if not voters and line == 1 and cells[0].lower() in _HEADER_NAMES:
                continue
            if len(cells) > 2:
                raise VoterListError(
                    f"{filename}, line {line}: {len(cells)} columns; expected an address and "
                    "an optional name."
                )
            email = _check_address(cells[0], f"{filename}, line {line}")
            name = cells[1] if len(cells) > 1 else ""
            voters.append(ListedVoter(email=email, name=name[:200], line=line))
    except csv.Error as error:
        raise VoterListError(f"{filename}, line {reader.line_num}: {error}") from None
    if not voters:
        raise VoterListError(f"{filename}: no addresses.")
    return _no_duplicates(voters, filename)


def parse_members_yaml(content: bytes, filename: str = "members.yaml") -> list[ListedVoter]:
    """The sitting Technical Committee (OpenStack governance ``reference/members.yaml``): a
    list of mappings with ``name`` and ``email``."""
    try:
        documents = yaml.compose(content.decode("utf-8"), Loader=yaml.SafeLoader)
        members = yaml.safe_load(content.decode("utf-8"))
    except UnicodeDecodeError:
        raise VoterListError(f"{filename}: not UTF-8 text.") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise VoterListError(f"{filename}{where}: not valid YAML.") from None
    if not isinstance(members, list) or documents is None:
        raise VoterListError(f"{filename}: expected a list of members.")
    voters: list[ListedVoter] = []
    for member, node in zip(members, documents.value, strict=True):
        line = node.start_mark.line + 1
        if not isinstance(member, dict) or not member.get("email"):
            raise VoterListError(f"{filename}, line {line}: a member without an e-mail address.")
        email = _check_address(str(member["email"]), f"{filename}, line {line}")
        voters.append(ListedVoter(email=email, name=str(member.get("name") or "")[:200], line=line))
    if not voters:
        raise VoterListError(f"{filename}: no members.")
    return _no_duplicates(voters, filename)


def voter_list_parse(content: bytes, filename: str) -> list[ListedVoter]:
    """A voter list by its file name: ``.yaml``/``.yml`` as a governance member list, anything
    else as CSV."""
    if filename.lower().endswith((".yaml", ".yml")):
        return parse_members_yaml(content, filename)
    return parse_voter_csv(content, filename)
