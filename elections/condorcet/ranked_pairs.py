"""Ranked Pairs (Tideman), winning votes.

Majorities i→j (d[i][j] > d[j][i]) are taken strongest first: more winning votes first, and
among equal winning votes the smaller opposition d[j][i] first. Each majority is locked in
unless it would close a cycle with the majorities already locked.

Equal majorities. Tideman breaks ties between equally strong majorities with a tie-breaking
ranking of candidates, which would make the outcome depend on names or on a draw. Here a
batch of equally strong majorities is handled as a whole, so the result never depends on
the order of candidates: every majority of the batch that closes a cycle with the locked
ones alone is skipped (as in Tideman's rule), and if the rest of the batch would close a
cycle among itself together with the locked majorities, every majority on such a cycle is
skipped too and those candidates stay tied. When no batch contains such a conflict — the
usual case with real ballots — this is exactly Tideman's method.
"""

from __future__ import annotations

from itertools import groupby

import numpy as np

__all__ = ["ranked_pairs"]


def _add_edge(reach: np.ndarray, winner: int, loser: int) -> None:
    # Everything that reaches the winner now reaches everything the loser reaches.
    reach |= reach[:, winner : winner + 1] & reach[loser : loser + 1, :]


def ranked_pairs(pairwise: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Return (``beats``, locked majorities in locking order).

    ``beats[i][j]`` is True when a chain of locked majorities leads from i to j; it is a
    strict partial order, ranked into groups by ``schulze.layers``.
    """
    candidate_count = pairwise.shape[0]
    majorities = [
        (int(pairwise[i, j]), int(pairwise[j, i]), i, j)
        for i in range(candidate_count)
        for j in range(candidate_count)
        if pairwise[i, j] > pairwise[j, i]
    ]
    majorities.sort(key=lambda m: (-m[0], m[1]))
    reach = np.eye(candidate_count, dtype=bool)
    locked: list[tuple[int, int]] = []
    for _, batch in groupby(majorities, key=lambda m: (m[0], m[1])):
        # Tideman's rule against what is already locked: i→j closes a cycle iff j reaches i.
        candidates = [(i, j) for _, _, i, j in batch if not reach[j, i]]
        if not candidates:
            continue
        trial = reach.copy()
        for winner, loser in candidates:
            _add_edge(trial, winner, loser)
        # A majority lies on a cycle of (locked + batch) iff its loser reaches its winner.
        accepted = sorted((i, j) for i, j in candidates if not trial[j, i])
        for winner, loser in accepted:
            _add_edge(reach, winner, loser)
        locked.extend(accepted)
    beats = reach.copy()
    np.fill_diagonal(beats, False)
    return beats, locked
