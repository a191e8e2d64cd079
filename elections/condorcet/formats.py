"""Reading and writing published ballots: CSV, PrefLib (.soc/.soi/.toc/.toi), Debian sheets.

Every reader checks the whole input before returning anything and raises
``BallotFormatError`` (a ``ValueError``) naming the line and the problem, so a bad file
never yields a partial tally. Every writer's output reads back to the same ballots (PrefLib
keeps only the order of ranks, so ranks come back as 1, 2, 3, ... without gaps).

CSV
    First row: candidate names. Then one ballot per row, one cell per candidate: a whole
    number from 1 to the number of candidates is a rank (equal ranks are ties), an empty cell
    is unranked. Blank lines are skipped.

PrefLib (https://preflib.org/format, the 2022 format)
    ``# ALTERNATIVE NAME i: name`` header lines, then ``count: order`` lines where the order
    lists alternative numbers best first and ``{a,b}`` groups equal ones. Alternatives not
    listed are unranked. ``.soc`` must be strict and complete, ``.soi`` strict, ``.toc``
    complete; ``.toi`` allows both ties and omissions.

Debian tally sheet (as published at https://www.debian.org/vote/)
    ``Option N--->: Name`` header lines name the options in order; then one
    ``V: <marks> <hash or voter>`` line per ballot, one mark per option: a digit 1-9 is the
    rank, ``-`` is unranked. Other lines (titles, decoration) are ignored.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

from .ballot_file import (
    BallotFile,
    BallotFormatError,
    _ballot_file,
    _check_names,
    _check_writable_names,
    _says,
    _whole_number,
    dense_ranks,
)
from .debian import read_debian, write_debian
from .textrows import csv_rows, preflib_orders

__all__ = [
    "FORMATS",
    "PREFLIB_DATA_TYPES",
    "BallotFile",
    "BallotFormatError",
    "dense_ranks",
    "format_ballots",
    "guess_format",
    "parse_ballots",
    "preflib_data_type",
    "read_ballot_file",
    "read_csv",
    "read_debian",
    "read_preflib",
    "write_csv",
    "write_debian",
    "write_preflib",
]

FORMATS = ("csv", "preflib", "debian")
PREFLIB_DATA_TYPES = ("soc", "soi", "toc", "toi")
_EXTENSIONS = {
    ".csv": "csv",
    ".soc": "preflib",
    ".soi": "preflib",
    ".toc": "preflib",
    ".toi": "preflib",
    ".txt": "debian",
    ".tally": "debian",
}


# A spreadsheet opening the file runs a cell that starts with one of these as a formula
# (CSV injection): a candidate named "=HYPERLINK(...)" must reach a reader as text. Such a
# name is written after an apostrophe, which spreadsheets take as "this cell is text", and
# the apostrophe is removed again on reading; a name that itself starts with an apostrophe
# gets one more, so every name reads back exactly.
_FORMULA_STARTS = ("=", "+", "-", "@", "'")


def _csv_name(name: str) -> str:
    return "'" + name if name.startswith(_FORMULA_STARTS) else name


def _csv_unname(cell: str) -> str:
    name = cell.strip()
    return name[1:] if name.startswith("'") and name[1:].startswith(_FORMULA_STARTS) else name


def read_csv(text: str) -> BallotFile:
    # strict: a stray quote is an error, not silently part of a name or a rank.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    candidates: list[str] | None = None
    rows: list[list[int]] = []
    try:
        for record in reader:
            line = reader.line_num
            if not record:
                continue
            if candidates is None:
                candidates = [_csv_unname(cell) for cell in record]
                _check_names(candidates, line)
                continue
            if len(record) != len(candidates):
                raise BallotFormatError(
                    f"ballot has {len(record)} cells but the header names "
                    f"{len(candidates)} candidates",
                    line=line,
                )
            ranks = []
            for name, cell in zip(candidates, record, strict=True):
                value = cell.strip()
                if not value:
                    ranks.append(0)
                elif not value.isascii() or not value.isdigit():
                    raise BallotFormatError(
                        f"rank {value!r} for {name!r} is not a whole number", line=line
                    )
                elif (rank := _whole_number(value, f"rank for {name!r}", line)) == 0:
                    raise BallotFormatError(
                        f"rank 0 for {name!r}: ranks start at 1 (leave the cell empty for "
                        "unranked)",
                        line=line,
                    )
                elif rank > len(candidates):
                    # A ballot ranks N candidates 1 to N at most (ties share a rank): a
                    # larger rank was not cast by anyone, and would count as a plain order.
                    raise BallotFormatError(
                        f"rank {rank} for {name!r} is above the number of candidates "
                        f"({len(candidates)})",
                        line=line,
                    )
                else:
                    ranks.append(rank)
            rows.append(ranks)
    except csv.Error as exc:
        raise BallotFormatError(f"not valid CSV ({exc})", line=reader.line_num) from exc
    if candidates is None:
        raise BallotFormatError("the file is empty: expected a header row of candidate names")
    return _ballot_file(candidates, rows, [1] * len(rows))


def write_csv(ballot_file: BallotFile) -> str:
    _check_writable_names(ballot_file.candidates)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([_csv_name(name) for name in ballot_file.candidates])
    # The ballots' rows as the csv module writes them, built by numpy (textrows).
    return buffer.getvalue() + csv_rows(ballot_file.expanded())


# -- PrefLib -------------------------------------------------------------------------------

_PREFLIB_META = re.compile(r"^#\s*([A-Z][A-Z ]*?)\s*(\d+)?\s*:\s?(.*)$")
_PREFLIB_ORDER = re.compile(r"^\s*(\d+)\s*:(.*)$")


def _parse_order(text: str, size: int, line: int) -> list[list[int]]:
    """``1,{2,4},3`` → [[1], [2, 4], [3]]: groups of alternative numbers, best first."""
    body = text.strip()
    if not body:
        return []
    parts: list[str] = []
    current: list[str] = []
    in_group = False
    for character in body:
        if character == "{":
            if in_group:
                raise BallotFormatError("tie groups cannot be nested", line=line)
            in_group = True
        elif character == "}":
            if not in_group:
                raise BallotFormatError("'}' without a matching '{'", line=line)
            in_group = False
        if character == "," and not in_group:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(character)
    if in_group:
        raise BallotFormatError("a '{' tie group is not closed", line=line)
    parts.append("".join(current).strip())
    groups: list[list[int]] = []
    for part in parts:
        if not part:
            raise BallotFormatError("empty place in the order (two commas in a row?)", line=line)
        if part.startswith("{"):
            if not part.endswith("}"):
                raise BallotFormatError(f"unexpected text after a tie group: {part!r}", line=line)
            items = [item.strip() for item in part[1:-1].split(",")]
        else:
            items = [part]
        group = []
        for item in items:
            if not item.isascii() or not item.isdigit():
                raise BallotFormatError(f"{item!r} is not an alternative number", line=line)
            number = _whole_number(item, "alternative", line)
            if not 1 <= number <= size:
                raise BallotFormatError(
                    f"alternative {number} does not exist (there are {size})", line=line
                )
            group.append(number)
        groups.append(group)
    return groups


def read_preflib(text: str, *, data_type: str | None = None) -> BallotFile:
    """Read a PrefLib file; ``data_type`` (e.g. from the file extension) applies when the
    file has no ``# DATA TYPE`` line.

    Long because the header and the orders are checked against each other as they are read
    (counts, alternative numbers, the data type's rules), each error naming its line.
    """
    names: dict[int, str] = {}
    declared: dict[str, tuple[str, int]] = {}
    orders: list[tuple[int, int, str]] = []
    for line, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            meta = _PREFLIB_META.match(stripped)
            if meta is None:
                continue
            key, number, value = meta.group(1), meta.group(2), meta.group(3).strip()
            if key == "ALTERNATIVE NAME" and number is not None:
                alternative = _whole_number(number, "alternative", line)
                if alternative in names:
                    raise BallotFormatError(f"alternative {number} is named twice", line=line)
                names[alternative] = value
            elif number is None:
                declared[key] = (value, line)
            continue
        order = _PREFLIB_ORDER.match(stripped)
        if order is None:
            raise BallotFormatError(
                "expected 'count: order' (e.g. '3: 1,{2,4},3') or a '#' header line", line=line
            )
        orders.append((line, _whole_number(order.group(1), "count", line), order.group(2)))
    size = len(names)
    if "NUMBER ALTERNATIVES" in declared:
        value, line = declared["NUMBER ALTERNATIVES"]
        if not _says(value, size):
            raise BallotFormatError(
                f"NUMBER ALTERNATIVES says {value} but {size} alternatives are named", line=line
            )
    if size == 0:
        raise BallotFormatError("no '# ALTERNATIVE NAME 1: ...' header lines")
    missing = [number for number in range(1, size + 1) if number not in names]
    if missing:
        raise BallotFormatError(
            f"alternatives must be named 1 to {size}; alternative {missing[0]} has no "
            "ALTERNATIVE NAME line"
        )
    candidates = [names[number].strip() for number in range(1, size + 1)]
    _check_names(candidates, None)
    kind = data_type
    if "DATA TYPE" in declared:
        kind = declared["DATA TYPE"][0].lower()
        if kind not in PREFLIB_DATA_TYPES:
            raise BallotFormatError(
                f"DATA TYPE {kind!r} is not a ranking type (soc, soi, toc, toi)",
                line=declared["DATA TYPE"][1],
            )
    strict = kind in ("soc", "soi")
    complete = kind in ("soc", "toc")
    rows: list[list[int]] = []
    counts: list[int] = []
    for line, count, order_text in orders:
        if count < 1:
            raise BallotFormatError("the count before ':' must be at least 1", line=line)
        groups = _parse_order(order_text, size, line)
        ranks = [0] * size
        for rank, group in enumerate(groups, start=1):
            if strict and len(group) > 1:
                raise BallotFormatError(f"ties are not allowed in a .{kind} file", line=line)
            for number in group:
                if ranks[number - 1]:
                    raise BallotFormatError(
                        f"alternative {number} appears twice in the order", line=line
                    )
                ranks[number - 1] = rank
        if complete and not all(ranks):
            raise BallotFormatError(
                f"a .{kind} order must rank every alternative; {ranks.index(0) + 1} is missing",
                line=line,
            )
        rows.append(ranks)
        counts.append(count)
    for key, total in (("NUMBER VOTERS", sum(counts)), ("NUMBER UNIQUE ORDERS", len(rows))):
        if key in declared:
            value, line = declared[key]
            if not _says(value, total):
                raise BallotFormatError(f"{key} says {value} but the file has {total}", line=line)
    return _ballot_file(candidates, rows, counts)


def preflib_data_type(ballot_file: BallotFile) -> str:
    """The strictest PrefLib type that holds these ballots (soc, soi, toc or toi)."""
    ballots = dense_ranks(ballot_file.ballots)
    complete = bool((ballots > 0).all())
    # Dense ranks: no tie on a ballot when it has as many levels as ranked candidates.
    strict = ballots.size == 0 or bool(
        ((ballots > 0).sum(axis=1) == ballots.max(axis=1, initial=0)).all()
    )
    return ("s" if strict else "t") + "o" + ("c" if complete else "i")


def write_preflib(ballot_file: BallotFile, *, data_type: str | None = None) -> str:
    """PrefLib text; identical ballots share one ``count: order`` line."""
    _check_writable_names(ballot_file.candidates)
    # Every ballot fits .toi (ties and unranked candidates allowed): only a stricter type
    # asked for needs the ballots checked against it.
    fitting = preflib_data_type(ballot_file) if data_type != "toi" else "toi"
    kind = data_type or fitting
    if kind not in PREFLIB_DATA_TYPES:
        raise BallotFormatError(f"unknown PrefLib data type {kind!r}")
    if (kind[0] == "s" and fitting[0] == "t") or (kind[2] == "c" and fitting[2] == "i"):
        raise BallotFormatError(
            f"these ballots need a .{fitting} file (or .toi); they do not fit .{kind}"
        )
    orders, voters, unique = preflib_orders(ballot_file.ballots, ballot_file.weights)
    lines = [
        f"# DATA TYPE: {kind}",
        "# MODIFICATION TYPE: original",
        f"# NUMBER ALTERNATIVES: {len(ballot_file.candidates)}",
        f"# NUMBER VOTERS: {voters}",
        f"# NUMBER UNIQUE ORDERS: {unique}",
    ]
    lines += [
        f"# ALTERNATIVE NAME {number}: {name}"
        for number, name in enumerate(ballot_file.candidates, start=1)
    ]
    return "\n".join(lines) + "\n" + orders


# -- Files ----------------------------------------------------------------------------


def guess_format(path: str | Path) -> str:
    """The format a file name suggests: .csv, PrefLib extensions, .txt/.tally for Debian."""
    suffix = Path(path).suffix.lower()
    if suffix not in _EXTENSIONS:
        raise BallotFormatError(
            f"cannot tell the format of {str(path)!r} from its extension; choose one of "
            f"{', '.join(FORMATS)}"
        )
    return _EXTENSIONS[suffix]


def parse_ballots(text: str, format: str, *, data_type: str | None = None) -> BallotFile:
    """Read ``text`` in ``format`` (one of ``FORMATS``)."""
    if format == "csv":
        return read_csv(text)
    if format == "preflib":
        return read_preflib(text, data_type=data_type)
    if format == "debian":
        return read_debian(text)
    raise BallotFormatError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")


def format_ballots(ballot_file: BallotFile, format: str, *, data_type: str | None = None) -> str:
    """Write ``ballot_file`` in ``format`` (one of ``FORMATS``)."""
    if format == "csv":
        return write_csv(ballot_file)
    if format == "preflib":
        return write_preflib(ballot_file, data_type=data_type)
    if format == "debian":
        return write_debian(ballot_file)
    raise BallotFormatError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")


def decode_ballot_bytes(
    content: bytes, *, encoding: str | None = None, format: str | None = None
) -> str:
    """The text of a ballot file in the encoding it was published in.

    ``encoding`` declared: that codec, strictly. Otherwise UTF-8 (a leading byte-order mark
    dropped); a Debian tally sheet that is not UTF-8 is read as Latin-1, the encoding
    debian.org published its older sheets in (every byte is a Latin-1 character, so the
    sheet's own checks still catch a damaged file). See ``ballot_encoding``.
    """
    return _decode(content, encoding=encoding, format=format)[0]


def ballot_encoding(
    content: bytes, *, encoding: str | None = None, format: str | None = None
) -> str:
    """The encoding ``decode_ballot_bytes`` reads ``content`` in (for the record)."""
    return _decode(content, encoding=encoding, format=format)[1]


def _decode(content: bytes, *, encoding: str | None, format: str | None) -> tuple[str, str]:
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise BallotFormatError(f"unknown encoding {encoding!r}") from exc
        chosen = encoding
    else:
        chosen = "utf-8-sig"
    try:
        return content.decode(chosen), "utf-8" if chosen == "utf-8-sig" else chosen
    except UnicodeDecodeError as exc:
        if not encoding and format == "debian":
            return content.decode("latin-1"), "latin-1"
        line = content[: exc.start].count(b"\n") + 1
        named = "UTF-8" if chosen == "utf-8-sig" else chosen
        hint = "" if encoding else "; give the encoding it was published in (--encoding)"
        raise BallotFormatError(
            f"the file is not valid {named} ({exc.reason}){hint}", line=line
        ) from exc


def read_ballot_file(
    path: str | Path, format: str | None = None, *, encoding: str | None = None
) -> BallotFile:
    """Read a ballot file, guessing the format from the extension when not given."""
    chosen = format or guess_format(path)
    suffix = Path(path).suffix.lower().lstrip(".")
    data_type = suffix if suffix in PREFLIB_DATA_TYPES else None
    text = decode_ballot_bytes(Path(path).read_bytes(), encoding=encoding, format=chosen)
    return parse_ballots(text, chosen, data_type=data_type)
