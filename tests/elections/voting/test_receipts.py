"""Receipt codes: random, readable, forgiving to type, stored only as a SHA-256 (pure)."""

from __future__ import annotations

import hashlib
import re

from elections.voting.receipts import canonical_receipt, new_receipt_code, receipt_hash


def test_receipt_is_four_groups_of_five_base32_characters() -> None:
    code = new_receipt_code()
    assert re.fullmatch(r"[A-Z2-7]{5}(-[A-Z2-7]{5}){3}", code)


def test_receipts_do_not_repeat() -> None:
    assert len({new_receipt_code() for _ in range(2000)}) == 2000


def test_typing_variants_read_as_the_same_receipt() -> None:
    code = "ABCDE-FGHIJ-KLMNO-PQRST"
    for typed in ["abcde fghij klmno pqrst", " ABCDEFGHIJKLMNOPQRST ", "abcde-fghij-klmn0-pqrst"]:
        assert canonical_receipt(typed) == code
        assert receipt_hash(typed) == receipt_hash(code)


def test_hash_is_what_a_voter_computes_with_sha256sum() -> None:
    code = "ABCDE-FGHIJ-KLMNO-PQRST"
    assert receipt_hash(code) == hashlib.sha256(code.encode()).hexdigest()


def test_things_that_are_not_receipts_are_refused() -> None:
    for text in ["", "ABCDE", "ABCDE-FGHIJ-KLMNO-PQRS9", "ABCDE-FGHIJ-KLMNO-PQRSTU", "é" * 20]:
        assert canonical_receipt(text) is None
