"""Who is on a roll, from tallies of contributions: the rule, without the database.

PURE: standard library only, no Django. The selectors gather tallies, accounts, additions
and exclusions from the database and hand them here; anyone holding the same inputs can
recompute the same roll and the same fingerprint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time


@dataclass(frozen=True, slots=True)
class Window:
    """A qualifying window [start, end): start inclusive, end exclusive, both aware."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a qualifying window needs timezone-aware dates")
        if not self.start < self.end:
            raise ValueError(f"the window's start {self.start} is not before its end {self.end}")

    @classmethod
    def from_days(cls, start: date, end: date) -> Window:
        """Days are UTC days: ``2025-09-12`` means 2025-09-12T00:00Z."""
        return cls(
            datetime.combine(start, time(0, 0), tzinfo=UTC),
            datetime.combine(end, time(0, 0), tzinfo=UTC),
        )

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True, slots=True)
class Tally:
    """How many counted contributions one address made in the roll's scope and window."""

    email: str
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class Account:
    """A signed-up person: the address their roll entry uses and every verified address.

    Only verified addresses link contributions to an account (an unverified address never
    grants a vote), and all of them together are one voter.
    """

    key: int
    address: str
    name: str
    verified: frozenset[str]


@dataclass(frozen=True, slots=True)
class Addition:
    """A voter added without contributions: an unexpired ``extra-acs`` entry or by hand."""

    email: str
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class Voter:
    email: str
    name: str
    addresses: tuple[str, ...]
    contributions: int
    reasons: tuple[str, ...]


@dataclass(slots=True)
class _Group:
    email: str
    account: Account | None = None
    count: int = 0
    names: dict[str, int] = field(default_factory=dict)
    addresses: set[str] = field(default_factory=set)
    additions: list[Addition] = field(default_factory=list)


def roll_fingerprint(emails: Iterable[str]) -> str:
    """SHA-256 of the sorted addresses, one per line, each line ending in a newline.

    The same bytes as the roll printed one address per line, so two officials can compare
    ``LC_ALL=C sort -u roll.txt | sha256sum`` with the stored fingerprint.
    """
    digest = hashlib.sha256()
    for email in sorted(set(emails)):
        digest.update(email.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def electorate_build(
    *,
    tallies: Iterable[Tally],
    accounts: Mapping[str, Account],
    additions: Iterable[Addition] = (),
    excluded: Collection[str] = frozenset(),
    min_contributions: int = 1,
) -> tuple[Voter, ...]:
    """The voters of one roll, sorted by address.

    ``accounts`` maps each *verified* address to its account. Contributions under all of a
    person's verified addresses add up, and the person appears once, under the account's
    roll address. Addresses no account has verified are voters of their own. A voter is on
    the roll with at least ``min_contributions`` contributions or an addition, unless any of
    their addresses is excluded.
    """
    if min_contributions < 1:
        raise ValueError("min_contributions must be at least 1")
    groups: dict[tuple[str, object], _Group] = {}

    def group_for(email: str) -> _Group:
        account = accounts.get(email)
        key: tuple[str, object] = ("account", account.key) if account else ("email", email)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(
                email=account.address if account else email, account=account
            )
        group.addresses.add(email)
        return group

    for tally in tallies:
        if tally.count <= 0:
            continue
        group = group_for(tally.email)
        group.count += tally.count
        if tally.name:
            group.names[tally.name] = group.names.get(tally.name, 0) + tally.count
    for addition in additions:
        group_for(addition.email).additions.append(addition)

    excluded_set = frozenset(excluded)
    voters = []
    for group in groups.values():
        reasons: list[str] = []
        if group.count >= min_contributions:
            reasons.append(f"{group.count} contributions")
        reasons.extend(sorted({a.reason for a in group.additions}))
        if not reasons:
            continue
        identities = group.addresses | (group.account.verified if group.account else set())
        if not excluded_set.isdisjoint(identities):
            continue
        voters.append(
            Voter(
                email=group.email,
                name=_best_name(group),
                addresses=tuple(sorted(group.addresses)),
                contributions=group.count,
                reasons=tuple(reasons),
            )
        )
    voters.sort(key=lambda voter: voter.email)
    return tuple(voters)


def _best_name(group: _Group) -> str:
    if group.account is not None and group.account.name:
        return group.account.name
    if group.names:
        # The name used most often; ties go to the alphabetically first, so it is stable.
        return min(group.names.items(), key=lambda item: (-item[1], item[0]))[0]
    return next((a.name for a in group.additions if a.name), "")
