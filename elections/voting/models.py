"""Ballots and the record of who has voted, kept apart so that one cannot be joined to the other.

The secrecy rules are the schema (docs/secrecy.md, checked by tests/elections/voting/
test_schema.py):

- ``Ballot`` has a random primary key, its contest, the ranks and the hash of its receipt.
  It has no link to a person, no timestamp and no sequence number.
- ``VoterRecord`` says that a person has voted in a contest, once (a database constraint), and
  has no link to their ballot.
- At the close every ballot of the contest is rewritten as a fresh row in a random order
  (``actions.ballots_shuffle_rewrite``), and ``BallotBoxSeal`` records that this was done.

Every write goes through ``elections.voting.actions``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Ballot(models.Model):
    """One voter's ranking in one contest, with nothing that says whose it is or when it came."""

    # Random (uuid4 from the operating system's random source), never a sequence: a sequence
    # would number ballots in the order people voted.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contest = models.ForeignKey(
        "elections.Contest", on_delete=models.PROTECT, related_name="ballots"
    )
    # {choice key: dense rank}, ranked choices only; a choice that is absent is unranked.
    ranks = models.JSONField()
    # Hex SHA-256 of the receipt code shown once to the voter (elections/voting/receipts.py).
    receipt_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "receipt_hash"], name="one_ballot_per_receipt"
            ),
        ]

    def __str__(self) -> str:
        return f"Ballot {self.pk}"


class VoterRecord(models.Model):
    """This person has voted in this contest. Exactly one per person and contest."""

    contest = models.ForeignKey(
        "elections.Contest", on_delete=models.PROTECT, related_name="voter_records"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="voter_records"
    )

    class Meta:
        constraints = [
            # The database, not only Python, keeps a voter to one ballot: of two casts racing
            # from two tabs, the second insert fails and its whole transaction (ballot
            # included) is rolled back.
            models.UniqueConstraint(fields=["contest", "user"], name="one_vote_per_voter"),
        ]

    def __str__(self) -> str:
        return f"{self.user} has voted in {self.contest}"


class TurnoutRecord(VoterRecord):
    """Voter records as the officials' panel shows them: turnout counts per contest only."""

    class Meta:
        proxy = True
        verbose_name = "turnout"
        verbose_name_plural = "turnout"


class BallotBoxSeal(models.Model):
    """The contest's ballots were rewritten at the close and are final.

    After this no ballot can be cast or changed, and the counted receipts are published.
    """

    contest = models.OneToOneField(
        "elections.Contest", on_delete=models.PROTECT, related_name="ballot_box_seal"
    )
    ballots = models.PositiveIntegerField()
    voters = models.PositiveIntegerField()
    sealed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Ballot box of {self.contest} sealed: {self.ballots} ballots"
