"""``python -m elections.condorcet``, run as a separate process the way a verifier would."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from elections.condorcet.formats import BallotFile, write_csv, write_debian, write_preflib

from .builders import WIKIPEDIA_CANDIDATES, WIKIPEDIA_ORDERS, ballots_from_orders

REPOSITORY = Path(__file__).resolve().parents[3]


def run(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "elections.condorcet", *arguments],
        capture_output=True,
        text=True,
        cwd=REPOSITORY,
        timeout=60,
        check=False,
    )


@pytest.fixture
def wikipedia_files(tmp_path: Path) -> dict[str, Path]:
    rows, weights = ballots_from_orders(WIKIPEDIA_CANDIDATES, WIKIPEDIA_ORDERS)
    ballot_file = BallotFile(WIKIPEDIA_CANDIDATES, rows, weights)
    files = {
        "csv": tmp_path / "wikipedia.csv",
        "preflib": tmp_path / "wikipedia.soc",
        "debian": tmp_path / "vote_tally.txt",
    }
    files["csv"].write_text(write_csv(ballot_file))
    files["preflib"].write_text(write_preflib(ballot_file))
    files["debian"].write_text(write_debian(ballot_file))
    return files


@pytest.mark.parametrize("format", ["csv", "preflib", "debian"])
def test_json_output_has_the_published_keys_and_the_input_hash(wikipedia_files, format):
    path = wikipedia_files[format]
    completed = run("tally", str(path), "--json")
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    for key in (
        "candidates",
        "ranking",
        "winners",
        "pairwise",
        "method",
        "ballot_count",
        "tie_breaks",
        "input_sha256",
    ):
        assert key in document
    assert document["input_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert document["ranking"] == [["E"], ["A"], ["C"], ["B"], ["D"]]
    assert document["winners"] == ["E"]
    assert document["ballot_count"] == 45
    assert document["method"] == "schulze"
    assert document["input_format"] == format


def test_table_output_shows_ranking_winner_and_matrix(wikipedia_files):
    completed = run("tally", str(wikipedia_files["csv"]), "--seats", "2")
    assert completed.returncode == 0, completed.stderr
    output = completed.stdout
    assert "1. E" in output and "5. D" in output
    assert "Winners: E, A" in output
    assert "  1 A   -  20  26  30  22" in output
    assert hashlib.sha256(wikipedia_files["csv"].read_bytes()).hexdigest() in output


def test_method_seats_and_seed_options_reach_the_tally(tmp_path):
    path = tmp_path / "tie.csv"
    path.write_text("A,B,C\n1,1,2\n")
    completed = run(
        "tally", str(path), "--method", "rankedpairs", "--tie-seed", "pub seed", "--json"
    )
    document = json.loads(completed.stdout)
    assert document["method"] == "rankedpairs"
    [tie] = document["tie_breaks"]
    assert tie["seed"] == "pub seed"
    expected = min("AB", key=lambda name: hashlib.sha256(f"pub seed:{name}".encode()).hexdigest())
    assert document["winners"] == [expected]


def test_an_unresolved_tie_is_announced_not_guessed(tmp_path):
    path = tmp_path / "tie.csv"
    path.write_text("A,B\n1,1\n")
    completed = run("tally", str(path))
    assert completed.returncode == 0
    assert "UNRESOLVED TIE at place 1: A, B" in completed.stdout
    assert "Winner: (none yet)" in completed.stdout


def test_affiliation_options(tmp_path):
    path = tmp_path / "tc.csv"
    path.write_text("A,B,C\n1,2,3\n")
    completed = run(
        "tally",
        str(path),
        "--seats=2",
        "--affiliation",
        "A=Acme",
        "--affiliation",
        "B=Acme",
        "--max-per-affiliation",
        "1",
        "--json",
    )
    document = json.loads(completed.stdout)
    assert document["winners"] == ["A", "C"]
    assert document["affiliation_adjustments"][0]["candidate"] == "B"


def test_format_option_overrides_the_extension(tmp_path):
    path = tmp_path / "ballots.data"
    path.write_text("A,B\n2,1\n")
    assert run("tally", str(path)).returncode == 2
    completed = run("tally", str(path), "--format", "csv", "--json")
    assert json.loads(completed.stdout)["winners"] == ["B"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("A,B\n1,x\n", "line 2: rank 'x' for 'B' is not a whole number"),
        ("A,B,C\n1,2,3\n1,5,2\n", "line 3: rank 5 for 'B' is above the number of candidates (3)"),
        ("", "the file is empty"),
    ],
)
def test_bad_file_exits_2_with_the_line_and_no_traceback(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    completed = run("tally", str(path))
    assert completed.returncode == 2
    assert message in completed.stderr
    assert "Traceback" not in completed.stderr
    assert completed.stdout == ""


def test_missing_file_exits_2(tmp_path):
    completed = run("tally", str(tmp_path / "nope.csv"))
    assert completed.returncode == 2
    assert "cannot read" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_bad_option_value_exits_2(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text("A,B\n1,2\n")
    completed = run("tally", str(path), "--seats", "0")
    assert completed.returncode == 2
    assert "seats must be" in completed.stderr
    assert run("tally", str(path), "--method", "borda").returncode == 2


def test_convert_rewrites_a_file_in_another_format(wikipedia_files, tmp_path):
    target = tmp_path / "again.toi"
    completed = run("convert", str(wikipedia_files["debian"]), str(target))
    assert completed.returncode == 0, completed.stderr
    assert "wrote 45 ballots" in completed.stdout
    document = json.loads(run("tally", str(target), "--json").stdout)
    assert document["ranking"] == [["E"], ["A"], ["C"], ["B"], ["D"]]
