"""Tally sheets in the encoding they were published in, and Debian sheets read strictly: a
damaged ballot line or a voter with two ballots is an error naming the line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from elections.condorcet.cli import main
from elections.condorcet.formats import BallotFormatError, read_ballot_file, read_debian

# The shape of debian.org's 2007 leader election sheet, in Latin-1 as it was published there.
SHEET_2007 = """\
                     Tally Sheet for the votes cast.

   The format is:
       "V: vote                                  MD5SUM"
 -=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-
           Option 1----->: Wouter Verhelst
          /Option 2---->: Raphaël Hertzog
          |/Option 3--->: Sam Hocevar
          ||/Option 4-->: None Of The Above
          |||/
V: 12-3    0a1b2c3d4e5f60718293a4b5c6d7e8f9
V: 213-    1a1b2c3d4e5f60718293a4b5c6d7e8f9
V: 2-13    2a1b2c3d4e5f60718293a4b5c6d7e8f9
V: -1--    3a1b2c3d4e5f60718293a4b5c6d7e8f9
"""


def _tally(path: Path, *options: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    import sys

    saved, sys.stderr = sys.stderr, err
    try:
        status = main(["tally", str(path), "--format", "debian", *options], out=out)
    finally:
        sys.stderr = saved
    return status, out.getvalue(), err.getvalue()


def test_a_latin1_debian_sheet_is_read_as_published(tmp_path: Path) -> None:
    path = tmp_path / "leader2007_tally.txt"
    path.write_bytes(SHEET_2007.encode("latin-1"))
    status, out, err = _tally(path, "--json")
    assert (status, err) == (0, "")
    document = json.loads(out)
    assert "Raphaël Hertzog" in document["candidates"]
    assert document["input_encoding"] == "latin-1"
    assert document["ballot_count"] == 4


def test_a_declared_encoding_is_used_and_named_in_the_report(tmp_path: Path) -> None:
    path = tmp_path / "votes.csv"
    path.write_bytes("Émile,Zoë\n1,2\n2,1\n1,2\n".encode("latin-1"))
    status, out, err = _tally(path, "--format", "csv", "--encoding", "latin-1")
    assert status == 0, err
    assert "(csv, latin-1)" in out and "Winner: Émile" in out
    # Undeclared, a CSV is UTF-8, and the error says what to do.
    status, _, err = _tally(path, "--format", "csv")
    assert status == 2
    assert "line 1: the file is not valid UTF-8" in err and "--encoding" in err


def test_an_unknown_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text(SHEET_2007)
    status, _, err = _tally(path, "--encoding", "klingon-8")
    assert status == 2 and "unknown encoding 'klingon-8'" in err


def test_read_ballot_file_takes_an_encoding(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_bytes(SHEET_2007.encode("cp1252"))
    sheet = read_ballot_file(path, "debian", encoding="cp1252")
    assert sheet.candidates[1] == "Raphaël Hertzog"


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("V:", "ballot line has no marks after 'V:'"),
        ("V:12-3", "malformed ballot line 'V:12-3'"),
        ("  v: 12-3 ffff", "malformed ballot line 'v: 12-3 ffff'"),
        ("V: 12-3 ffff extra words", "malformed ballot line"),
        ("V: 12-34 ffff", "has 5 marks but the sheet lists 4 options"),
    ],
)
def test_a_damaged_ballot_line_is_an_error_naming_it(bad_line: str, message: str) -> None:
    lines = SHEET_2007.splitlines()
    lines.insert(11, bad_line)
    with pytest.raises(BallotFormatError, match=f"line 12: .*{message}"):
        read_debian("\n".join(lines) + "\n")


def test_an_indented_ballot_line_is_counted_not_dropped() -> None:
    sheet = read_debian(SHEET_2007.replace("V: -1--", "   V: -1--"))
    assert sheet.ballot_count == 4


def test_a_voter_hash_used_twice_is_an_error_naming_both_lines() -> None:
    sheet = SHEET_2007.replace(
        "3a1b2c3d4e5f60718293a4b5c6d7e8f9", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    )
    with pytest.raises(
        BallotFormatError,
        match="line 14: voter 0a1b2c3d4e5f60718293a4b5c6d7e8f9 has a second ballot "
        r"\(the first is on line 11\)",
    ):
        read_debian(sheet)


def test_the_cli_names_the_file_and_line_of_a_repeated_voter(tmp_path: Path) -> None:
    path = tmp_path / "sheet.txt"
    path.write_text(SHEET_2007 + "V: 1234    1a1b2c3d4e5f60718293a4b5c6d7e8f9\n")
    status, _, err = _tally(path)
    assert status == 2
    assert f"{path}: line 15: voter 1a1b2c3d4e5f60718293a4b5c6d7e8f9 has a second" in err
