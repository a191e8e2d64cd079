"""The files published with a result, so that anyone can check the count.

- the anonymised ballots, in a fresh random order, as CSV and as PrefLib (written by the
  engine's own format writers, which its CLI reads back);
- the result as JSON, with the same keys as ``python -m elections.condorcet tally --json``;
- the sorted list of counted receipt hashes, one per line;
- where the election publishes trackers, the ballots again, each with its tracker, sorted by
  tracker (``trackers_csv``): a voter finds their own ballot by the tracker their receipt
  page showed, and sees what it says.

Each file is made once, when the result is stored, and kept byte for byte: its sha256 is part
of the result (``ballot_file_sha256`` is the ``input_sha256`` the CLI prints for the CSV). The
one exception is the result JSON, made again when the result is published so that it carries
the audit chain's head recorded then (``audit_head``, ``audit_position``).
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from elections.condorcet.formats import BallotFile, write_csv, write_preflib
from elections.condorcet.textrows import csv_rows, small_ints
from elections.voting.blocks import bytewise_order
from elections.voting.boxcrypt import TRACKER_CHARS

if TYPE_CHECKING:
    from elections.results.models import Result


def _shuffled(ranks: np.ndarray) -> np.ndarray:
    """The ballots in a fresh random order (a permutation seeded with 128 bits from the
    operating system), so the file's order says nothing about the order in which ballots
    were cast or stored."""
    generator = np.random.default_rng(secrets.randbits(128))
    return ranks[generator.permutation(ranks.shape[0])]


def ballots_csv(names: Sequence[str], ranks: np.ndarray) -> str:
    """Header of candidate names, one ballot per row, empty cell = unranked."""

    # Shuffled as 16-bit numbers where they fit: a quarter of the bytes to move.
    shuffled = _shuffled(small_ints(np.asarray(ranks)))
    return write_csv(BallotFile(list(names), shuffled, np.ones(shuffled.shape[0], dtype=np.int64)))


def ballots_preflib(names: Sequence[str], ranks: np.ndarray) -> str:
    """The same ballots in PrefLib's ``.toi`` format (ties and unranked candidates allowed).

    PrefLib lists each distinct ballot once with its count, sorted by count, so the file has
    no order to hide; the engine's writer merges them (in numpy, ``condorcet.textrows``).
    """

    ballot_file = BallotFile(list(names), ranks, np.ones(ranks.shape[0], dtype=np.int64))
    return write_preflib(ballot_file, data_type="toi")


def trackers_csv(names: Sequence[str], trackers: Any, ranks: np.ndarray) -> str:
    """Header ``tracker`` then the candidate names; one ballot per row, sorted by tracker
    (random-looking, so the order says nothing), empty cell = unranked.

    ``trackers`` is an ``S32`` array (or a list of strings), row for row with ``ranks``; the
    rows are written by numpy (``condorcet.textrows``)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(["tracker", *names])
    tracker_array = np.asarray(
        [t.encode("ascii") if isinstance(t, str) else t for t in trackers]
        if isinstance(trackers, list | tuple)
        else trackers,
        dtype="S32",
    )
    if len(tracker_array) and (np.char.str_len(tracker_array) != TRACKER_CHARS).any():
        raise ValueError("Every published ballot has a 32-character tracker.")
    order = bytewise_order(tracker_array)
    return buffer.getvalue() + csv_rows(
        np.asarray(ranks)[order].reshape(len(order), len(names)), tracker_array[order]
    )


def receipts_text(receipt_hashes: Any) -> str:
    """One counted receipt hash per line, sorted; a voter finds theirs with sha256sum.

    ``receipt_hashes`` is an ``S64`` array (or a list of strings)."""
    hashes = np.asarray(
        [h.encode("ascii") if isinstance(h, str) else h for h in receipt_hashes]
        if isinstance(receipt_hashes, list | tuple)
        else receipt_hashes,
        dtype="S64",
    )
    hashes = hashes[bytewise_order(hashes)]
    if not len(hashes):
        return ""
    lines = np.full((len(hashes), 65), ord("\n"), dtype=np.uint8)
    lines[:, :64] = hashes.view(np.uint8).reshape(len(hashes), 64)
    return lines.tobytes().decode("ascii")


def result_document(result: Result) -> dict[str, Any]:
    """The result as plain data: the CLI's JSON keys plus what only the site knows."""
    contest = result.contest
    return {
        "election": contest.election.slug,
        "contest": contest.slug,
        "contest_name": contest.name,
        "candidates": result.names,
        "choices": result.candidates,
        "method": result.method,
        "seats": result.seats,
        "ranking": result.ranking,
        "winners": result.winners,
        "pairwise": result.pairwise,
        "strongest_paths": result.strongest_paths,
        "condorcet_winner": result.condorcet_winner or None,
        "smith_set": result.smith_set,
        "tie_seed": result.tie_seed,
        # The commitment published when nominations opened: sha256(tie_seed) must equal it.
        "tie_seed_sha256": contest.tie_seed_sha256,
        "tie_breaks": result.tie_breaks,
        "unresolved_ties": result.unresolved_ties,
        "unresolved_tie": bool(result.unresolved_ties),
        "locked_pairs": result.locked_pairs,
        "affiliation_adjustments": result.affiliation_adjustments,
        "ballot_count": result.ballot_count,
        "electorate_size": result.electorate_size,
        "turnout_percent": (
            str(result.turnout_percent) if result.turnout_percent is not None else None
        ),
        "input_sha256": result.ballot_file_sha256,
        "ballot_set_sha256": result.ballot_set_sha256,
        "engine_version": result.engine_version,
        # The audit chain's head recorded when the result was published (None before).
        "audit_head": result.audit_head or None,
        "audit_position": result.audit_position,
    }


def result_json(result: Result) -> str:
    return json.dumps(result_document(result), indent=2, ensure_ascii=False) + "\n"
