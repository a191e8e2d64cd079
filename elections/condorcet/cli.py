"""``python -m elections.condorcet``: re-count published ballots anywhere, without the site.

    python -m elections.condorcet tally FILE [--format csv|preflib|debian] [--seats N]
        [--method schulze|rankedpairs] [--tie-seed S] [--json]
        [--affiliation NAME=GROUP ...] [--max-per-affiliation K] [--encoding E]
    python -m elections.condorcet convert IN OUT [--from FORMAT] [--to FORMAT] [--encoding E]

Exit status: 0 on success, 2 when the input or an option is unusable (the message says which
line and why, on stderr, with no traceback).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .engine import METHODS, tally
from .formats import (
    FORMATS,
    PREFLIB_DATA_TYPES,
    BallotFile,
    BallotFormatError,
    ballot_encoding,
    decode_ballot_bytes,
    format_ballots,
    guess_format,
    parse_ballots,
)
from .result import TallyResult

__all__ = ["main"]

_METHOD_TITLES = {
    "schulze": "Schulze (winning votes)",
    "rankedpairs": "Ranked Pairs (Tideman, winning votes)",
}


_ENCODING_HELP = (
    "the encoding the file was published in, e.g. latin-1 (default: UTF-8; a Debian sheet "
    "that is not UTF-8 is read as Latin-1)"
)


class _UsageError(Exception):
    """A problem with the command line or its input, reported without a traceback."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m elections.condorcet",
        description="Count published ranked ballots (Condorcet: Schulze or Ranked Pairs).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    count = commands.add_parser("tally", help="count a ballot file and show the result")
    count.add_argument("file", help="ballot file (.csv, .soc/.soi/.toc/.toi, .txt Debian sheet)")
    count.add_argument("--format", choices=FORMATS, help="file format (default: from extension)")
    count.add_argument("--seats", type=int, default=1, help="number of seats (default 1)")
    count.add_argument("--method", choices=METHODS, default="schulze")
    count.add_argument("--tie-seed", help="published seed for the tie-breaking draw")
    count.add_argument("--json", action="store_true", help="print the whole result as JSON")
    count.add_argument(
        "--affiliation",
        action="append",
        default=[],
        metavar="NAME=GROUP",
        help="candidate's affiliation, for --max-per-affiliation (repeat per candidate)",
    )
    count.add_argument("--max-per-affiliation", type=int, help="most winners per affiliation")
    count.add_argument("--encoding", help=_ENCODING_HELP)
    count.add_argument(
        "--seats-held",
        action="append",
        default=[],
        metavar="GROUP=N",
        help="seats an affiliation holds outside the contest (sitting members not up), "
        "counted against --max-per-affiliation (repeat per affiliation)",
    )
    convert = commands.add_parser("convert", help="rewrite a ballot file in another format")
    convert.add_argument("source")
    convert.add_argument("target")
    convert.add_argument("--from", dest="source_format", choices=FORMATS)
    convert.add_argument("--to", dest="target_format", choices=FORMATS)
    convert.add_argument("--encoding", help=_ENCODING_HELP)
    return parser


def _load(
    path: str, format: str | None, encoding: str | None = None
) -> tuple[BallotFile, bytes, str, str]:
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        raise _UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        chosen = format or guess_format(path)
        suffix = Path(path).suffix.lower().lstrip(".")
        data_type = suffix if suffix in PREFLIB_DATA_TYPES else None
        used = ballot_encoding(content, encoding=encoding, format=chosen)
        text = decode_ballot_bytes(content, encoding=encoding, format=chosen)
        ballots = parse_ballots(text, chosen, data_type=data_type)
    except BallotFormatError as exc:
        raise _UsageError(f"{path}: {exc}") from exc
    return ballots, content, chosen, used


def _affiliations(pairs: Sequence[str]) -> dict[str, str] | None:
    if not pairs:
        return None
    mapping = {}
    for pair in pairs:
        name, separator, group = pair.partition("=")
        if not separator or not name.strip():
            raise _UsageError(f"--affiliation expects NAME=GROUP, got {pair!r}")
        mapping[name.strip()] = group.strip()
    return mapping


def _seats_held(pairs: Sequence[str]) -> dict[str, int] | None:
    if not pairs:
        return None
    held: dict[str, int] = {}
    for pair in pairs:
        group, separator, count = pair.rpartition("=")
        if not separator or not group.strip() or not count.strip().isdigit():
            raise _UsageError(f"--seats-held expects GROUP=N, got {pair!r}")
        held[group.strip()] = int(count)
    return held


