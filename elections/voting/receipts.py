"""PURE: ballot receipts.

A receipt code is 20 random characters of the RFC 4648 base32 alphabet (100 bits), shown in
four groups of five: ``K7QX2-MBD4R-ZP6TA-HW3NE``. The voter sees it once, right after
casting. The server keeps only ``receipt_hash(code)``, the SHA-256 of the canonical code, with
the ballot; the code itself is never stored, logged or e-mailed, because whoever holds both
the code and the voter's name could join them to the ballot.

After the close the hashes of the counted ballots are published. A voter can check theirs
without asking the server::

    printf '%s' 'ABCDE-FGHIJ-KLMNO-PQRST' | sha256sum

100 random bits make guessing a receipt, or inverting a published hash, hopeless, so the hash
needs no salt.

A ballot's **tracker** is derived from its receipt code and its ranks (``ballot_tracker``) and
stored with the sealed ballot. Nobody can compute it without the code, so a ranking changed
after the cast no longer matches its tracker: the voter's receipt check says so. Where the
election publishes trackers, each published ballot carries it and the voter finds their own
ballot, and what it says, in the file.

This module imports only the standard library.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Iterable

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
GROUPS = 4
GROUP_LENGTH = 5
CODE_LENGTH = GROUPS * GROUP_LENGTH
# Digits that are not in base32 but are easily typed for a letter they look like.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
_SEPARATORS = re.compile(r"[\s\-_.]+")


def new_receipt_code() -> str:
    """A fresh random receipt code, grouped for reading: ``XXXXX-XXXXX-XXXXX-XXXXX``."""
    # 15 random bytes are 24 base32 characters; the first 20 carry 100 uniform random bits.
    characters = base64.b32encode(secrets.token_bytes(15)).decode("ascii")[:CODE_LENGTH]
    return _grouped(characters)


def canonical_receipt(text: str) -> str | None:
    """The canonical form of a receipt as a voter typed or pasted it, or None if it is not one.

    Case, spaces and dashes do not matter, and 0/1/8 are read as O/I/B.
    """
    characters = _SEPARATORS.sub("", text).upper().translate(_LOOKALIKES)
    if len(characters) != CODE_LENGTH or any(c not in ALPHABET for c in characters):
        return None
    return _grouped(characters)


def receipt_hash(code: str) -> str:
    """Hex SHA-256 of the canonical receipt code (the only form of it the server stores).

    Raises ValueError when ``code`` is not a receipt code.
    """
    canonical = canonical_receipt(code)
    if canonical is None:
        raise ValueError("Not a receipt code.")
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _grouped(characters: str) -> str:
    return "-".join(
        characters[start : start + GROUP_LENGTH] for start in range(0, CODE_LENGTH, GROUP_LENGTH)
    )


TRACKER_LENGTH = 32


def ballot_tracker(code: str, ranks: dict[str, int]) -> str:
    """The tracker of the ballot cast with receipt ``code`` and ``ranks`` ({choice key: rank}):
    the first 32 hex digits of SHA-256 over ``stackvote-tracker-v1``, the canonical code and
    the ranks as compact JSON with sorted keys, one per line.

    Raises ValueError when ``code`` is not a receipt code.
    """
    canonical = canonical_receipt(code)
    if canonical is None:
        raise ValueError("Not a receipt code.")
    ranking = json.dumps(
        {str(key): int(rank) for key, rank in ranks.items()}, sort_keys=True, separators=(",", ":")
    )
    message = f"stackvote-tracker-v1\n{canonical}\n{ranking}".encode()
    return hashlib.sha256(message).hexdigest()[:TRACKER_LENGTH]


def sealed_ballots_digest(ballots: Iterable[tuple[str, dict[str, int]]]) -> str:
    """SHA-256 of a sealed contest's ballots, given as (tracker, ranks): the sorted lines
    ``<tracker> <ranks as compact JSON with sorted keys>``. It does not depend on the order
    of the ballots, and changes with any ranking, tracker, added or removed ballot."""
    lines = sorted(
        f"{tracker} {json.dumps(ranks, sort_keys=True, separators=(',', ':'))}\n"
        for tracker, ranks in ballots
    )
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
    return digest.hexdigest()
