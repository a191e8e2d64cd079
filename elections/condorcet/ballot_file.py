"""PURE: ballots as the formats read and write them, and the checks every reader shares.

A ``BallotFile`` is candidates and ranked rows (with counts); readers raise
``BallotFormatError`` naming the line and the problem.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .textrows import dense


class BallotFormatError(ValueError):
    """A ballot file that cannot be read; ``line`` is 1-based (None for the whole file)."""

    def __init__(self, problem: str, *, line: int | None = None) -> None:
        self.problem = problem
        self.line = line
        super().__init__(problem if line is None else f"line {line}: {problem}")


@dataclass(frozen=True)
class BallotFile:
    """Candidates and ballots read from (or to be written to) a file.

    ``ballots`` is V×C int64 (0 = unranked); ``weights`` says how many voters cast each row
    (always 1 for CSV and Debian sheets, the PrefLib count otherwise).
    """

    candidates: list[str]
    ballots: np.ndarray
    weights: np.ndarray

    @property
    def ballot_count(self) -> int:
        return int(self.weights.sum())

    def expanded(self) -> np.ndarray:
        """One row per voter."""
        if bool((self.weights == 1).all()):
            return self.ballots
        return np.repeat(self.ballots, self.weights, axis=0)


def dense_ranks(ballots: np.ndarray) -> np.ndarray:
    """Rewrite each ballot's ranks as 1, 2, 3, ... keeping order and ties (0 stays 0)."""
    return dense(ballots)


def _ballot_file(candidates: list[str], rows: list[list[int]], counts: list[int]) -> BallotFile:
    ballots = np.array(rows, dtype=np.int64).reshape(len(rows), len(candidates))
    return BallotFile(candidates, ballots, np.array(counts, dtype=np.int64))


# Counts, ranks and alternative numbers have at most nine digits: far beyond any electorate,
# never too long for int(), and int64 sums of them cannot overflow.
_MAX_DIGITS = 9


def _whole_number(digits: str, what: str, line: int | None) -> int:
    if len(digits.lstrip("0")) > _MAX_DIGITS:
        raise BallotFormatError(f"{what} {digits[:12]}... is too large", line=line)
    return int(digits)


def _says(value: str, number: int) -> bool:
    """Whether a header's value is the whole number ``number`` (without int() on junk)."""
    return value.isascii() and value.isdigit() and value.lstrip("0") == str(number).lstrip("0")


def _check_names(names: list[str], line: int | None) -> None:
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not name:
            raise BallotFormatError(f"candidate {position} has an empty name", line=line)
        if name in seen:
            raise BallotFormatError(f"candidate {name!r} is named twice", line=line)
        seen.add(name)


def _check_writable_names(names: list[str]) -> None:
    # Readers strip names and read one per line, so only such names can round-trip.
    for name in names:
        if not name or name != name.strip() or "\n" in name or "\r" in name:
            raise BallotFormatError(
                f"candidate name {name!r} cannot be written: names must be non-empty, on one "
                "line, without surrounding spaces"
            )


# -- CSV ---------------------------------------------------------------------------------
