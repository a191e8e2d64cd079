"""PURE: ballots sealed under their contest's key while polling is open.

During polling a ballot is stored only as ciphertext, in the contest's own ballot-box table
(docs/secrecy.md). PostgreSQL marks the row with the id of the transaction that wrote it,
the same id as the voter's "has voted" record: that link, in the live table, its dead rows,
the WAL and every backup, then joins a voter to ciphertext only. At the seal the ballots are
decrypted, shuffled and written as fresh plaintext rows, the box table is dropped and the
key file is destroyed, so the ciphertext left in old WAL and backups can no longer be read
by anyone, with every secret the application keeps.

A contest key is 32 random bytes. Two keys are derived from it (HMAC-SHA256 with a label):

- the **sealing key** encrypts each ballot with AES-256-GCM (a fresh 96-bit nonce per
  ballot), the contest id and the row's lookup bound in as associated data, so a ciphertext
  moved to another row or contest, or changed in any bit, fails to open;
- the **lookup key** turns (voter id, receipt code) into the row's lookup: the ballot a
  receipt names is found only with that voter's id, so someone else's receipt replaces
  nothing, and the lookup matches no hash published after the seal.

This module imports the standard library and ``cryptography`` only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
_FORMAT = b"stackvote ballot v1"


class BallotUnreadable(Exception):
    """A stored ballot does not open under its contest's key: changed, moved or another key."""


@dataclass(frozen=True)
class OpenedBallot:
    """What a ballot box row holds once decrypted."""

    ranks: dict[str, int]
    receipt_hash: str
    tracker: str


def new_box_key() -> bytes:
    """A fresh contest key from the operating system's random source."""
    return os.urandom(KEY_BYTES)


def key_check(key: bytes) -> str:
    """A value stored with the box to tell the right key from another one (reveals nothing)."""
    return _derive(key, b"check").hex()


def box_table(contest_id: int) -> str:
    """The name of the contest's ballot-box table (the id is an integer, never user text)."""
    return f"voting_box_{int(contest_id)}"


def box_lookup(key: bytes, voter_id: int, canonical_code: str) -> str:
    """The lookup of the ballot that ``voter_id`` cast with receipt ``canonical_code``."""
    message = f"{int(voter_id)}\n{canonical_code}".encode("ascii")
    return hmac.new(_derive(key, b"lookup"), message, hashlib.sha256).hexdigest()


def seal_ballot(
    key: bytes,
    *,
    contest_id: int,
    lookup: str,
    ranks: dict[str, int],
    receipt_hash: str,
    tracker: str,
) -> bytes:
    """The ciphertext stored for one ballot: nonce followed by AES-GCM output."""
    plaintext = json.dumps(
        {"r": ranks, "h": receipt_hash, "t": tracker}, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(_derive(key, b"seal")).encrypt(
        nonce, plaintext, _associated(contest_id, lookup)
    )


def open_ballot(key: bytes, *, contest_id: int, lookup: str, blob: bytes) -> OpenedBallot:
    """Decrypt one stored ballot; raises ``BallotUnreadable`` if it was tampered with."""
    blob = bytes(blob)
    try:
        plaintext = AESGCM(_derive(key, b"seal")).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], _associated(contest_id, lookup)
        )
    except (InvalidTag, ValueError) as error:
        raise BallotUnreadable("A stored ballot does not open under its contest's key.") from error
    content = json.loads(plaintext)
    return OpenedBallot(
        ranks={str(k): int(v) for k, v in content["r"].items()},
        receipt_hash=str(content["h"]),
        tracker=str(content["t"]),
    )


def _associated(contest_id: int, lookup: str) -> bytes:
    return _FORMAT + f"\ncontest {int(contest_id)}\nlookup {lookup}".encode("ascii")


def _derive(key: bytes, label: bytes) -> bytes:
    if len(key) != KEY_BYTES:
        raise ValueError("A contest key is 32 bytes.")
    return hmac.new(key, b"stackvote " + label, hashlib.sha256).digest()
