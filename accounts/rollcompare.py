"""Two rolls side by side, as two officials compare them while a community moves from one
tool to another (OpenStack's officials compare the rolls they generate by the SHA-256 of
the sorted addresses).

PURE: standard library only, no Django. A roll is read from the text a roll is published in
(one address per line: stackvote's ``manage.py roll``, openstack/election's
``<team>.txt`` and ``_electorate.txt``) or from ``manage.py roll --json``. Addresses are
compared lower-cased by default; ``preserve_case`` compares them as written, so a roll that
differs only by the case of a local part is seen to differ. The fingerprint of each side is
``roll_fingerprint`` of the addresses as compared, the bytes ``LC_ALL=C sort -u | sha256sum``
reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from accounts.electorate import roll_fingerprint


class RollFileError(ValueError):
    """A roll file that is not one address per line; the message names the file and line."""


@dataclass(frozen=True)
class RollSide:
    label: str  # what the official named: a file, "roll #12 (Nova)"
    addresses: tuple[str, ...]  # distinct, in the compared form, sorted by code point
    repeated: int  # lines that named an address already listed (in the compared form)

    @property
    def fingerprint(self) -> str:
        return roll_fingerprint(self.addresses)

    @property
    def size(self) -> int:
        return len(self.addresses)


@dataclass(frozen=True)
class RollComparison:
    first: RollSide
    second: RollSide
    only_first: tuple[str, ...]
    only_second: tuple[str, ...]
    preserve_case: bool

    @property
    def same(self) -> bool:
        return self.first.fingerprint == self.second.fingerprint


def _checked(address: str, source: str, line: int) -> str:
    address = address.strip()
    local, at, domain = address.partition("@")
    if not at or not local or not domain or any(ch.isspace() for ch in address):
        shown = address if len(address) <= 80 else address[:77] + "..."
        raise RollFileError(f"{source}, line {line}: {shown!r} is not an e-mail address.")
    return address


def read_roll(text: str, *, source: str = "<roll>") -> list[str]:
    """The addresses of a roll file, as written: one per line (blank lines and ``#``
    comments skipped), or the JSON document of ``manage.py roll --json``."""
    body = text.lstrip("\ufeff")
    if body.lstrip().startswith("{"):
        try:
            document = json.loads(body)
        except ValueError as error:
            raise RollFileError(f"{source}: not valid JSON ({error}).") from None
        emails = document.get("emails") if isinstance(document, dict) else None
        if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
            raise RollFileError(f"{source}: a JSON roll has a list of addresses under 'emails'.")
        return [_checked(email, source, index) for index, email in enumerate(emails, start=1)]
    addresses = []
    for number, line in enumerate(body.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            addresses.append(_checked(stripped, source, number))
    return addresses


def roll_side(label: str, addresses: Iterable[str], *, preserve_case: bool = False) -> RollSide:
    compared = [a.strip() if preserve_case else a.strip().lower() for a in addresses]
    distinct = sorted(set(compared))
    return RollSide(label=label, addresses=tuple(distinct), repeated=len(compared) - len(distinct))


def rolls_compare(
    first: tuple[str, Iterable[str]],
    second: tuple[str, Iterable[str]],
    *,
    preserve_case: bool = False,
) -> RollComparison:
    """Each roll's count and fingerprint, and the addresses only one of them holds.
    ``first`` and ``second`` are (label, addresses)."""
    one = roll_side(first[0], first[1], preserve_case=preserve_case)
    two = roll_side(second[0], second[1], preserve_case=preserve_case)
    mine, theirs = set(one.addresses), set(two.addresses)
    return RollComparison(
        first=one,
        second=two,
        only_first=tuple(sorted(mine - theirs)),
        only_second=tuple(sorted(theirs - mine)),
        preserve_case=preserve_case,
    )


def comparison_lines(comparison: RollComparison) -> list[str]:
    """The comparison as the command prints it."""
    how = "as written" if comparison.preserve_case else "lower-cased"
    lines = [f"Addresses compared {how}; sha256 of the sorted addresses, one per line."]
    for side in (comparison.first, comparison.second):
        repeated = f" ({side.repeated} repeated line(s) counted once)" if side.repeated else ""
        lines.append(f"{side.label}: {side.size} addresses{repeated}, sha256 {side.fingerprint}")
    if comparison.same:
        lines.append("The rolls are the same.")
        return lines
    lines.append(
        f"The rolls differ: {len(comparison.only_first)} only in {comparison.first.label}, "
        f"{len(comparison.only_second)} only in {comparison.second.label}."
    )
    for side, only in (
        (comparison.first, comparison.only_first),
        (comparison.second, comparison.only_second),
    ):
        if only:
            lines.append(f"Only in {side.label}:")
            lines.extend(f"  {address}" for address in only)
    return lines
