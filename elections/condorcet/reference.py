"""Plain-Python reference tally: the test oracle and the benchmark baseline.

Written to be obviously right rather than fast: loops over lists, each rule taken word for
word from its definition, and no code shared with the fast engine except the draw digest
(``hashlib``) whose definition is the rule itself. Exponential steps (all orders of tied
candidates) make it suitable for small elections only, which is what tests use it for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from itertools import permutations, product
from typing import Any

__all__ = [
    "reference_condorcet_winner",
    "reference_pairwise",
    "reference_ranked_pairs_ranking",
    "reference_schulze_ranking",
    "reference_seats",
    "reference_smith_set",
    "reference_strongest_paths",
    "reference_tally",
]


def reference_pairwise(
    ballots: Sequence[Sequence[int]],
    weights: Sequence[int] | None = None,
    *,
    candidate_count: int | None = None,
) -> list[list[int]]:
    """d[i][j] = sum of the weights of ballots ranking i strictly above j (0 = unranked)."""
    size = candidate_count if candidate_count is not None else len(ballots[0])
    d = [[0] * size for _ in range(size)]
    for number, ballot in enumerate(ballots):
        weight = 1 if weights is None else int(weights[number])
        ranks = [int(rank) if rank else float("inf") for rank in ballot]
        for i in range(size):
            for j in range(size):
                if ranks[i] < ranks[j]:
                    d[i][j] += weight
    return d


def reference_strongest_paths(d: Sequence[Sequence[int]]) -> list[list[int]]:
    """Schulze's own pseudo-code (paper, section 2.3), winning votes."""
    size = len(d)
    p = [[0] * size for _ in range(size)]
    for i in range(size):
        for j in range(size):
            if i != j and d[i][j] > d[j][i]:
                p[i][j] = d[i][j]
    for i in range(size):
        for j in range(size):
            if i == j:
                continue
            for k in range(size):
                if k not in (i, j):
                    p[j][k] = max(p[j][k], min(p[j][i], p[i][k]))
    return p


def _groups_from_better(names: Sequence[str], better: Any) -> list[list[str]]:
    left = list(range(len(names)))
    ranking = []
    while left:
        top = [i for i in left if not any(better(j, i) for j in left if j != i)]
        if not top:
            raise RuntimeError("cycle in a ranking relation")
        ranking.append(sorted(names[i] for i in top))
        left = [i for i in left if i not in top]
    return ranking


def reference_schulze_ranking(names: Sequence[str], d: Sequence[Sequence[int]]) -> list[list[str]]:
    p = reference_strongest_paths(d)
    return _groups_from_better(names, lambda a, b: p[a][b] > p[b][a])


def _reaches(edges: set[tuple[int, int]], start: int, goal: int) -> bool:
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for a, b in edges:
            if a == node and b not in seen:
                seen.add(b)
                stack.append(b)
    return False


def reference_ranked_pairs_ranking(
    names: Sequence[str], d: Sequence[Sequence[int]]
) -> list[list[str]]:
    """Tideman, winning votes; an equally strong batch is kept only where it closes no cycle."""
    size = len(d)
    strengths = sorted(
        {(d[i][j], d[j][i]) for i in range(size) for j in range(size) if d[i][j] > d[j][i]},
        key=lambda s: (-s[0], s[1]),
    )
    locked: set[tuple[int, int]] = set()
    for win, lose in strengths:
        batch = [
            (i, j)
            for i in range(size)
            for j in range(size)
            if (d[i][j], d[j][i]) == (win, lose) and d[i][j] > d[j][i]
        ]
        fits = [(i, j) for i, j in batch if not _reaches(locked, j, i)]
        trial = locked | set(fits)
        locked |= {(i, j) for i, j in fits if not _reaches(trial, j, i)}
    return _groups_from_better(names, lambda a, b: _reaches(locked, a, b))


def reference_condorcet_winner(names: Sequence[str], d: Sequence[Sequence[int]]) -> str | None:
    for i, name in enumerate(names):
        if all(d[i][j] > d[j][i] for j in range(len(names)) if j != i):
            return name
    return None


def reference_smith_set(names: Sequence[str], d: Sequence[Sequence[int]]) -> list[str]:
    """Every dominating set is a top block of head-to-head win counts: try prefixes."""
    size = len(names)
    wins = [sum(d[i][j] > d[j][i] for j in range(size)) for i in range(size)]
    order = sorted(range(size), key=lambda i: -wins[i])
    for k in range(1, size + 1):
        inside, outside = order[:k], order[k:]
        if all(d[i][j] > d[j][i] for i in inside for j in outside):
            return sorted(names[i] for i in inside)
    raise AssertionError("unreachable: the whole field always qualifies")


def _seat_in_order(
    order: Sequence[str],
    seats: int,
    affiliations: Mapping[str, str | None] | None,
    limit: int | None,
) -> list[str]:
    seated: list[str] = []
    held: dict[str, int] = {}
    for name in order:
        if len(seated) == seats:
            break
        label = (affiliations or {}).get(name) or None
        if limit is not None and label is not None and held.get(label, 0) >= limit:
            continue
        seated.append(name)
        if label is not None:
            held[label] = held.get(label, 0) + 1
    return seated


def reference_seats(
    ranking: Sequence[Sequence[str]],
    seats: int,
    *,
    tie_seed: str | None = None,
    affiliations: Mapping[str, str | None] | None = None,
    max_per_affiliation: int | None = None,
) -> tuple[set[str], bool]:
    """Return (set of winners, whether a tie was left unresolved).

    With a seed every group is put in draw order and seats are filled greedily. Without one,
    every order of every group is tried: the winners are those seated in all of them, and
    the tie is unresolved when the orders disagree.
    """
    limit = max_per_affiliation if affiliations is not None else None
    if tie_seed is not None:

        def digest(name: str) -> tuple[str, str]:
            return hashlib.sha256(f"{tie_seed}:{name}".encode()).hexdigest(), name

        order = [name for group in ranking for name in sorted(group, key=digest)]
        return set(_seat_in_order(order, seats, affiliations, limit)), False
    outcomes = {
        frozenset(
            _seat_in_order(
                [name for group in arrangement for name in group], seats, affiliations, limit
            )
        )
        for arrangement in product(*(permutations(group) for group in ranking))
    }
    return set(frozenset.intersection(*outcomes)), len(outcomes) > 1


def reference_tally(
    names: Sequence[str],
    ballots: Sequence[Sequence[int]],
    *,
    weights: Sequence[int] | None = None,
    seats: int = 1,
    method: str = "schulze",
    tie_seed: str | None = None,
    affiliations: Mapping[str, str | None] | None = None,
    max_per_affiliation: int | None = None,
) -> dict[str, Any]:
    d = reference_pairwise(ballots, weights, candidate_count=len(names))
    if method == "schulze":
        ranking = reference_schulze_ranking(names, d)
    else:
        ranking = reference_ranked_pairs_ranking(names, d)
    winners, unresolved = reference_seats(
        ranking,
        seats,
        tie_seed=tie_seed,
        affiliations=affiliations,
        max_per_affiliation=max_per_affiliation,
    )
    return {
        "pairwise": d,
        "strongest_paths": reference_strongest_paths(d),
        "ranking": ranking,
        "winners": winners,
        "unresolved_tie": unresolved,
        "condorcet_winner": reference_condorcet_winner(names, d),
        "smith_set": reference_smith_set(names, d),
    }
