"""The one place where the results app calls the Condorcet engine.

A contest is counted either in one process (``count_ballots``) or, for large contests, from
partial pairwise matrices added up after a Celery chord (``count_from_pairwise``). Both end in
the engine's ranking of the same pairwise matrix, so they give the same result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from elections import condorcet


@dataclass(frozen=True)
class CountRules:
    """How a contest is counted, taken from the contest when the tally starts."""

    seats: int
    method: str
    tie_seed: str
    affiliations: tuple[str, ...] = ()
    max_per_affiliation: int | None = None
    # Seats held outside the contest by affiliation (sitting members whose seats are not up).
    seats_held: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Count:
    """What the engine found, in plain JSON-ready values."""

    names: list[str]
    ranking: list[list[str]]
    winners: list[str]
    pairwise: list[list[int]]
    strongest_paths: list[list[int]]
    condorcet_winner: str
    smith_set: list[str]
    tie_breaks: list[Any]
    unresolved_ties: list[Any]
    locked_pairs: list[Any]
    affiliation_adjustments: list[Any]
    ballot_count: int
    engine_version: str = field(default="")


def pairwise_matrix(ranks: np.ndarray) -> list[list[int]]:
    """The pairwise matrix of some ballots as JSON lists (a chord's partial result)."""
    if ranks.shape[0] == 0:
        return [[0] * ranks.shape[1] for _ in range(ranks.shape[1])]
    matrix = condorcet.pairwise_counts(ranks, candidate_count=ranks.shape[1])
    return np.asarray(matrix, dtype=np.int64).tolist()


@dataclass(frozen=True)
class PartialCount:
    """The pairwise matrix of some of a contest's ballots, how many, and their multiset digest
    (``selectors.ballot_multiset_sum``): what one chunk of a fanned-out tally returns."""

    pairwise: list[list[int]]
    ballot_count: int
    multiset: int

    def as_json(self) -> dict[str, Any]:
        return {
            "pairwise": self.pairwise,
            "ballot_count": self.ballot_count,
            "multiset": f"{self.multiset:064x}",
        }


def add_partials(partials: Sequence[dict[str, Any]], size: int) -> PartialCount:
    """Sum of the chunks' counts: exact, because the pairwise matrix is a sum over ballots."""
    total = np.zeros((size, size), dtype=np.int64)
    ballot_count = 0
    multiset = 0
    for partial in partials:
        total += np.asarray(partial["pairwise"], dtype=np.int64).reshape(size, size)
        ballot_count += int(partial["ballot_count"])
        multiset += int(partial["multiset"], 16)
    return PartialCount(
        pairwise=total.tolist(), ballot_count=ballot_count, multiset=multiset % (1 << 256)
    )


def _options(names: Sequence[str], rules: CountRules) -> dict[str, Any]:
    options: dict[str, Any] = {
        "seats": rules.seats,
        "method": rules.method,
        "tie_seed": rules.tie_seed or None,
    }
    if rules.max_per_affiliation is not None:
        # An empty affiliation is no affiliation: unaffiliated candidates are not one group.
        options["affiliations"] = {
            name: affiliation or None
            for name, affiliation in zip(names, rules.affiliations, strict=True)
        }
        options["max_per_affiliation"] = rules.max_per_affiliation
        if rules.seats_held:
            options["seats_held"] = _held_by_candidates_spelling(rules)
    return options


def _held_by_candidates_spelling(rules: CountRules) -> dict[str, int]:
    """Seats held, under the spelling the candidates use ("Red Hat" and "red hat" are one
    employer), as the settlement compares affiliations."""
    spelling = {label.strip().casefold(): label for label in rules.affiliations if label}
    held: dict[str, int] = {}
    for label, count in rules.seats_held:
        key = spelling.get(label.strip().casefold(), label.strip())
        held[key] = held.get(key, 0) + count
    return held


def count_ballots(names: Sequence[str], ranks: np.ndarray, rules: CountRules) -> Count:
    """Count a whole contest in this process."""
    outcome = condorcet.tally(list(names), ranks, **_options(names, rules))
    return _as_count(names, outcome)


def count_from_pairwise(names: Sequence[str], partial: PartialCount, rules: CountRules) -> Count:
    """Rank a contest from its (summed) pairwise matrix."""
    outcome = condorcet.tally_from_pairwise(
        list(names),
        np.asarray(partial.pairwise, dtype=np.int64),
        ballot_count=partial.ballot_count,
        **_options(names, rules),
    )
    return _as_count(names, outcome)


def _plain(value: Any) -> Any:
    """numpy arrays, tuples and frozen dataclasses as JSON-ready lists and dicts."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


def _as_count(names: Sequence[str], outcome: Any) -> Count:
    return Count(
        names=list(names),
        ranking=[list(group) for group in outcome.ranking],
        winners=list(outcome.winners),
        pairwise=_plain(outcome.pairwise),
        strongest_paths=_plain(outcome.strongest_paths),
        condorcet_winner=outcome.condorcet_winner or "",
        smith_set=list(outcome.smith_set),
        tie_breaks=_plain(outcome.tie_breaks),
        unresolved_ties=_plain(outcome.unresolved_ties),
        locked_pairs=_plain(outcome.locked_pairs),
        affiliation_adjustments=_plain(outcome.affiliation_adjustments),
        ballot_count=int(outcome.ballot_count),
        engine_version=str(outcome.engine_version),
    )
