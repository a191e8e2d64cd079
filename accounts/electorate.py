"""Who is on a roll, from tallies of contributions: the rule, without the database.

PURE: standard library only, no Django. The selectors gather tallies, accounts, additions
and exclusions from the database and hand them here; anyone holding the same inputs can
recompute the same roll and the same fingerprint.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any


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
    """The addresses verified on one account, added up as one voter."""

    account: Account
    count: int = 0
    names: dict[str, int] = field(default_factory=dict)
    addresses: set[str] = field(default_factory=set)
    additions: list[Addition] = field(default_factory=list)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a roll is built, then restore it (a
    ``with`` block, or ``@collector_paused()`` on a function).

    Building a roll makes tens of thousands of small objects (a tally per address, an
    account per verified address, the voters), none of them in reference cycles; each
    allocation burst triggers collections that walk every object the process holds, which
    took about 40 % of a team's roll (0.13-0.21 s against 0.08 s paused, bench/ingest.py).
    Whatever cycles appear meanwhile are collected once the collector runs again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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

    Long because the rule is one pass over contributions, additions and exclusions; split
    up, each part would need the same maps of addresses to accounts.
    """
    if min_contributions < 1:
        raise ValueError("min_contributions must be at least 1")
    excluded_set = frozenset(excluded)
    # Addresses of nobody's account, the common case, kept to plain lists for speed:
    # email → [count, name, count of the name's tally]
    plain: dict[str, list[Any]] = {}
    plain_additions: dict[str, list[Addition]] = {}
    groups: dict[int, _Group] = {}

    def group_of(account: Account) -> _Group:
        group = groups.get(account.key)
        if group is None:
            group = groups[account.key] = _Group(account=account)
        return group

    for tally in tallies:
        if tally.count <= 0:
            continue
        account = accounts.get(tally.email)
        if account is None:
            entry = plain.get(tally.email)
            if entry is None:
                plain[tally.email] = [tally.count, tally.name, tally.count]
                continue
            entry[0] += tally.count
            # The name used most often; ties go to the alphabetically first, so it is stable.
            if tally.name and (not entry[1] or (-tally.count, tally.name) < (-entry[2], entry[1])):
                entry[1], entry[2] = tally.name, tally.count
        else:
            group = group_of(account)
            group.count += tally.count
            group.addresses.add(tally.email)
            if tally.name:
                group.names[tally.name] = group.names.get(tally.name, 0) + tally.count
    for addition in additions:
        account = accounts.get(addition.email)
        if account is None:
            plain.setdefault(addition.email, [0, "", 0])
            plain_additions.setdefault(addition.email, []).append(addition)
        else:
            group = group_of(account)
            group.addresses.add(addition.email)
            group.additions.append(addition)

    voters: list[Voter] = []
    for email, (count, name, _) in plain.items():
        extra = plain_additions.get(email)
        if (count < min_contributions and not extra) or email in excluded_set:
            continue
        reasons = [f"{count} contributions"] if count >= min_contributions else []
        if extra:
            reasons.extend(sorted({a.reason for a in extra}))
            name = name or next((a.name for a in extra if a.name), "")
        voters.append(Voter(email, name, (email,), count, tuple(reasons)))
    for group in groups.values():
        reasons = [f"{group.count} contributions"] if group.count >= min_contributions else []
        reasons.extend(sorted({a.reason for a in group.additions}))
        if not reasons or not excluded_set.isdisjoint(group.addresses | group.account.verified):
            continue
        voters.append(
            Voter(
                email=group.account.address,
                name=_best_name(group),
                addresses=tuple(sorted(group.addresses)),
                contributions=group.count,
                reasons=tuple(reasons),
            )
        )
    voters.sort(key=lambda voter: voter.email)
    return tuple(voters)


def _best_name(group: _Group) -> str:
    if group.account.name:
        return group.account.name
    if group.names:
        return min(group.names.items(), key=lambda item: (-item[1], item[0]))[0]
    return next((a.name for a in group.additions if a.name), "")


def join_identities(
    accounts: Mapping[str, Account], links: Iterable[tuple[str, str]]
) -> dict[str, Account]:
    """Addresses → the person they belong to, joining what is known to be one person.

    ``accounts`` maps verified addresses to their accounts; ``links`` are (identity, address)
    pairs from the contribution data, such as a Gerrit account seen under several addresses
    (``.mailmap`` is applied at ingest already). Addresses joined by either, directly or
    through each other, are one voter: under the first account's address when any of them is
    verified on an account (the others' accounts join it), else under the alphabetically
    first address, with a negative key of its own.

    Long because the union-find and the accounts built from its components share the one
    map of addresses; split up, each part would have to hand it over whole.
    """
    parent: dict[str, str] = {}

    def find(address: str) -> str:
        parent.setdefault(address, address)
        while parent[address] != address:
            parent[address] = parent[parent[address]]
            address = parent[address]
        return address

    def union(first: str, second: str) -> None:
        a, b = find(first), find(second)
        if a != b:
            parent[max(a, b)] = min(a, b)

    by_identity: dict[str, str] = {}
    for identity, address in links:
        if identity in by_identity:
            union(by_identity[identity], address)
        else:
            by_identity[identity] = address
            find(address)
    for account in {account.key: account for account in accounts.values()}.values():
        members = sorted(account.verified)
        for address in members[1:]:
            union(members[0], address)
    components: dict[str, set[str]] = {}
    for address in list(parent):
        components.setdefault(find(address), set()).add(address)
    joined = dict(accounts)
    synthetic = 0
    for members in components.values():
        owners = sorted(
            {accounts[a].key: accounts[a] for a in members if a in accounts}.values(),
            key=lambda account: account.key,
        )
        if len(members) == 1 and len(owners) <= 1:
            continue  # nothing joined: as it was
        if owners:
            first = owners[0]
            person = Account(
                key=first.key,
                address=first.address,
                name=first.name,
                verified=frozenset(members).union(*(o.verified for o in owners)),
            )
        else:
            synthetic -= 1
            person = Account(
                key=synthetic, address=min(members), name="", verified=frozenset(members)
            )
        for address in person.verified:
            joined[address] = person
    return joined