def _table(result: TallyResult) -> list[str]:
    names = result.candidates
    labels = [f"{number} {name}" for number, name in enumerate(names, start=1)]
    label_width = max(len(label) for label in labels)
    cell = max(3, *(len(str(value)) for row in result.pairwise for value in row)) + 1
    header = " " * (label_width + 2) + "".join(
        f"{number:>{cell}}" for number in range(1, len(names) + 1)
    )
    lines = [header]
    for row_number, (label, row) in enumerate(zip(labels, result.pairwise, strict=True)):
        cells = "".join(
            f"{'-' if column == row_number else value:>{cell}}" for column, value in enumerate(row)
        )
        lines.append(f"  {label:<{label_width}}{cells}")
    return lines


def _render(result: TallyResult, path: str, format: str, digest: str, out: TextIO) -> None:
    seats = "1 seat" if result.seats == 1 else f"{result.seats} seats"
    write = out.write
    write(f"Input: {path} ({format}), SHA-256 {digest}\n")
    write(
        f"Method: {_METHOD_TITLES[result.method]}; {result.ballot_count} "
        f"ballot{'' if result.ballot_count == 1 else 's'}; "
        f"{len(result.candidates)} candidates; {seats}; engine {result.engine_version}\n\n"
    )
    write("Ranking (equal candidates share a place):\n")
    place = 1
    for group in result.ranking:
        write(f"  {place:>3}. {' = '.join(group)}\n")
        place += len(group)
    title = "Winner" if result.seats == 1 else "Winners"
    write(f"\n{title}: {', '.join(result.winners) if result.winners else '(none yet)'}\n")
    for tie in result.unresolved_ties:
        write(
            f"UNRESOLVED TIE at place {tie.place}: {', '.join(tie.candidates)} for "
            f"{tie.seats_at_stake} seat(s). Give the published --tie-seed to draw it.\n"
        )
    for tie in result.tie_breaks:
        draw = ", ".join(entry.candidate for entry in tie.draw)
        write(
            f"Tie at place {tie.place} drawn with seed {tie.seed!r}: order {draw}; seated "
            f"{', '.join(tie.seated) or 'nobody'} ({tie.rule})\n"
        )
        for entry in tie.draw:
            write(f"    {entry.sha256}  {entry.candidate}\n")
    for adjustment in result.affiliation_adjustments:
        write(
            f"Passed over {adjustment.candidate} ({adjustment.affiliation}): {adjustment.reason}\n"
        )
    write(f"Condorcet winner: {result.condorcet_winner or 'none'}\n")
    write(f"Smith set: {', '.join(result.smith_set)}\n\n")
    write("Pairwise matrix: ballots ranking the row candidate above the column candidate\n")
    for line in _table(result):
        write(line + "\n")


def _run_tally(arguments: argparse.Namespace, out: TextIO) -> int:
    ballots, content, chosen, used = _load(arguments.file, arguments.format, arguments.encoding)
    digest = hashlib.sha256(content).hexdigest()
    try:
        result = tally(
            ballots.candidates,
            ballots.ballots,
            weights=ballots.weights,
            seats=arguments.seats,
            method=arguments.method,
            tie_seed=arguments.tie_seed,
            affiliations=_affiliations(arguments.affiliation),
            max_per_affiliation=arguments.max_per_affiliation,
            seats_held=_seats_held(arguments.seats_held),
        )
    except ValueError as exc:
        raise _UsageError(str(exc)) from exc
    if arguments.json:
        document = result.to_json_dict()
        document.update(
            input_sha256=digest,
            input_file=arguments.file,
            input_format=chosen,
            input_encoding=used,
        )
        json.dump(document, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        _render(result, arguments.file, f"{chosen}, {used}", digest, out)
    return 0


def _run_convert(arguments: argparse.Namespace, out: TextIO) -> int:
    ballots, _, _, _ = _load(arguments.source, arguments.source_format, arguments.encoding)
    try:
        target_format = arguments.target_format or guess_format(arguments.target)
        suffix = Path(arguments.target).suffix.lower().lstrip(".")
        data_type = suffix if suffix in PREFLIB_DATA_TYPES else None
        text = format_ballots(ballots, target_format, data_type=data_type)
    except BallotFormatError as exc:
        raise _UsageError(f"{arguments.target}: {exc}") from exc
    try:
        Path(arguments.target).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _UsageError(f"cannot write {arguments.target}: {exc.strerror or exc}") from exc
    out.write(f"wrote {ballots.ballot_count} ballots to {arguments.target} ({target_format})\n")
    return 0


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit status."""
    arguments = _parser().parse_args(argv)
    stream = out or sys.stdout
    try:
        if arguments.command == "tally":
            return _run_tally(arguments, stream)
        return _run_convert(arguments, stream)
    except _UsageError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: stop quietly, as Unix tools do; point stdout
        # at devnull so the interpreter's final flush does not fail again.
        if out is None:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
