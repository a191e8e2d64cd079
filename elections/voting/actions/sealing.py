"""Sealing a closed contest's ballot box: its ballots decrypted, shuffled and stored for the
count, its table dropped and its key destroyed."""

from __future__ import annotations

import functools
import logging
import secrets
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.actions import audit_record
from elections.models import Contest
from elections.voting.actions.boxes import box_drop, box_key, box_rows, open_box
from elections.voting.actions.casting import _lock
from elections.voting.actions.errors import BallotBoxTampered, NotPolling
from elections.voting.boxcrypt import BallotUnreadable, OpenedBallot, open_ballot
from elections.voting.keys import key_destroy, key_ids
from elections.voting.models import Ballot, BallotBoxSeal, VoterRecord
from elections.voting.receipts import sealed_ballots_digest

logger = logging.getLogger(__name__)


def ballots_seal(*, contest: Contest) -> BallotBoxSeal:
    """At the close: turn the contest's ballot box into the ballots that are counted.

    Under the contest's lock (no other contest is locked): every ballot of the box is
    decrypted with the contest key, the ballots are shuffled (the operating system's random
    source) and inserted as fresh ``Ballot`` rows with new random ids, all in this one
    transaction; the box table is dropped, and the key file destroyed once this commits. The
    rows written during polling, their dead versions in the WAL and in backups, held only
    ciphertext, which nobody can read any more.

    A ballot that does not open under the key (changed in the database, moved to another row,
    or another key) stops the seal with ``BallotBoxTampered``: nothing is counted, the box is
    left as it is for the officials to investigate. Sealing a sealed box returns its seal.
    """
    with transaction.atomic():
        locked = _lock(contest)
        if locked.is_polling():
            raise NotPolling(
                "Polling is still open in this contest; the ballot box is sealed at the close."
            )
        existing = BallotBoxSeal.objects.filter(contest=locked).first()
        if existing is not None:
            return existing
        box = open_box(locked.pk)
        opened = _open_box(locked, box)
        seal = _store_sealed(locked, opened, key_id=box[0] if box else None)
        box_drop(locked.pk)
        if box is not None:
            transaction.on_commit(functools.partial(key_destroy, box[0]))
    return seal


def _store_sealed(contest: Contest, opened: list[OpenedBallot], *, key_id: Any) -> BallotBoxSeal:
    """Store the opened ballots in a fresh random order, and the seal with their digest."""
    secrets.SystemRandom().shuffle(opened)
    Ballot.objects.bulk_create(
        [
            Ballot(
                id=uuid.uuid4(),
                contest=contest,
                ranks=ballot.ranks,
                receipt_hash=ballot.receipt_hash,
                tracker=ballot.tracker,
            )
            for ballot in opened
        ],
        batch_size=2000,
    )
    voters = VoterRecord.objects.filter(contest=contest).count()
    digest = sealed_ballots_digest((ballot.tracker, ballot.ranks) for ballot in opened)
    if voters != len(opened):
        logger.error(
            "Contest %s sealed with %s ballots for %s voter records.",
            contest.pk,
            len(opened),
            voters,
        )
    audit_record(
        actor=None,
        action="ballots.seal",
        target=f"contest:{contest.pk}",
        detail={"ballots": len(opened), "voters": voters, "digest": digest},
    )
    return BallotBoxSeal.objects.create(
        contest=contest,
        ballots=len(opened),
        voters=voters,
        sealed_at=timezone.now(),
        digest=digest,
        key_id=key_id,
    )


def _open_box(contest: Contest, box: tuple[Any, str] | None) -> list[OpenedBallot]:
    if box is None:
        return []
    rows = box_rows(contest.pk)
    if not rows:
        return []
    key = box_key(contest.pk, box)
    opened: list[OpenedBallot] = []
    unreadable = 0
    for lookup, blob in rows:
        try:
            opened.append(open_ballot(key, contest_id=contest.pk, lookup=lookup, blob=blob))
        except BallotUnreadable:
            unreadable += 1
    if unreadable:
        raise BallotBoxTampered(
            f"{unreadable} of the {len(rows)} ballots in the ballot box of {contest.name} do not "
            "open under its key: they were changed in the database after they were cast. "
            "Nothing was sealed or counted; the box and its key are kept for investigation "
            '(docs/operations.md, "Ballot box keys").'
        )
    return opened


def ballot_keys_destroy_spent() -> list[str]:
    """Destroy the key file of every sealed box that still has one (a seal whose process
    stopped between its commit and the key's destruction); return those keys' ids.

    Only keys of this database's sealed boxes: a key without a box row may belong to a box
    being opened by a cast that has not committed yet, or to another database."""
    present = key_ids()
    if not present:
        return []
    sealed = BallotBoxSeal.objects.filter(key_id__in=present).values_list("key_id", flat=True)
    destroyed = [str(key_id) for key_id in sorted(sealed) if key_destroy(key_id)]
    if destroyed:
        logger.warning("Destroyed the keys of sealed ballot boxes: %s.", destroyed)
    return destroyed
