"""Ballot files: every format round-trips, and every malformed input gets its own message."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elections.condorcet import tally
from elections.condorcet.formats import (
    BallotFile,
    BallotFormatError,
    dense_ranks,
    format_ballots,
    guess_format,
    parse_ballots,
    preflib_data_type,
    read_ballot_file,
    read_csv,
    read_debian,
    read_preflib,
    write_csv,
    write_debian,
    write_preflib,
)

NAME = (
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Zl", "Zp"]),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(bool)
)


@st.composite
def ballot_files(draw, max_rank=None):
    names = draw(st.lists(NAME, min_size=1, max_size=6, unique=True))
    size = len(names)
    # Ranks 1 to N (a ballot of N candidates has no larger rank), with ties and gaps.
    top = max_rank if max_rank is not None else size
    count = draw(st.integers(0, 8))
    rows = draw(
        st.lists(
            st.lists(st.integers(0, top), min_size=size, max_size=size),
            min_size=count,
            max_size=count,
        )
    )
    weights = draw(st.lists(st.integers(1, 4), min_size=count, max_size=count))
    return BallotFile(
        names,
        np.array(rows, dtype=np.int64).reshape(count, size),
        np.array(weights, dtype=np.int64),
    )


def voters(ballot_file: BallotFile, *, dense: bool = False) -> Counter:
    """The multiset of ballots, one entry per voter."""
    rows = dense_ranks(ballot_file.ballots) if dense else ballot_file.ballots
    counts: Counter = Counter()
    for row, weight in zip(rows, ballot_file.weights, strict=True):
        counts[tuple(int(rank) for rank in row)] += int(weight)
    return counts


@settings(max_examples=120, deadline=None)
@given(ballot_files())
def test_csv_round_trips_exactly(ballot_file):
    again = read_csv(write_csv(ballot_file))
    assert again.candidates == ballot_file.candidates
    assert voters(again) == voters(ballot_file)


@settings(max_examples=120, deadline=None)
@given(ballot_files(max_rank=9))
def test_debian_sheet_round_trips_exactly(ballot_file):
    again = read_debian(write_debian(ballot_file))
    assert again.candidates == ballot_file.candidates
    assert voters(again) == voters(ballot_file)


@settings(max_examples=120, deadline=None)
@given(ballot_files())
def test_preflib_round_trips_the_order_of_every_ballot(ballot_file):
    text = write_preflib(ballot_file)
    again = read_preflib(text)
    assert again.candidates == ballot_file.candidates
    assert voters(again) == voters(ballot_file, dense=True)
    assert f"# DATA TYPE: {preflib_data_type(ballot_file)}" in text


@settings(max_examples=60, deadline=None)
@given(ballot_files(), st.sampled_from(["csv", "preflib", "debian"]))
def test_every_format_gives_the_same_tally(ballot_file, format):
    again = parse_ballots(format_ballots(ballot_file, format), format)
    expected = tally(ballot_file.candidates, ballot_file.ballots, weights=ballot_file.weights)
    assert tally(again.candidates, again.ballots, weights=again.weights) == expected


FORMULA_NAMES = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "'quoted", "'=x", "''", "Ada"]


def test_csv_names_a_spreadsheet_would_run_are_written_as_text():
    text = write_csv(
        BallotFile(FORMULA_NAMES, np.array([[1, 2, 3, 4, 5, 6, 7, 8]]), np.ones(1, dtype=np.int64))
    )
    header = text.splitlines()[0]
    # Every cell a spreadsheet would evaluate starts with an apostrophe ("text") instead.
    cells = [cell.strip('"') for cell in header.split(",")]
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in cells), header
    assert cells[-1] == "Ada"


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("=+-@'"), NAME).map("".join), min_size=1, unique=True))
def test_csv_names_starting_like_formulas_round_trip_exactly(names):
    ballot_file = BallotFile(
        names, np.ones((1, len(names)), dtype=np.int64), np.ones(1, dtype=np.int64)
    )
    assert read_csv(write_csv(ballot_file)).candidates == names


def test_csv_reads_names_ranks_and_blank_cells():
    ballot_file = read_csv("Alice, Bob ,Carol\n1,2,\n\n,,1\n")
    assert ballot_file.candidates == ["Alice", "Bob", "Carol"]
    assert ballot_file.ballots.tolist() == [[1, 2, 0], [0, 0, 1]]
    assert ballot_file.weights.tolist() == [1, 1]


def test_preflib_reads_ties_and_omissions():
    text = (
        "# FILE NAME: 00001-00000001.toi\n"
        "# DATA TYPE: toi\n"
        "# NUMBER ALTERNATIVES: 4\n"
        "# NUMBER VOTERS: 5\n"
        "# NUMBER UNIQUE ORDERS: 2\n"
        "# ALTERNATIVE NAME 1: Ann\n"
        "# ALTERNATIVE NAME 2: Bob\n"
        "# ALTERNATIVE NAME 3: Cid: the third\n"
        "# ALTERNATIVE NAME 4: Dee\n"
        "3: 2,{1,4}\n"
        "2: 3\n"
    )
    ballot_file = read_preflib(text)
    assert ballot_file.candidates == ["Ann", "Bob", "Cid: the third", "Dee"]
    assert ballot_file.ballots.tolist() == [[2, 1, 0, 2], [0, 0, 1, 0]]
    assert ballot_file.weights.tolist() == [3, 2]


def test_debian_sheet_reads_options_and_votes_with_their_hashes():
    text = (
        "            Tally Sheet for the votes cast.\n"
        " -=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-\n"
        "\n"
        "        Option 1--------->: Jonathan Carter\n"
        "      /  Option 2-------->: Felix Lechner\n"
        "      |/  Option 3------->: None Of The Above\n"
        "      ||/\n"
        "V: 12-\t       0c8b6d4a1f2e3d4c5b6a79881716151413121110\n"
        "V: 3-1   9a8b7c6d5e4f30211203948576a5b4c3d2e1f0a9\n"
    )
    ballot_file = read_debian(text)
    assert ballot_file.candidates == ["Jonathan Carter", "Felix Lechner", "None Of The Above"]
    assert ballot_file.ballots.tolist() == [[1, 2, 0], [3, 0, 1]]


@pytest.mark.parametrize(
    ("path", "format"),
    [
        ("votes.csv", "csv"),
        ("ED-00004.soc", "preflib"),
        ("x.SOI", "preflib"),
        ("a.toc", "preflib"),
        ("a.toi", "preflib"),
        ("vote_002_tally.txt", "debian"),
    ],
)
def test_format_is_guessed_from_the_extension(path, format):
    assert guess_format(path) == format


def test_unknown_extension_asks_for_a_format():
    with pytest.raises(BallotFormatError, match="cannot tell the format of 'votes.dat'"):
        guess_format("votes.dat")


def test_files_are_read_as_utf8_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "b.csv"
    path.write_bytes("\ufeffÉmile,Zoë\n1,2\n".encode())
    assert read_ballot_file(path).candidates == ["Émile", "Zoë"]


def test_invalid_utf8_names_its_line(tmp_path):
    path = tmp_path / "b.csv"
    path.write_bytes(b"A,B\n1,2\n\xff,1\n")
    with pytest.raises(BallotFormatError, match=r"line 3: the file is not valid UTF-8"):
        read_ballot_file(path)


def test_the_preflib_extension_supplies_the_data_type(tmp_path):
    path = tmp_path / "x.soc"
    path.write_text("# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: B\n1: 1\n")
    with pytest.raises(BallotFormatError, match="line 3: a .soc order must rank every"):
        read_ballot_file(path)


MALFORMED = [
    ("csv", "", None, "the file is empty"),
    ("csv", "A,,C\n", 1, "candidate 2 has an empty name"),
    ("csv", "A,B,A\n", 1, "candidate 'A' is named twice"),
    ("csv", "A,B\n1,2,3\n", 2, "ballot has 3 cells but the header names 2 candidates"),
    ("csv", "A,B\n1,x\n", 2, "rank 'x' for 'B' is not a whole number"),
    ("csv", "A,B\n-1,2\n", 2, "rank '-1' for 'A' is not a whole number"),
    ("csv", "A,B\n0,1\n", 2, "rank 0 for 'A': ranks start at 1"),
    ("csv", "A,B\n1,3\n", 2, "rank 3 for 'B' is above the number of candidates"),
    ("csv", 'A,B\n"1,2\n', 2, "not valid CSV"),
    ("preflib", "1: 1\n", None, "no '# ALTERNATIVE NAME 1: ...' header lines"),
    ("preflib", "# ALTERNATIVE NAME 2: B\n", None, "alternative 1 has no ALTERNATIVE NAME"),
    ("preflib", "# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 1: B\n", 2, "named twice"),
    ("preflib", "# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: A\n", None, "'A' is named twice"),
    ("preflib", "# ALTERNATIVE NAME 1: A\nhello\n", 2, "expected 'count: order'"),
    ("preflib", "# ALTERNATIVE NAME 1: A\n0: 1\n", 2, "count before ':' must be at least 1"),
    ("preflib", "# ALTERNATIVE NAME 1: A\n1: 2\n", 2, "alternative 2 does not exist"),
    ("preflib", "# ALTERNATIVE NAME 1: A\n1: x\n", 2, "'x' is not an alternative number"),
    ("preflib", "# ALTERNATIVE NAME 1: A\n1: 1,1\n", 2, "alternative 1 appears twice"),
    ("preflib", "# ALTERNATIVE NAME 1: A\n1: 1,\n", 2, "empty place in the order"),
    ("preflib", "# ALTERNATIVE NAME 1: A\n1: {1\n", 2, "tie group is not closed"),
    ("preflib", "# ALTERNATIVE NAME 1: A\n1: 1}\n", 2, "'}' without a matching '{'"),
    ("preflib", "# ALTERNATIVE NAME 1: A\n1: {{1}}\n", 2, "cannot be nested"),
    ("preflib", "# ALTERNATIVE NAME 1: A\n1: {1}x\n", 2, "unexpected text after a tie group"),
    (
        "preflib",
        "# DATA TYPE: soi\n# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: B\n1: {1,2}\n",
        4,
        "ties are not allowed in a .soi file",
    ),
    (
        "preflib",
        "# DATA TYPE: toc\n# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: B\n1: 1\n",
        4,
        "a .toc order must rank every alternative; 2 is missing",
    ),
    ("preflib", "# DATA TYPE: cat\n# ALTERNATIVE NAME 1: A\n", 1, "not a ranking type"),
    (
        "preflib",
        "# NUMBER ALTERNATIVES: 3\n# ALTERNATIVE NAME 1: A\n",
        1,
        "NUMBER ALTERNATIVES says 3 but 1 alternatives are named",
    ),
    (
        "preflib",
        "# NUMBER VOTERS: 3\n# ALTERNATIVE NAME 1: A\n1: 1\n",
        1,
        "NUMBER VOTERS says 3 but the file has 1",
    ),
    (
        "preflib",
        "# NUMBER UNIQUE ORDERS: 2\n# ALTERNATIVE NAME 1: A\n1: 1\n",
        1,
        "NUMBER UNIQUE ORDERS says 2 but the file has 1",
    ),
    ("debian", "nothing here\n", None, "no 'Option N--->: name' header lines found"),
    ("debian", "V: 12\n", 1, "ballot line before any 'Option N--->: name' header line"),
    ("debian", "Option 1-->: A\nV:\n", 2, "ballot line has no marks after 'V:'"),
    ("debian", "Option 1-->: A\nOption 3-->: C\n", 2, "Option 3 where Option 2 was expected"),
    ("debian", "Option 1-->: A\nOption 2-->: A\n", 2, "candidate 'A' is named twice"),
    ("debian", "Option 1-->: \n", 1, "candidate 1 has an empty name"),
    ("debian", "Option 1-->: A\nV: 12 abc\n", 2, "vote '12' has 2 marks but the sheet lists 1"),
    ("debian", "Option 1-->: A\nOption 2-->: B\nV: 1x\n", 3, "has 'x' for option 2"),
    ("debian", "Option 1-->: A\nV: 1\nOption 2-->: B\n", 3, "'Option' header line after"),
]


@pytest.mark.parametrize(("format", "text", "line", "message"), MALFORMED)
def test_malformed_input_names_the_line_and_the_problem(format, text, line, message):
    with pytest.raises(BallotFormatError, match=message) as caught:
        parse_ballots(text, format)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"line {line}: " if line else caught.value.problem)


def test_a_bad_line_after_good_ones_yields_no_ballots_at_all():
    with pytest.raises(BallotFormatError):
        read_csv("A,B\n" + "1,2\n" * 1000 + "2,oops\n")


@pytest.mark.parametrize(
    ("ballot_file", "writer", "message"),
    [
        (BallotFile([" A"], np.zeros((0, 1), int), np.zeros(0, int)), write_csv, "surrounding"),
        (BallotFile(["A\nB"], np.zeros((0, 1), int), np.zeros(0, int)), write_preflib, "one line"),
        (BallotFile(["A", "B"], np.array([[10, 1]]), np.array([1])), write_debian, "ranks 1-9"),
    ],
)
def test_writers_refuse_what_would_not_read_back(ballot_file, writer, message):
    with pytest.raises(BallotFormatError, match=message):
        writer(ballot_file)


def test_preflib_writer_refuses_a_data_type_the_ballots_do_not_fit():
    ballot_file = BallotFile(["A", "B"], np.array([[1, 1]]), np.array([1]))
    with pytest.raises(BallotFormatError, match=r"need a \.toc file"):
        write_preflib(ballot_file, data_type="soc")
    assert "# DATA TYPE: toi" in write_preflib(ballot_file, data_type="toi")


def test_unknown_format_name_is_refused():
    with pytest.raises(BallotFormatError, match="unknown format 'xml'"):
        parse_ballots("", "xml")
