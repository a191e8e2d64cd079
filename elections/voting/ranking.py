"""PURE: a voter's ranking, read from the ballot form, as a frozen value.

The ballot form sends one field per candidate, ``rank-<choice key>``, whose value is a rank
from 1 to N (N = the number of candidates) or blank for "no opinion". Ties are allowed: two
candidates may get the same rank. Only the order matters to a Condorcet count, so the ranks are
stored densely (1, 3, 3 becomes 1, 2, 2): the numbers a voter happened to pick can then not be
used as a signature that identifies their ballot among the published ones (the "pattern
voting" or Italian attack).

This module imports only the standard library, so anyone can check a published ballot with it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

FIELD_PREFIX = "rank-"
# Digits only, and few of them: "+1", "1.0", "1e3" or a 5,000-digit number are all refused
# before anything tries to read them as an integer.
_RANK_PATTERN = re.compile(r"[0-9]{1,6}")


class RankingError(ValueError):
    """The submitted ranks cannot be read as a ballot; every message is meant for the voter.

    ``field_errors`` maps a choice key to what is wrong with its field; ``general`` holds what
    is wrong with the ballot as a whole (unknown candidates, nothing ranked).
    """

    def __init__(
        self, *, field_errors: Mapping[str, str] | None = None, general: Sequence[str] = ()
    ) -> None:
        self.field_errors: dict[str, str] = dict(field_errors or {})
        self.general: tuple[str, ...] = tuple(general)
        super().__init__(" ".join([*self.general, *self.field_errors.values()]))


@dataclass(frozen=True)
class Ranking:
    """A valid ballot: dense ranks for the ranked choices; every other choice is unranked.

    ``ranks`` is sorted by choice key, so two equal rankings are equal values whatever order
    the voter saw the candidates in.
    """

    ranks: tuple[tuple[str, int], ...]
    unranked: tuple[str, ...]

    @classmethod
    def from_ranks(cls, ranks: Mapping[str, int], keys: Iterable[str]) -> Ranking:
        """Build the dense ranking of ``ranks`` (key -> any positive integer) over ``keys``."""
        all_keys = sorted(set(keys))
        unknown = set(ranks) - set(all_keys)
        if unknown:
            raise RankingError(general=[_unknown_message(len(unknown))])
        dense = {value: position for position, value in enumerate(sorted(set(ranks.values())), 1)}
        return cls(
            ranks=tuple((key, dense[ranks[key]]) for key in all_keys if key in ranks),
            unranked=tuple(key for key in all_keys if key not in ranks),
        )

    def as_dict(self) -> dict[str, int]:
        """``{choice key: rank}`` for the ranked choices, the form a Ballot stores."""
        return dict(self.ranks)

    @property
    def tiers(self) -> tuple[tuple[str, ...], ...]:
        """The ranked choices grouped by rank, best first; a tie is a tier of several keys."""
        by_rank: dict[int, list[str]] = {}
        for key, rank in self.ranks:
            by_rank.setdefault(rank, []).append(key)
        return tuple(tuple(by_rank[rank]) for rank in sorted(by_rank))

    def describe(self, labels: Mapping[str, str]) -> str:
        """The ranking in words: ``1. A, 2. B = C; unranked: D``."""

        # Names within a tie, and the unranked, in alphabetical order: they have no order of
        # their own, and the voter should read the same summary however they were listed.
        def names(keys: Iterable[str]) -> list[str]:
            return sorted((labels.get(key, key) for key in keys), key=str.casefold)

        parts = [
            f"{position}. " + " = ".join(names(tier)) for position, tier in enumerate(self.tiers, 1)
        ]
        text = ", ".join(parts) if parts else "nobody ranked"
        if self.unranked:
            text += "; unranked: " + ", ".join(names(self.unranked))
        return text


def field_name(key: str) -> str:
    """The form field that carries the rank of the choice ``key``."""
    return FIELD_PREFIX + key


def parse_ranking(fields: Mapping[str, Sequence[str]], keys: Sequence[str]) -> Ranking:
    """Read the ranking from submitted form fields (name -> every value sent under it).

    Fields that do not start with ``rank-`` (the CSRF token, the step) are ignored. A known
    choice whose field is missing or blank is unranked. Raises ``RankingError`` for: a field
    sent more than once, a rank that is not a whole number from 1 to N, a field naming a choice
    that is not in this contest, and a ballot that ranks nobody (see docs/voting.md: a blank
    ballot changes no comparison and is far more often a slip than a choice; to abstain on
    purpose, rank everyone equal).
    """
    known = set(keys)
    size = len(keys)
    field_errors: dict[str, str] = {}
    general: list[str] = []
    unknown = 0
    ranks: dict[str, int] = {}
    for name, values in fields.items():
        if not name.startswith(FIELD_PREFIX):
            continue
        key = name[len(FIELD_PREFIX) :]
        if key not in known:
            unknown += 1
            continue
        if len(values) != 1:
            field_errors[key] = "This candidate's rank was sent more than once; give one rank."
            continue
        text = values[0].strip()
        if not text:
            continue
        if not _RANK_PATTERN.fullmatch(text):
            field_errors[key] = f"Choose a rank from 1 to {size} as a whole number, or no opinion."
            continue
        rank = int(text)
        if not 1 <= rank <= size:
            field_errors[key] = f"Choose a rank from 1 to {size}, or no opinion."
            continue
        ranks[key] = rank
    if unknown:
        general.append(_unknown_message(unknown))
    if not field_errors and not general and not ranks:
        general.append(
            "Rank at least one candidate. To abstain on purpose, rank every candidate 1."
        )
    if field_errors or general:
        raise RankingError(field_errors=field_errors, general=general)
    return Ranking.from_ranks(ranks, keys)


def _unknown_message(count: int) -> str:
    noun = "a candidate" if count == 1 else f"{count} candidates"
    return (
        f"This ballot names {noun} not standing in this contest; reload the ballot and rank again."
    )


def shuffled(keys: Iterable[str]) -> list[str]:
    """``keys`` in a fresh random order, for one page load of one voter.

    CIVS shows candidates in a random order per voter so that no candidate gains from being
    listed first; the order comes from the operating system's random source and is not kept.
    """
    order = list(keys)
    secrets.SystemRandom().shuffle(order)
    return order


def order_from_field(text: str, keys: Iterable[str]) -> list[str] | None:
    """The display order carried between the ballot's steps, if it is a permutation of ``keys``.

    The order only decides how the page lists the candidates again after a review or an error,
    so a tampered value is simply ignored (None) and the caller shuffles afresh.
    """
    order = [part for part in text.split(",") if part]
    if sorted(order) != sorted(set(keys)) or len(order) != len(set(order)):
        return None
    return order
