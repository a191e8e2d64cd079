"""The voting app's actions: casting and changing ballots, and sealing the ballot box.

Ballot boxes (one table per contest while polling) are opened, read and dropped by
``boxes``.

The only code that writes ballots and voter records; each action is keyword-only and atomic."""

from __future__ import annotations

from elections.voting.actions.casting import (
    ballot_cast,
    ballot_change,
)
from elections.voting.actions.errors import (
    ALREADY_VOTED_MESSAGE,
    RECEIPT_NOT_FOUND_MESSAGE,
    AlreadyVoted,
    BallotBoxTampered,
    BallotBoxUnavailable,
    BallotRefused,
    NotAnElector,
    NotPolling,
    NotYetVoted,
    ReceiptNotFound,
    VotingError,
)
from elections.voting.actions.sealing import (
    ballot_keys_destroy_spent,
    ballots_seal,
)

__all__ = [
    "ALREADY_VOTED_MESSAGE",
    "AlreadyVoted",
    "BallotBoxTampered",
    "BallotBoxUnavailable",
    "BallotRefused",
    "NotAnElector",
    "NotPolling",
    "NotYetVoted",
    "RECEIPT_NOT_FOUND_MESSAGE",
    "ReceiptNotFound",
    "VotingError",
    "ballot_cast",
    "ballot_change",
    "ballot_keys_destroy_spent",
    "ballots_seal",
]
