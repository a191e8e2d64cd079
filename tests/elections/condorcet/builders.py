"""Ballots written the way election write-ups print them, and a plain numpy count."""

from __future__ import annotations

import numpy as np


def ballots_from_orders(
    candidates: list[str], spec: list[tuple[int, str]]
) -> tuple[np.ndarray, np.ndarray]:
    """``[(5, "A>C=B"), ...]`` → (rows of ranks, weights). Unlisted candidates are unranked."""
    rows, weights = [], []
    for count, order in spec:
        ranks = [0] * len(candidates)
        for rank, level in enumerate(order.split(">"), start=1):
            for name in level.split("="):
                ranks[candidates.index(name.strip())] = rank
        rows.append(ranks)
        weights.append(count)
    return np.array(rows, dtype=np.int64), np.array(weights, dtype=np.int64)


def expand(rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return np.repeat(rows, weights, axis=0)


def naive_pairwise(rows: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """An obviously correct numpy count, for inputs too large for the plain-Python oracle."""
    ranks = np.where(rows == 0, np.iinfo(np.int64).max, rows.astype(np.int64))
    ballot_weights = np.ones(len(rows), np.int64) if weights is None else weights
    size = rows.shape[1]
    matrix = np.zeros((size, size), np.int64)
    for i in range(size):
        matrix[i] = ((ranks[:, i, None] < ranks) * ballot_weights[:, None]).sum(axis=0)
    return matrix


# Schulze's 45-voter example (Wikipedia "Schulze method", and example 1 of Schulze's own
# worked examples): the result is E > A > C > B > D.
WIKIPEDIA_CANDIDATES = ["A", "B", "C", "D", "E"]
WIKIPEDIA_ORDERS = [
    (5, "A>C>B>E>D"),
    (5, "A>D>E>C>B"),
    (8, "B>E>D>A>C"),
    (3, "C>A>B>E>D"),
    (7, "C>A>E>B>D"),
    (2, "C>B>A>D>E"),
    (7, "D>C>E>B>A"),
    (8, "E>B>A>D>C"),
]
