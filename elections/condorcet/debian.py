"""PURE: Debian tally sheets (as published at https://www.debian.org/vote/).

``Option N--->: Name`` header lines name the options in order; then one
``V: <marks> <hash or voter>`` line per ballot, one mark per option: a digit 1-9 is the rank,
``-`` is unranked. Other lines (titles, decoration) are ignored, but a line that starts like
a ballot (``V:``, in any case, indented or not) must be one: a damaged ballot line is an
error naming it, never a ballot silently left out. Each voter hash appears once: a second
ballot under the same hash is an error naming both lines.
"""

from __future__ import annotations

import re

from .ballot_file import (
    BallotFile,
    BallotFormatError,
    _ballot_file,
    _check_names,
    _check_writable_names,
    _whole_number,
)

_DEBIAN_OPTION = re.compile(r"Option\s+(\d+)\s*-*>\s*:\s*(.*?)\s*$")
_DEBIAN_VOTE = re.compile(r"^V:[ \t]+(\S+)(?:[ \t]+(\S+))?$")
_LOOKS_LIKE_A_BALLOT = re.compile(r"^\s*V\s*:", re.IGNORECASE)


def read_debian(text: str) -> BallotFile:
    """Read a Debian tally sheet.

    Long because each line is checked where it is read (header, ballot, voter hash), so that
    every problem names its line and no ballot is silently left out.
    """
    options: list[str] = []
    rows: list[list[int]] = []
    voters: dict[str, int] = {}
    for line, raw in enumerate(text.splitlines(), start=1):
        if _LOOKS_LIKE_A_BALLOT.match(raw):
            vote = _DEBIAN_VOTE.match(raw.strip())
            if vote is None and not raw.strip()[2:].strip():
                raise BallotFormatError("ballot line has no marks after 'V:'", line=line)
            if vote is None:
                raise BallotFormatError(
                    f"malformed ballot line {raw.strip()[:60]!r}: expected 'V: <marks> "
                    "<voter hash>' (one mark per option, then at most one hash)",
                    line=line,
                )
            voter = vote.group(2)
            if voter is not None:
                if voter in voters:
                    raise BallotFormatError(
                        f"voter {voter} has a second ballot (the first is on line {voters[voter]})",
                        line=line,
                    )
                voters[voter] = line
            if not options:
                raise BallotFormatError(
                    "ballot line before any 'Option N--->: name' header line", line=line
                )
            marks = vote.group(1)
            if len(marks) != len(options):
                raise BallotFormatError(
                    f"vote {marks!r} has {len(marks)} marks but the sheet lists "
                    f"{len(options)} options",
                    line=line,
                )
            ranks = []
            for position, mark in enumerate(marks, start=1):
                if mark == "-":
                    ranks.append(0)
                elif mark in "123456789":
                    ranks.append(int(mark))
                else:
                    raise BallotFormatError(
                        f"vote {marks!r} has {mark!r} for option {position}; expected a "
                        "digit 1-9 or '-'",
                        line=line,
                    )
            rows.append(ranks)
            continue
        option = _DEBIAN_OPTION.search(raw)
        if option is None:
            continue
        if rows:
            raise BallotFormatError("'Option' header line after the ballots", line=line)
        number = _whole_number(option.group(1), "Option", line)
        if number != len(options) + 1:
            raise BallotFormatError(
                f"Option {number} where Option {len(options) + 1} was expected; options "
                "must be numbered 1, 2, 3, ... in order",
                line=line,
            )
        options.append(option.group(2))
        _check_names(options, line)
    if not options:
        raise BallotFormatError("no 'Option N--->: name' header lines found")
    return _ballot_file(options, rows, [1] * len(rows))


def write_debian(ballot_file: BallotFile) -> str:
    _check_writable_names(ballot_file.candidates)
    size = len(ballot_file.candidates)
    lines = [
        "                     Tally Sheet for the votes cast.",
        "",
        "   The format is:",
        '       "V: vote"',
        "   The vote has one mark per option, in the order listed below: a digit",
        "   is the rank given to that option, '-' leaves it unranked.",
        " -=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-=-",
        "",
    ]
    # Debian's layout: each option hangs off a slash above its column of marks.
    for number, name in enumerate(ballot_file.candidates, start=1):
        lead = "   " + "|" * (number - 2) + "/" if number > 1 else "   "
        arrow = "-" * (size - number + 3) + ">"
        lines.append(f"{lead}  Option {number}{arrow}: {name}")
    lines.append("   " + "|" * (size - 1) + "/")
    for row in ballot_file.expanded():
        marks = []
        for rank in row:
            if rank > 9:
                raise BallotFormatError(
                    f"rank {int(rank)} cannot be written: Debian tally sheets hold ranks 1-9"
                )
            marks.append(str(int(rank)) if rank else "-")
        lines.append("V: " + "".join(marks))
    return "\n".join(lines) + "\n"
