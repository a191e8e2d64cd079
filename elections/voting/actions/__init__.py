"""The voting app's actions: casting and changing ballots, and sealing the ballot box.

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
    BallotRefused,
    NotAnElector,
    NotPolling,
    NotYetVoted,
    ReceiptNotFound,
    VotingError,
)
from elections.voting.actions.sealing import (
    ballots_shuffle_rewrite,
)

__all__ = [
    "ALREADY_VOTED_MESSAGE",
    "AlreadyVoted",
    "BallotRefused",
    "NotAnElector",
    "NotPolling",
    "NotYetVoted",
    "RECEIPT_NOT_FOUND_MESSAGE",
    "ReceiptNotFound",
    "VotingError",
    "ballot_cast",
    "ballot_change",
    "ballots_shuffle_rewrite",
]
