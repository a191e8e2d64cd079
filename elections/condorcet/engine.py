"""``tally`` and ``tally_from_pairwise``: from ballots (or their matrix) to a result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from .ballots import as_rank_array, as_weight_array, effective_ranks
from .pairwise import pairwise_from_effective_ranks
from .ranked_pairs import ranked_pairs
from .result import TallyResult
from .schulze import condorcet_winner, layers, schulze_beats, smith_set, strongest_paths
from .seats import allocate_seats

__all__ = ["ENGINE_VERSION", "METHODS", "tally", "tally_from_pairwise"]

# Bumped whenever a change could alter any result; published with every result so a
# re-count can use the same rules.
ENGINE_VERSION = "1.0.0"
METHODS = ("schulze", "rankedpairs")


def _checked_candidates(candidates: Sequence[str]) -> list[str]:
    names = list(candidates)
    if not names:
        raise ValueError("a contest needs at least one candidate")
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"candidate names must be non-empty strings, got {name!r}")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"candidate names must be unique; repeated: {', '.join(duplicates)}")
    return names


def _checked_options(
    names: list[str],
    seats: int,
    method: str,
    tie_seed: str | None,
    affiliations: Mapping[str, str | None] | None,
    max_per_affiliation: int | None,
    seats_held: Mapping[str, int] | None = None,
) -> None:
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise ValueError(f"seats must be a whole number of at least 1, got {seats!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if tie_seed is not None and (not isinstance(tie_seed, str) or not tie_seed):
        raise ValueError("tie_seed must be a non-empty string (the published draw seed)")
    if max_per_affiliation is not None and (
        isinstance(max_per_affiliation, bool)
        or not isinstance(max_per_affiliation, int)
        or max_per_affiliation < 1
    ):
        raise ValueError(
            f"max_per_affiliation must be a whole number of at least 1, got {max_per_affiliation!r}"
        )
    for label, count in (seats_held or {}).items():
        if not isinstance(label, str) or isinstance(count, bool) or not isinstance(count, int):
            raise ValueError(f"seats_held maps affiliations to whole numbers, got {label!r}")
        if count < 0:
            raise ValueError(f"seats_held for {label!r} is negative")
    if affiliations is not None:
        unknown = sorted(set(affiliations) - set(names))
        if unknown:
            raise ValueError(f"affiliations name unknown candidates: {', '.join(unknown)}")


def tally(
    candidates: Sequence[str],
    ballots: np.ndarray | Iterable[Sequence[int]],
    *,
    seats: int = 1,
    method: str = "schulze",
    weights: np.ndarray | Sequence[int] | None = None,
    tie_seed: str | None = None,
    affiliations: Mapping[str, str | None] | None = None,
    max_per_affiliation: int | None = None,
    seats_held: Mapping[str, int] | None = None,
    threads: int | None = None,
    merge_identical: bool | None = None,
) -> TallyResult:
    """Count ``ballots`` (V×C ranks, 1 = first, equal = tie, 0 = unranked) for ``candidates``.

    ``weights`` gives each ballot's multiplicity; ``ballot_count`` is their sum (every
    ballot once without weights). ``threads`` and ``merge_identical`` only tune the count
    (see ``pairwise``); the result never depends on them. See the package docstring for
    the rules.
    """
    names = _checked_candidates(candidates)
    _checked_options(names, seats, method, tie_seed, affiliations, max_per_affiliation, seats_held)
    ranks = as_rank_array(ballots, candidates=names)
    ballot_weights = as_weight_array(weights, ranks.shape[0])
    matrix = pairwise_from_effective_ranks(
        effective_ranks(ranks), ballot_weights, threads=threads, merge_identical=merge_identical
    )
    ballot_count = ranks.shape[0] if ballot_weights is None else int(ballot_weights.sum())
    return tally_from_pairwise(
        names,
        matrix,
        ballot_count=ballot_count,
        seats=seats,
        method=method,
        tie_seed=tie_seed,
        affiliations=affiliations,
        max_per_affiliation=max_per_affiliation,
        seats_held=seats_held,
    )


def tally_from_pairwise(
    candidates: Sequence[str],
    matrix: np.ndarray | Sequence[Sequence[int]],
    *,
    ballot_count: int,
    seats: int = 1,
    method: str = "schulze",
    tie_seed: str | None = None,
    affiliations: Mapping[str, str | None] | None = None,
    max_per_affiliation: int | None = None,
    seats_held: Mapping[str, int] | None = None,
) -> TallyResult:
    """Finish a tally from its pairwise matrix (e.g. the sum of partial matrices).

    Gives exactly the result ``tally`` gives for the ballots the matrix was counted from.

    Long because it is the method's whole order of work (ranking, ties broken by the seeded
    draw, seats, affiliation limits) in one readable sequence.
    """
    names = _checked_candidates(candidates)
    _checked_options(names, seats, method, tie_seed, affiliations, max_per_affiliation, seats_held)
    pairwise = _checked_matrix(matrix, len(names), ballot_count)

    def named(indices: Iterable[int]) -> list[str]:
        return sorted(names[i] for i in indices)

    paths = strongest_paths(pairwise)
    locked_pairs: list[list[str]] = []
    if method == "schulze":
        beats = schulze_beats(paths)
    else:
        beats, locked = ranked_pairs(pairwise)
        # Strongest first, then by name, so the list does not depend on candidate order.
        locked.sort(
            key=lambda pair: (-pairwise[pair], pairwise[pair[::-1]], names[pair[0]], names[pair[1]])
        )
        locked_pairs = [[names[i], names[j]] for i, j in locked]
    ranking = [named(group) for group in layers(beats)]
    winner = condorcet_winner(pairwise)
    outcome = allocate_seats(
        ranking,
        seats,
        tie_seed=tie_seed,
        affiliations=affiliations,
        max_per_affiliation=max_per_affiliation,
        seats_held=seats_held,
    )
    constrained = affiliations is not None and max_per_affiliation is not None
    return TallyResult(
        engine_version=ENGINE_VERSION,
        method=method,
        seats=seats,
        candidates=names,
        ballot_count=int(ballot_count),
        ranking=ranking,
        winners=outcome.winners,
        pairwise=pairwise.tolist(),
        margins=(pairwise - pairwise.T).tolist(),
        strongest_paths=paths.tolist(),
        condorcet_winner=None if winner is None else names[winner],
        smith_set=named(smith_set(pairwise)),
        locked_pairs=locked_pairs,
        tie_seed=tie_seed,
        tie_breaks=outcome.tie_breaks,
        unresolved_ties=outcome.unresolved_ties,
        affiliation_adjustments=outcome.adjustments,
        affiliations=(
            {name: str(label) for name, label in sorted(affiliations.items()) if label}
            if constrained and affiliations is not None
            else None
        ),
        max_per_affiliation=max_per_affiliation if constrained else None,
        seats_held=(
            {label: count for label, count in sorted(seats_held.items()) if count}
            if constrained and seats_held
            else None
        ),
    )


def _checked_matrix(
    matrix: np.ndarray | Sequence[Sequence[int]], size: int, ballots: int
) -> np.ndarray:
    if isinstance(ballots, bool) or not isinstance(ballots, int | np.integer) or ballots < 0:
        raise ValueError(f"ballot_count must be a whole number ≥ 0, got {ballots!r}")
    pairwise = np.asarray(matrix)
    if pairwise.shape != (size, size):
        raise ValueError(
            f"the pairwise matrix must be {size}×{size} for {size} candidates, got shape "
            f"{pairwise.shape}"
        )
    if pairwise.size and pairwise.dtype.kind not in "iu":
        raise ValueError(f"the pairwise matrix must hold whole numbers, got {pairwise.dtype}")
    pairwise = pairwise.astype(np.int64)
    if (pairwise < 0).any():
        raise ValueError("the pairwise matrix has a negative count")
    if np.diagonal(pairwise).any():
        raise ValueError("the pairwise matrix must have zeros on its diagonal")
    if ((pairwise + pairwise.T) > ballots).any():
        raise ValueError(
            f"the pairwise matrix counts more than ballot_count={ballots} ballots for a pair"
        )
    return pairwise
