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

This module imports only the standard library.
"""

from __future__ import annotations

import hashlib
import re
import secrets

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
GROUPS = 4
GROUP_LENGTH = 5
CODE_LENGTH = GROUPS * GROUP_LENGTH
# Digits that are not in base32 but are easily typed for a letter they look like.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
_SEPARATORS = re.compile(r"[\s\-_.]+")


def new_receipt_code() -> str:
    """A fresh random receipt code, grouped for reading: ``XXXXX-XXXXX-XXXXX-XXXXX``."""
    characters = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
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
