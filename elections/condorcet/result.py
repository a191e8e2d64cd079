"""Values a tally returns. Plain lists, strings and ints, so ``to_json_dict`` is lossless.

The dataclasses are frozen: fields cannot be reassigned. Treat the lists inside as
read-only too; they are lists (not tuples) because callers and JSON use that shape.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AffiliationAdjustment",
    "DrawEntry",
    "TallyResult",
    "TieBreak",
    "UnresolvedTie",
]


@dataclass(frozen=True)
class DrawEntry:
    """One line of a public draw: the candidate and the digest that placed them."""

    candidate: str
    sha256: str


@dataclass(frozen=True)
class TieBreak:
    """A tie settled by the seeded draw: who was tied, the draw, and who took a seat."""

    seed: str
    place: int
    candidates: list[str]
    seats_available: int
    draw: list[DrawEntry]
    seated: list[str]
    rule: str


@dataclass(frozen=True)
class UnresolvedTie:
    """A tie that needs a draw but had no seed: nobody is seated in its place by guessing."""

    place: int
    candidates: list[str]
    seats_available: int
    seats_at_stake: int
    certain: list[str]
    reason: str


@dataclass(frozen=True)
class AffiliationAdjustment:
    """A candidate passed over because their affiliation already held the most seats allowed."""

    candidate: str
    affiliation: str
    place: int
    reason: str


@dataclass(frozen=True)
class TallyResult:
    """Everything needed to check a contest's result from its pairwise matrix.

    ``ranking`` lists groups of equal candidates, best first, names sorted within a group.
    ``winners`` lists the seated candidates in seating order; with an unresolved tie it holds
    only the candidates elected whatever the draw. Matrices are indexed like ``candidates``.
    """

    engine_version: str
    method: str
    seats: int
    candidates: list[str]
    ballot_count: int
    ranking: list[list[str]]
    winners: list[str]
    pairwise: list[list[int]]
    margins: list[list[int]]
    strongest_paths: list[list[int]]
    condorcet_winner: str | None
    smith_set: list[str]
    locked_pairs: list[list[str]]
    tie_seed: str | None
    tie_breaks: list[TieBreak]
    unresolved_ties: list[UnresolvedTie]
    affiliation_adjustments: list[AffiliationAdjustment]
    affiliations: dict[str, str] | None
    max_per_affiliation: int | None
    # Seats each affiliation holds outside the contest (sitting members not up), counted
    # against max_per_affiliation.
    seats_held: dict[str, int] | None = None

    @property
    def unresolved_tie(self) -> bool:
        """True when a tie decides a seat and no seed was given to draw it."""
        return bool(self.unresolved_ties)

    def to_json_dict(self) -> dict[str, Any]:
        """The whole result as JSON-ready dicts and lists (a fresh copy)."""
        document = dataclasses.asdict(self)
        document["unresolved_tie"] = self.unresolved_tie
        return document
