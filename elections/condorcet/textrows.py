"""PURE: the rows of the CSV and PrefLib ballot files, written by numpy.

A million ballots are turned into text without a Python step per ballot: every cell gets a
fixed-width slot of bytes (digits right-aligned, separators, braces), unused bytes are zero,
and the zero bytes are dropped at the end. No character of these files is a zero byte, so
what is left is exactly the text a per-ballot loop would write
(``tests/elections/condorcet/test_textrows.py`` checks it against such a loop).
"""

from __future__ import annotations

import numpy as np

_COMMA = ord(",")
_NEWLINE = ord("\n")
_QUOTE = ord('"')


def digit_slots(
    numbers: np.ndarray, width: int | None = None, *, blank_zero: bool = False
) -> np.ndarray:
    """Decimal digits of non-negative ``numbers`` as ``numbers.shape + (width,)`` ASCII bytes,
    right-aligned with zero bytes in front (0 is the one digit "0", or no digit at all with
    ``blank_zero``)."""
    values = np.asarray(numbers)
    if values.dtype.kind not in "iu":
        values = values.astype(np.int64)
    if width is None:
        width = len(str(int(values.max()))) if values.size else 1
    top = int(values.max()) if values.size else 0
    if top < 4096:
        # Small numbers (ranks, candidate numbers): each one's slot taken whole from a table
        # of their digits (``take`` of fixed-size records, several times faster than
        # indexing a two-dimensional table).
        table = _digit_table(top + 1, width)
        if blank_zero:
            table[0] = 0
        slots = np.take(table.view(f"V{width}").reshape(-1), values)
        return slots.view(np.uint8).reshape(values.shape + (width,))
    values = values.astype(np.int64, copy=False)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = (values[..., None] // powers) % 10
    lengths = np.ones(values.shape, dtype=np.int64)
    for power in range(1, width):
        lengths += values >= 10**power
    used = np.arange(width)[None, :] >= (width - lengths.reshape(-1, 1))
    if blank_zero:
        used &= values.reshape(-1, 1) != 0
    slots = np.where(used.reshape(digits.shape), digits + ord("0"), 0)
    return slots.astype(np.uint8)


def _digit_table(size: int, width: int) -> np.ndarray:
    table = np.zeros((size, width), dtype=np.uint8)
    for number in range(size):
        digits = str(number).encode("ascii")
        table[number, width - len(digits) :] = np.frombuffer(digits, dtype=np.uint8)
    return table


def _text(slots: np.ndarray) -> str:
    flat = slots.reshape(-1)
    return flat[flat != 0].tobytes().decode("ascii")


def csv_rows(ranks: np.ndarray, first: np.ndarray | None = None) -> str:
    """One CSV line per ballot: its ranks separated by commas, an empty cell for unranked.

    As Python's csv module writes it: a ballot of one unranked cell is ``""`` so that the line
    is not mistaken for a blank one. ``first`` (``S<n>``, one per ballot, characters that need
    no quoting, none empty) is a first cell, such as a tracker."""
    count, columns = ranks.shape
    if count == 0:
        return ""
    if first is not None:
        lead = np.zeros((count, first.dtype.itemsize + 1), dtype=np.uint8)
        lead[:, :-1] = np.ascontiguousarray(first).view(np.uint8).reshape(count, -1)
        lead[:, -1] = _COMMA if columns else _NEWLINE
        return _text(lead) if not columns else _joined(lead, ranks)
    if columns == 0:
        return "\n" * count
    return _text(_rank_cells(ranks))


def _joined(lead: np.ndarray, ranks: np.ndarray) -> str:
    cells = _rank_cells(ranks, lone_quoted=False)
    return _text(np.concatenate([lead, cells.reshape(cells.shape[0], -1)], axis=1))


def _rank_cells(ranks: np.ndarray, *, lone_quoted: bool = True) -> np.ndarray:
    count, columns = ranks.shape
    values = np.asarray(ranks)
    if values.dtype != np.int16:
        values = _small(values.astype(np.int64, copy=False))
    width = max(2, len(str(int(values.max()))))
    cells = np.zeros((count, columns, width + 1), dtype=np.uint8)
    # Unranked (0) is an empty cell.
    cells[:, :, :width] = digit_slots(values, width, blank_zero=True)
    if columns == 1 and lone_quoted:
        cells[values[:, 0] == 0, 0, :2] = _QUOTE
    cells[:, :-1, width] = _COMMA
    cells[:, -1, width] = _NEWLINE
    return cells


def _small(values: np.ndarray) -> np.ndarray:
    """The same non-negative numbers in the narrowest integer type that holds them: numpy
    sorts and scans 16-bit numbers several times faster than 64-bit ones."""
    top = int(values.max()) if values.size else 0
    return values.astype(np.int16) if top < 32767 else values


def small_ints(values: np.ndarray) -> np.ndarray:
    """Non-negative integers in the narrowest type that holds them (16 bits when they fit)."""
    return _small(np.asarray(values, dtype=np.int64))


def dense(ballots: np.ndarray) -> np.ndarray:
    """Each ballot's ranks as 1, 2, 3, ... keeping order and ties (0 stays 0)."""
    return dense_small(ballots).astype(np.int64)


def dense_small(ballots: np.ndarray) -> np.ndarray:
    """``dense`` in the narrowest integer type that holds the result."""
    values = _small(np.asarray(ballots, dtype=np.int64))
    if values.size == 0:
        return np.zeros(values.shape, dtype=np.int16)
    top = int(values.max())
    if top <= 4 * values.shape[1] + 64 and int(values.min()) >= 0:
        return _dense_by_presence(values, top)
    order = np.argsort(values, axis=1, kind="stable")
    ordered = np.take_along_axis(values, order, axis=1)
    rises = np.ones(ordered.shape, dtype=bool)
    rises[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    levels = np.cumsum(
        rises & (ordered > 0), axis=1, dtype=np.int16 if values.shape[1] < 32767 else np.int64
    )
    levels[ordered == 0] = 0
    result = np.zeros(values.shape, dtype=levels.dtype)
    np.put_along_axis(result, order, levels, axis=1)
    return result


def _dense_by_presence(values: np.ndarray, top: int) -> np.ndarray:
    """``dense`` of non-negative ranks of at most ``top`` (a small number): a ballot's dense
    rank of a value is how many of the distinct ranks it uses are at most that value, read
    from a running count over a table of the ranks each ballot uses, with no sort. The table
    is addressed flat (row × (top + 1) + rank): one-dimensional scatters and gathers."""
    rows = values.shape[0]
    span = top + 1
    index = (np.arange(rows, dtype=np.intp) * span)[:, None] + values
    used = np.zeros(rows * span, dtype=np.bool_)
    used[index] = True
    table = used.reshape(rows, span)
    table[:, 0] = False
    levels = np.cumsum(table, axis=1, dtype=np.int16 if top < 32767 else np.int64)
    return np.take(levels.reshape(-1), index)


def tied_places(ordered: np.ndarray) -> np.ndarray:
    """The places of a sorted array whose value equals a neighbour's: where a sort by a
    leading key must be finished by the whole key."""
    tied = np.zeros(ordered.shape[0], dtype=bool)
    equal = ordered[1:] == ordered[:-1]
    tied[1:] |= equal
    tied[:-1] |= equal
    return np.flatnonzero(tied)


def _merged(ranks: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of dense ``ranks`` (non-negative, small), sorted as their tuples
    compare, and the sum of the ``weights`` of each.

    Each row is packed into 64-bit words, most significant column first (dense ranks are at
    most the number of candidates, so each takes a few bits): words compare as the tuples
    do, and sorting them is several times faster than sorting rows of bytes."""
    count, columns = ranks.shape
    bits = max(1, int(ranks.max()).bit_length())
    per_word = 64 // bits
    words = np.zeros((-(-columns // per_word), count), dtype=np.uint64)
    for column in range(columns):
        shift = np.uint64(bits * (per_word - 1 - column % per_word))
        words[column // per_word] |= ranks[:, column].astype(np.uint64) << shift
    # Sorted by the first word (an unstable sort of numbers, several times faster than a
    # stable one); rows whose first words tie are then sorted among themselves by all words.
    order = np.argsort(words[0])
    if len(words) > 1:
        places = tied_places(words[0][order])
        if places.size:
            among = order[places]
            order[places] = among[np.lexsort(tuple(word[among] for word in words[::-1]))]
    ordered = words[:, order]
    starts = np.ones(count, dtype=bool)
    starts[1:] = (ordered[:, 1:] != ordered[:, :-1]).any(axis=0)
    first = np.flatnonzero(starts)
    return ranks[order[first]], np.add.reduceat(weights[order], first)


def preflib_orders(ballots: np.ndarray, weights: np.ndarray) -> tuple[str, int, int]:
    """The ``count: order`` lines of a PrefLib file (identical ballots merged, most frequent
    first, then by their dense ranks), with the number of voters and of distinct orders.

    An order lists the candidates' numbers best first, separated by commas, tied candidates
    in braces: ``1,{2,4},3``; a ballot ranking nobody is ``count:``.

    Long because it is one pipeline of whole-array steps (merge identical ballots, order
    them, then lay out each line's bytes); split up, each piece would pass arrays of the
    same shape to the next with nothing else to say."""
    ranks = dense_small(ballots)
    weights = np.asarray(weights, dtype=np.int64)
    kept = weights != 0
    ranks, weights = ranks[kept], weights[kept]
    columns = ranks.shape[1]
    if ranks.shape[0] == 0:
        return "", 0, 0
    if columns == 0:
        return f"{int(weights.sum())}:\n", int(weights.sum()), 1
    distinct, totals = _merged(ranks, weights)
    # Most frequent first, then by the ranks themselves (as tuples compare): the merged
    # ballots are sorted by them already.
    order = np.lexsort((np.arange(len(totals)), -totals))
    distinct, totals = distinct[order], totals[order]
    lines = distinct.shape[0]

    # Candidates best first, ties by number; unranked ones last and left out (the ranks are
    # dense_small's, narrow already).
    wide = np.int32 if (columns + 1) ** 2 < 2**31 - 1 else np.int64
    key = np.where(
        distinct > 0,
        distinct.astype(wide) * (columns + 1) + np.arange(columns, dtype=wide),
        np.iinfo(wide).max,
    )
    # Ranked candidates' keys are distinct: an unstable sort orders them the same.
    places = np.argsort(key, axis=1)
    levels = np.take_along_axis(distinct, places, axis=1)
    present = levels > 0
    starts = np.ones(levels.shape, dtype=bool)
    starts[:, 1:] = levels[:, 1:] != levels[:, :-1]
    ends = np.ones(levels.shape, dtype=bool)
    ends[:, :-1] = levels[:, :-1] != levels[:, 1:]
    ends[:, :-1] |= ~present[:, 1:]
    grouped = ~(starts & ends)
    last = np.zeros(levels.shape, dtype=bool)
    last[np.arange(lines), np.maximum(present.sum(axis=1) - 1, 0)] = True

    # Each cell is one entry of a table of the (columns × 8) possible cells: a candidate's
    # number with or without an opening brace, a closing brace and a comma after it (an
    # unranked candidate is entry 0: no bytes at all), gathered as whole machine words.
    narrow = np.int16 if columns < 4000 else np.int64
    code = np.where(
        present,
        (places.astype(narrow) + 1) * 8
        + (starts & grouped).astype(narrow) * 4
        + (ends & grouped).astype(narrow) * 2
        + ~last,
        0,
    )
    table = _order_cells(columns)
    cells = np.take(table, code).view(np.uint8).reshape(lines, -1)

    count_width = len(str(int(totals.max())))
    head = np.zeros((lines, count_width + 2), dtype=np.uint8)
    head[:, :count_width] = digit_slots(totals, count_width)
    head[:, count_width] = ord(":")
    head[:, count_width + 1] = np.where(present.any(axis=1), ord(" "), 0)
    rows = np.concatenate([head, cells, np.full((lines, 1), _NEWLINE, dtype=np.uint8)], axis=1)
    return _text(rows), int(totals.sum()), lines


def _order_cells(columns: int) -> np.ndarray:
    """Every cell of a PrefLib order for ``columns`` candidates, each one machine word of
    bytes (zero bytes after the text): entry ``number × 8 + flags`` is candidate ``number``
    (from 1), flags 4 = an opening brace before it, 2 = a closing brace after it, 1 = a comma
    after that; entry 0 (unranked) is empty. A cell opens or closes a tie group, never both."""
    texts = [b""] * ((columns + 1) * 8)
    for number in range(1, columns + 1):
        for flags in range(8):
            texts[number * 8 + flags] = (
                (b"{" if flags & 4 else b"")
                + str(number).encode("ascii")
                + (b"}" if flags & 2 else b"")
                + (b"," if flags & 1 else b"")
            )
    longest = len(str(columns)) + 2
    size = 4 if longest <= 4 else 8 if longest <= 8 else longest
    cells = np.array(texts, dtype=f"S{size}")
    # Four or eight bytes are gathered as one number, faster than as records of bytes.
    return cells.view({4: np.uint32, 8: np.uint64}.get(size, f"V{size}"))
