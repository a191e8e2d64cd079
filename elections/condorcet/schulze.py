"""Schulze method (winning votes) and the pairwise facts reported with every tally.

All functions take the C×C pairwise matrix ``d`` (``d[i][j]`` ballots prefer i to j) and
work on candidate indices; names are attached by ``engine``.

References: M. Schulze, "The Schulze Method of Voting" (arXiv:1804.02973), section 2
(paths, winning votes) and section 4 (the relation ``p[a][b] > p[b][a]`` is transitive).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "condorcet_winner",
    "layers",
    "schulze_beats",
    "smith_set",
    "strongest_paths",
]


def strongest_paths(pairwise: np.ndarray) -> np.ndarray:
    """``p[i][j]``: strength of the strongest path from i to j (0 when there is none).

    A link i→j exists when d[i][j] > d[j][i] and its strength is d[i][j] (winning votes);
    a path is as strong as its weakest link. Widest-path Floyd–Warshall, one vectorised
    relaxation per intermediate candidate k. The diagonal may pick up values during the
    relaxation; they never affect other entries (min(p[i][i], p[i][j]) ≤ p[i][j]) and are
    cleared at the end.
    """
    paths = np.where(pairwise > pairwise.T, pairwise, 0).astype(np.int64)
    for k in range(paths.shape[0]):
        np.maximum(paths, np.minimum(paths[:, k : k + 1], paths[k : k + 1, :]), out=paths)
    np.fill_diagonal(paths, 0)
    return paths


def schulze_beats(paths: np.ndarray) -> np.ndarray:
    """``beats[i][j]`` is True when i ranks above j: p[i][j] > p[j][i] (Schulze, section 2)."""
    return paths > paths.T


def layers(beats: np.ndarray) -> list[list[int]]:
    """Split candidates into groups from the top of a strict partial order.

    Each group holds the remaining candidates that no remaining candidate beats. The first
    group is exactly the Schulze winner set ("potential winners"); the grouping extends the
    relation, so i is in an earlier group than j whenever i beats j.
    """
    remaining = np.ones(beats.shape[0], dtype=bool)
    groups: list[list[int]] = []
    while remaining.any():
        beaten = (beats & remaining[:, None]).any(axis=0)
        top = remaining & ~beaten
        if not top.any():
            # Cannot happen for a transitive relation (Schulze, section 4.1); refuse to
            # invent an order if it ever did.
            raise RuntimeError("the ranking relation has a cycle")
        groups.append([int(i) for i in np.flatnonzero(top)])
        remaining &= ~top
    return groups


def condorcet_winner(pairwise: np.ndarray) -> int | None:
    """The candidate who beats every other one head to head, if there is one."""
    wins = pairwise > pairwise.T
    np.fill_diagonal(wins, True)
    winners = np.flatnonzero(wins.all(axis=1))
    return int(winners[0]) if winners.size else None


def smith_set(pairwise: np.ndarray) -> list[int]:
    """Smallest non-empty set whose members all beat every candidate outside it.

    Computed as the candidates from which every candidate can be reached along "beats or
    ties" (d[i][j] >= d[j][i]) edges, i.e. the top component of that complete relation.
    """
    reach = pairwise >= pairwise.T
    np.fill_diagonal(reach, True)
    for k in range(reach.shape[0]):
        reach |= reach[:, k : k + 1] & reach[k : k + 1, :]
    return [int(i) for i in np.flatnonzero(reach.all(axis=1))]
