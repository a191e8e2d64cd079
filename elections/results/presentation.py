"""How a stored result is laid out for people: the pairwise table and the ranking rows."""

from __future__ import annotations

from dataclasses import dataclass

from elections.results.models import Result


@dataclass(frozen=True)
class PairwiseCell:
    """One comparison: how many ballots prefer the row's candidate to the column's, and back."""

    row: str
    column: str
    preferring_row: int
    preferring_column: int

    @property
    def is_diagonal(self) -> bool:
        return self.row == self.column

    @property
    def margin(self) -> int:
        return self.preferring_row - self.preferring_column

    @property
    def outcome(self) -> str:
        """ "win", "loss" or "tie" for the row's candidate (CSS class and screen-reader text)."""
        if self.margin > 0:
            return "win"
        if self.margin < 0:
            return "loss"
        return "tie"

    @property
    def summary(self) -> str:
        if self.margin > 0:
            return f"beats by {self.margin}"
        if self.margin < 0:
            return f"loses by {-self.margin}"
        return "tied"


@dataclass(frozen=True)
class PairwiseRow:
    name: str
    cells: tuple[PairwiseCell, ...]


@dataclass(frozen=True)
class RankingRow:
    place: int
    names: tuple[str, ...]
    elected: tuple[bool, ...]

    @property
    def tied(self) -> bool:
        return len(self.names) > 1

    @property
    def entries(self) -> list[tuple[str, bool]]:
        return list(zip(self.names, self.elected, strict=True))


def ranking_order(result: Result) -> list[str]:
    """Names from best to worst (ties in the order the engine gives them)."""
    return [name for group in result.ranking for name in group]


def pairwise_rows(result: Result) -> list[PairwiseRow]:
    """The pairwise matrix with rows and columns in ranking order."""
    index = {name: position for position, name in enumerate(result.names)}
    order = [name for name in ranking_order(result) if name in index]
    order += [name for name in result.names if name not in order]
    matrix = result.pairwise
    return [
        PairwiseRow(
            name=row,
            cells=tuple(
                PairwiseCell(
                    row=row,
                    column=column,
                    preferring_row=int(matrix[index[row]][index[column]]),
                    preferring_column=int(matrix[index[column]][index[row]]),
                )
                for column in order
            ),
        )
        for row in order
    ]


def ranking_rows(result: Result) -> list[RankingRow]:
    """Places as in sport: a group of two tied at 1st puts the next candidate 3rd."""
    winners = set(result.winners)
    rows: list[RankingRow] = []
    place = 1
    for group in result.ranking:
        rows.append(
            RankingRow(
                place=place,
                names=tuple(group),
                elected=tuple(name in winners for name in group),
            )
        )
        place += len(group)
    return rows
