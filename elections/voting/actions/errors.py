"""Errors a voter can cause; ``str(error)`` is the message for them, ``status`` the HTTP answer."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


class VotingError(Exception):
    """A refused request; ``str(error)`` is a message for the voter, ``status`` its HTTP code."""

    status = 400


class NotPolling(VotingError):
    status = 409


class NotAnElector(VotingError):
    status = 403


class AlreadyVoted(VotingError):
    status = 409


class NotYetVoted(VotingError):
    status = 409


class ReceiptNotFound(VotingError):
    status = 400


class BallotRefused(VotingError):
    status = 400


ALREADY_VOTED_MESSAGE = (
    "You have already voted in this contest. To change your vote, use the receipt you were "
    "given when you voted."
)
SAME_PERSON_VOTED_MESSAGE = (
    "A vote has already been cast in this contest for you as you are on its roll, from "
    "another account with another of your addresses: one person has one vote. To change it, "
    "sign in to that account and use its receipt."
)
RECEIPT_NOT_FOUND_MESSAGE = (
    "No ballot in this contest has that receipt. Ballots carry no name, so the receipt of "
    "your current ballot is the only way to find it: without it your vote cannot be changed."
)


class BallotBoxUnavailable(VotingError):
    """The contest's ballot box cannot be opened: its key is missing or is another key."""

    status = 503


BALLOT_BOX_UNAVAILABLE_MESSAGE = (
    "Ballots cannot be recorded in this contest right now: its ballot box is unavailable. The "
    "election officials have been alerted; please try again later."
)


class BallotBoxTampered(VotingError):
    """Ballots in a box do not open under its key: the seal stops and nothing is counted."""

    status = 409
