"""Reading a contest's open ballot box in tests, as only the key's holder can."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from elections.models import Contest
from elections.voting.actions.boxes import box_order, box_rows, open_box
from elections.voting.boxcrypt import open_ballot
from elections.voting.keys import key_load


@dataclass(frozen=True)
class BoxBallot:
    lookup: str
    ranks: dict[str, int]
    receipt_hash: str
    tracker: str


def box_ballots(contest: Contest | int) -> list[BoxBallot]:
    """The ballots in the contest's open box, decrypted with its key (empty if never opened)."""
    contest_id = contest if isinstance(contest, int) else contest.pk
    rows = box_rows(contest_id)
    if not rows:
        return []
    key = key_load(key_id_of(contest_id))
    order = box_order(contest_id, key, open_box(contest_id))
    ballots = []
    for lookup, blob in rows:
        opened = open_ballot(
            key, contest_id=contest_id, lookup=lookup, blob=blob, choice_keys=order
        )
        ballots.append(BoxBallot(lookup, opened.ranks, opened.receipt_hash, opened.tracker))
    return ballots


def only_ballot(contest: Contest | int) -> BoxBallot:
    (ballot,) = box_ballots(contest)
    return ballot


def key_id_of(contest: Contest | int) -> Any:
    """The id of the contest's box key: of the open box, or of the sealed one."""
    from elections.voting.models import BallotBox, BallotBoxSeal

    contest_id = contest if isinstance(contest, int) else contest.pk
    box = BallotBox.objects.filter(contest_id=contest_id).values_list("key_id", flat=True)
    if box:
        return box[0]
    return BallotBoxSeal.objects.values_list("key_id", flat=True).get(contest_id=contest_id)


def sealed_rows(contest: Contest | int) -> list[tuple[str, str, bytes]]:
    """The contest's sealed ballots as (receipt hash, tracker, packed ranks), in the order
    they are stored, read straight from their blocks."""
    from elections.voting.models import SealedBlock

    contest_id = contest if isinstance(contest, int) else contest.pk
    rows: list[tuple[str, str, bytes]] = []
    for block in SealedBlock.objects.filter(contest_id=contest_id).order_by("number"):
        hashes, trackers, ranks = (
            bytes(block.receipt_hashes),
            bytes(block.trackers),
            bytes(block.ranks),
        )
        width = len(ranks) // block.count
        rows += [
            (
                hashes[64 * n : 64 * n + 64].decode("ascii"),
                trackers[32 * n : 32 * n + 32].rstrip(b"\0").decode("ascii"),
                ranks[width * n : width * n + width],
            )
            for n in range(block.count)
        ]
    return rows


def sealed_count(contest: Contest | int) -> int:
    """How many sealed ballots the contest's blocks hold."""
    return len(sealed_rows(contest))


def rewrite_sealed_ranks(contest: Contest | int, hashed: str, packed: bytes) -> None:
    """As a database administrator could: overwrite, in its block, the ranks of the sealed
    ballot whose receipt hash is ``hashed``."""
    from elections.voting.models import SealedBlock

    contest_id = contest if isinstance(contest, int) else contest.pk
    for block in SealedBlock.objects.filter(contest_id=contest_id):
        hashes = bytes(block.receipt_hashes)
        for n in range(block.count):
            if hashes[64 * n : 64 * n + 64].decode("ascii") == hashed:
                ranks = bytearray(block.ranks)
                width = len(ranks) // block.count
                ranks[width * n : width * n + width] = packed
                SealedBlock.objects.filter(pk=block.pk).update(ranks=bytes(ranks))
                return
    raise LookupError(hashed)
