"""The ballot files written by numpy are byte for byte what the per-ballot writers wrote.

The reference writers below are the loops the CSV and PrefLib writers used before
(``elections.condorcet.formats`` at the time): a published file's sha256 is the
``input_sha256`` that anyone's re-count prints, so the format must not move by a byte.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from elections.condorcet.ballot_file import BallotFile
from elections.condorcet.formats import (
    _csv_name,
    read_csv,
    read_preflib,
    write_csv,
    write_preflib,
)
from elections.condorcet.textrows import dense


def reference_dense(ballots: np.ndarray) -> np.ndarray:
    result = np.zeros_like(ballots, dtype=np.int64)
    for row_number, row in enumerate(ballots):
        levels = sorted({int(rank) for rank in row if rank})
        position = {rank: index for index, rank in enumerate(levels, start=1)}
        result[row_number] = [position.get(int(rank), 0) for rank in row]
    return result


def reference_csv(ballot_file: BallotFile) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([_csv_name(name) for name in ballot_file.candidates])
    for row in ballot_file.expanded():
        writer.writerow([str(int(rank)) if rank else "" for rank in row])
    return buffer.getvalue()


def reference_preflib(ballot_file: BallotFile, kind: str) -> str:
    totals: Counter[tuple[int, ...]] = Counter()
    for row, weight in zip(reference_dense(ballot_file.ballots), ballot_file.weights, strict=True):
        if weight:
            totals[tuple(int(rank) for rank in row)] += int(weight)
    lines = [
        f"# DATA TYPE: {kind}",
        "# MODIFICATION TYPE: original",
        f"# NUMBER ALTERNATIVES: {len(ballot_file.candidates)}",
        f"# NUMBER VOTERS: {sum(totals.values())}",
        f"# NUMBER UNIQUE ORDERS: {len(totals)}",
    ]
    lines += [
        f"# ALTERNATIVE NAME {number}: {name}"
        for number, name in enumerate(ballot_file.candidates, start=1)
    ]
    for ranks, count in sorted(totals.items(), key=lambda item: (-item[1], item[0])):
        groups = []
        for level in range(1, max(ranks, default=0) + 1):
            members = [str(index + 1) for index, rank in enumerate(ranks) if rank == level]
            groups.append(members[0] if len(members) == 1 else "{" + ",".join(members) + "}")
        lines.append(f"{count}: {','.join(groups)}".rstrip())
    return "\n".join(lines) + "\n"


@st.composite
def ballot_files(draw: st.DrawFn) -> BallotFile:
    columns = draw(st.integers(1, 12))
    rows = draw(st.integers(0, 40))
    top = draw(st.sampled_from([2, columns, 15, 120]))
    ballots = draw(arrays(np.int64, (rows, columns), elements=st.integers(0, top)))
    weights = draw(arrays(np.int64, (rows,), elements=st.integers(0, 1200)))
    names = [f"Candidate {number}" for number in range(columns)]
    if columns > 1:
        names[1] = "=SUM(A1), with a comma"
    return BallotFile(names, ballots, weights)


@settings(max_examples=150, deadline=None)
@given(ballot_files())
def test_numpy_csv_and_preflib_match_the_per_ballot_writers(ballot_file: BallotFile) -> None:
    assert np.array_equal(dense(ballot_file.ballots), reference_dense(ballot_file.ballots))
    assert write_csv(ballot_file) == reference_csv(ballot_file)
    assert write_preflib(ballot_file, data_type="toi") == reference_preflib(ballot_file, "toi")


def test_a_lone_unranked_cell_is_written_as_an_empty_quoted_string() -> None:
    ballot_file = BallotFile(["Solo"], np.array([[0], [1], [0]]), np.ones(3, dtype=np.int64))
    text = write_csv(ballot_file)
    assert text == 'Solo\n""\n1\n""\n' == reference_csv(ballot_file)
    assert read_csv(text).ballots.tolist() == [[0], [1], [0]]


def test_a_large_ballot_file_is_identical_and_reads_back() -> None:
    draw = np.random.default_rng(7)
    ballots = draw.integers(0, 21, size=(50_000, 20))
    ballot_file = BallotFile(
        [f"Candidate {n}" for n in range(20)], ballots, np.ones(50_000, dtype=np.int64)
    )
    assert write_csv(ballot_file) == reference_csv(ballot_file)
    preflib = write_preflib(ballot_file, data_type="toi")
    assert preflib == reference_preflib(ballot_file, "toi")
    assert read_preflib(preflib).weights.sum() == 50_000


def test_ballots_of_many_candidates_merge_across_several_packed_words() -> None:
    """Forty candidates ranked up to 40th take six bits each: a ballot is packed into four
    64-bit words, and ballots that differ only in the last word are still told apart, and
    merged where equal."""
    draw = np.random.default_rng(11)
    ballots = np.tile(np.arange(1, 41), (3_000, 1))
    ballots[:, 38:] = draw.integers(0, 3, size=(3_000, 2)) * 39  # unranked, 39th or 78th
    ballot_file = BallotFile(
        [f"Candidate {n}" for n in range(40)], ballots, draw.integers(0, 3, size=3_000)
    )
    preflib = write_preflib(ballot_file, data_type="toi")
    assert preflib == reference_preflib(ballot_file, "toi")
    assert write_csv(ballot_file) == reference_csv(ballot_file)


def test_ballots_of_more_than_a_hundred_candidates_keep_three_digit_numbers() -> None:
    """A cell of a candidate numbered 100 or more, with a brace and a comma, no longer fits in
    four bytes: the numbers and tie groups are still written whole."""
    draw = np.random.default_rng(5)
    ballots = draw.integers(0, 60, size=(400, 130))
    ballots[:, 100:] = ballots[:, :30]  # ties across the hundredth candidate
    ballot_file = BallotFile(
        [f"Candidate {n}" for n in range(130)], ballots, np.ones(400, dtype=np.int64)
    )
    preflib = write_preflib(ballot_file, data_type="toi")
    assert preflib == reference_preflib(ballot_file, "toi")
    orders = [line.split(":", 1)[1] for line in preflib.splitlines() if not line.startswith("#")]
    numbers = [order.replace("{", ",").replace("}", ",").strip().split(",") for order in orders]
    assert any("101" in written for written in numbers)
