"""Errors an official can cause in the results app."""

from __future__ import annotations


class ResultError(Exception):
    """A refused request; ``str(error)`` is a message for the person who made it."""


class BallotsChanged(ResultError):
    """The ballots differ from those a chunked tally started with; the tally starts again."""


# A contest is tallied once its poll is over; re-tallying a tallied or published contest is
# allowed (it finds the stored result when the ballots are the same).
