"""Bad files, found by hypothesis: every parser answers with its own error, naming the line.

PURE parsers, no database: the governance YAML reader (``accounts.governance``), the Gerrit
JSON-lines reader (``accounts.commitlog``), the ballot file readers
(``elections.condorcet.formats``) and the ``python -m elections.condorcet`` command line.
Whatever the input, the answer is a parsed value or the module's documented error
(``GovernanceError``, ``GerritFormatError``, ``BallotFormatError``; exit status 2 with an
``error:`` line for the CLI), never another exception or a traceback.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from accounts.gerritlog import GerritFormatError, parse_gerrit_query
from accounts.governance import GovernanceError, parse_governance_text
from elections.condorcet import cli
from elections.condorcet.formats import (
    BallotFile,
    BallotFormatError,
    format_ballots,
    parse_ballots,
)
from tests.security.strategies import (
    FUZZ,
    YAML_TRICKS,
    changes,
    json_values,
    owner_lists,
    project_teams,
    text,
    yaml_values,
)

GOVERNANCE_FILES = (
    "projects.yaml",
    "technical-committee-repos.yaml",
    "sigs-repos.yaml",
    "legacy.yaml",
)
LINE = re.compile(r"line \d+")


def _governance_verdict(source: str, content: str) -> None:
    try:
        parse_governance_text(content, source=source)
    except GovernanceError as error:
        assert str(error).startswith(source), error


@pytest.mark.parametrize("source", GOVERNANCE_FILES)
@pytest.mark.parametrize("content", YAML_TRICKS)
def test_governance_yaml_tricks_are_governance_errors(source: str, content: str) -> None:
    _governance_verdict(source, content)


@FUZZ
@given(source=st.sampled_from(GOVERNANCE_FILES), content=text)
def test_any_text_is_a_governance_file_or_a_governance_error(source: str, content: str) -> None:
    _governance_verdict(source, content)


@FUZZ
@given(
    source=st.sampled_from(GOVERNANCE_FILES),
    document=st.one_of(yaml_values, project_teams, owner_lists),
)
def test_structure_shaped_junk_is_a_governance_error_naming_the_line(
    source: str, document: Any
) -> None:
    try:
        content = yaml.safe_dump(document, allow_unicode=True)
    except (yaml.YAMLError, ValueError, OverflowError):
        return  # not representable as YAML at all
    _governance_verdict(source, content)


# --- Gerrit JSON lines -----------------------------------------------------------------


def _gerrit_verdict(lines: list[str]) -> None:
    try:
        for change in parse_gerrit_query(lines, source="export.json"):
            assert change.project.strip() and isinstance(change.number, int)
            assert change.merged_at.tzinfo is not None
    except GerritFormatError as error:
        assert LINE.search(str(error)), error


@FUZZ
@given(st.lists(text, max_size=5))
def test_any_lines_are_changes_or_a_gerrit_error_naming_the_line(lines: list[str]) -> None:
    _gerrit_verdict(lines)


@FUZZ
@given(st.lists(st.one_of(changes, json_values), min_size=1, max_size=4))
@example([{"project": "p", "number": 1, "lastUpdated": 1e300}])
@example([{"project": "p", "number": 1, "lastUpdated": float("nan")}])
@example([{"project": "p", "number": 1, "lastUpdated": 1, "patchSets": [{"number": 1e400}]}])
def test_change_shaped_junk_is_a_gerrit_error_naming_the_line(records: list[Any]) -> None:
    _gerrit_verdict([json.dumps(record) for record in records])


# --- Ballot files and the CLI ----------------------------------------------------------

SAMPLE = BallotFile(
    ["Alice", "Bob", "Carol"],
    np.array([[1, 2, 3], [2, 1, 0], [1, 1, 2]], dtype=np.int64),
    np.array([1, 2, 1], dtype=np.int64),
)
VALID = {
    ("csv", None): format_ballots(SAMPLE, "csv"),
    ("preflib", "toi"): format_ballots(SAMPLE, "preflib", data_type="toi"),
    ("debian", None): format_ballots(SAMPLE, "debian"),
}
FORMATS = list(VALID)
JUNK = [
    "",
    "0",
    "-1",
    "99999999999999999999999",
    "9" * 5000,
    "{",
    "}",
    ",",
    ":",
    "\x00",
    "é",
    "\u2028",
    "\r",
    "\n",
    "{1,",
    "1:",
    "#",
    "# ALTERNATIVE NAME 1: x",
    "V: ",
    '"',
]


@st.composite
def mutated(draw: Any) -> tuple[str, str | None, str]:
    """A valid ballot file of some format, then a few edits: a number swapped for junk, or
    junk put in at a random place."""
    format, data_type = draw(st.sampled_from(FORMATS))
    content = VALID[(format, data_type)]
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        numbers = list(re.finditer(r"\d+", content))
        if numbers and draw(st.booleans()):
            number = draw(st.sampled_from(numbers))
            content = (
                content[: number.start()] + draw(st.sampled_from(JUNK)) + content[number.end() :]
            )
            continue
        position = draw(st.integers(min_value=0, max_value=len(content)))
        cut = draw(st.integers(min_value=0, max_value=5))
        insert = draw(st.sampled_from(JUNK) | text)
        content = content[:position] + insert + content[position + cut :]
    return format, data_type, content


def _ballots_verdict(format: str, data_type: str | None, content: str) -> None:
    try:
        ballot_file = parse_ballots(content, format, data_type=data_type)
    except BallotFormatError:
        return
    assert ballot_file.ballots.shape == (len(ballot_file.weights), len(ballot_file.candidates))


@FUZZ
@given(st.sampled_from(FORMATS), text)
def test_any_text_is_ballots_or_a_ballot_format_error(
    format_and_type: tuple[str, str | None], content: str
) -> None:
    _ballots_verdict(*format_and_type, content)


@FUZZ
@given(mutated())
def test_damaged_ballot_files_are_ballot_format_errors(case: tuple[str, str | None, str]) -> None:
    _ballots_verdict(*case)


BIG = "9" * 5000  # longer than int() reads (4300 digits)
HUGE_NUMBERS = [
    ("csv", "A,B\n99999999999999999999999,1\n"),
    ("csv", f"A,B\n{BIG},1\n"),
    ("preflib", "# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: B\n99999999999999999999: 1,2\n"),
    ("preflib", "# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: B\n1: 99999999999999999999,2\n"),
    ("preflib", f"# ALTERNATIVE NAME {BIG}: A\n"),
    ("preflib", f"# ALTERNATIVE NAME 1: A\n# NUMBER ALTERNATIVES: {BIG}\n"),
    ("preflib", "# ALTERNATIVE NAME 1: A\n# NUMBER ALTERNATIVES: \u00b9\n"),
    ("preflib", f"# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: B\n{BIG}: 1,2\n"),
    ("debian", f"Option {BIG}--->: A\n"),
]


@pytest.mark.parametrize(("format", "content"), HUGE_NUMBERS)
def test_numbers_too_large_to_count_are_ballot_format_errors(format: str, content: str) -> None:
    """Regression: these raised OverflowError (numpy int64) or ValueError (int() digit limit),
    and the CLI printed a traceback."""
    with pytest.raises(BallotFormatError, match=r"line \d+"):
        parse_ballots(content, format, data_type="toi")


SUFFIX = {"csv": ".csv", "preflib": ".toi", "debian": ".txt"}


@FUZZ
@given(
    case=mutated() | st.tuples(st.sampled_from(["csv", "preflib", "debian"]), st.none(), text),
    raw=st.binary(max_size=40),
    seats=st.integers(min_value=-2, max_value=5) | st.just(10**30),
    method=st.sampled_from(["schulze", "rankedpairs"]),
    seed=st.none() | text.filter(lambda s: not s.startswith("-")),
)
def test_the_tally_command_counts_or_says_error_without_a_traceback(
    tmp_path_factory: Any,
    capsys: Any,
    case: tuple[str, str | None, str],
    raw: bytes,
    seats: int,
    method: str,
    seed: str | None,
) -> None:
    format, _, content = case
    path = tmp_path_factory.mktemp("ballots") / f"ballots{SUFFIX[format]}"
    # Some bytes that may not be UTF-8 at all, after a file that may be fine.
    path.write_bytes(content.encode("utf-8") + raw)
    argv = ["tally", str(path), "--seats", str(seats), "--method", method]
    if seed is not None:
        argv += ["--tie-seed", seed]
    status = cli.main(argv)
    out, err = capsys.readouterr()
    assert status in (0, 2), (status, err)
    if status == 2:
        assert err.startswith("error: ") and "Traceback" not in err, err
    else:
        assert "Winner" in out


# --- OpenStack election configuration.yaml ---------------------------------------------


def _configuration_text() -> str:
    from django.conf import settings as django_settings

    path = django_settings.BASE_DIR / "data" / "openstack" / "configuration.yaml"
    return path.read_text(encoding="utf-8")


@st.composite
def damaged_configurations(draw: Any) -> str:
    """The real configuration.yaml with a few lines replaced by junk."""
    lines = _configuration_text().splitlines()
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        index = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        key = lines[index].split(":", 1)[0]
        junk = draw(
            st.sampled_from(["", "!!int x", "2026-13-45", "[1, 2]", "{a: b}", "9" * 400, "~"])
            | text
        )
        lines[index] = f"{key}: {junk}" if draw(st.booleans()) else junk
    return "\n".join(lines) + "\n"


@FUZZ
@given(st.one_of(text, damaged_configurations(), yaml_values.map(str)))
@example("timeline: 5\ntimeframe: {start: 2025-01-01, end: 2026-01-01}\n")
@example("tc_seats: .inf\ntimeframe: {start: 2025-01-01, end: 2026-01-01}\n")
@example("timeframe: {start: '0001-01-01T00:00+01:00', end: 2026-01-01}\n")
@example("timeframe: 7\n")
def test_any_configuration_is_a_calendar_or_a_configuration_error(content: str) -> None:
    from elections.openstack import ConfigurationError, parse_configuration

    try:
        parse_configuration(content)
    except ConfigurationError as error:
        assert str(error), "an empty message"


# --- git log output ---------------------------------------------------------------------

git_fields = st.tuples(
    st.sampled_from(["a" * 40, "b" * 64, "xyz", ""]) | text,
    text,
    text,
    st.sampled_from(
        [
            "2026-03-01T12:00:00+00:00",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "2026-03-01T12:00:00",
            "yesterday",
            "",
        ]
    )
    | text,
    st.sampled_from(["", "Ann <ann@example.org>", "\x1f", "<>", "x <y"]) | text,
)


@FUZZ
@given(records=st.lists(git_fields, max_size=4), raw=st.binary(max_size=30), lead=st.booleans())
@example(records=[("a" * 40, "n", "e@x", "0001-01-01T00:00:00+01:00", "")], raw=b"", lead=True)
def test_any_git_log_output_is_commits_or_a_commit_log_error(
    records: list[tuple[str, ...]], raw: bytes, lead: bool
) -> None:
    from accounts.commitlog import CommitLogError, parse_git_log

    output = b"".join(b"\x1e" + "\x00".join(fields).encode("utf-8") + b"\n" for fields in records)
    output = (b"" if lead else raw) + output + (raw if lead else b"")
    try:
        for record in parse_git_log([output]):
            assert record.committed_at.tzinfo is not None
    except CommitLogError as error:
        assert str(error)
