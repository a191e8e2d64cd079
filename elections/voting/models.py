"""Ballots and the record of who has voted, kept apart so that one cannot be joined to the other.

The secrecy rules are the schema (docs/secrecy.md, checked by tests/elections/voting/
test_schema.py):

- While polling is open a contest's ballots are ciphertext in its own ballot-box table
  (``voting_box_<contest id>``, made and dropped by ``actions.boxes``, not a Django model:
  one table per contest, so that the seal drops it without touching any other contest).
  ``BallotBox`` says that the box is open and which key opens it.
- ``Ballot`` is a sealed, counted ballot: a random primary key, its contest, the ranks, the
  hash of its receipt and its tracker. No link to a person, no timestamp, no sequence number.
- ``VoterRecord`` says that a person has voted in a contest, once (a database constraint), and
  has no link to their ballot.
- At the seal the box's ballots are decrypted, shuffled and written as ``Ballot`` rows, the box
  table is dropped and its key destroyed (``actions.ballot_box_seal``); ``BallotBoxSeal``
  records that this was done.

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
    # Derived from the receipt code and the ranks at the cast (receipts.ballot_tracker).
    tracker = models.CharField(max_length=64, default="")

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
    # The person on the contest's roll this vote was cast as: one vote per person, whatever
    # accounts they have (two accounts verifying two addresses of one person vote once).
    roll_entry = models.ForeignKey(
        "accounts.RollEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        constraints = [
            # The database, not only Python, keeps a voter to one ballot: of two casts racing
            # from two tabs, the second insert fails and its whole transaction (ballot
            # included) is rolled back.
            models.UniqueConstraint(fields=["contest", "user"], name="one_vote_per_voter"),
            models.UniqueConstraint(fields=["contest", "roll_entry"], name="one_vote_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.user} has voted in {self.contest}"


class TurnoutRecord(VoterRecord):
    """Voter records as the officials' panel shows them: turnout counts per contest only."""

    class Meta:
        proxy = True
        verbose_name = "turnout"
        verbose_name_plural = "turnout"


class BallotBox(models.Model):
    """The contest's ballot box is open: its table exists and its key is in the key directory.

    ``key_id`` names the key's file (random, so that databases sharing a key directory never
    meet); ``key_check`` tells the right key from another one and reveals nothing of it. The
    row goes when the box is sealed.
    """

    contest = models.OneToOneField(
        "elections.Contest", on_delete=models.PROTECT, related_name="ballot_box"
    )
    key_id = models.UUIDField(unique=True)
    key_check = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"Ballot box of {self.contest}"


class BallotBoxSeal(models.Model):
    """The contest's ballot box was sealed at the close: its ballots are final.

    After this no ballot can be cast or changed, and the counted receipts are published.
    """

    contest = models.OneToOneField(
        "elections.Contest", on_delete=models.PROTECT, related_name="ballot_box_seal"
    )
    ballots = models.PositiveIntegerField()
    voters = models.PositiveIntegerField()
    sealed_at = models.DateTimeField()
    # SHA-256 of the sealed ballots (``selectors.sealed_ballots_digest``), also in the seal's
    # audit entry: a ballot changed after the seal no longer adds up to it.
    digest = models.CharField(max_length=64, default="")
    # The destroyed key's id, so that a sweep destroys it if the seal's process could not.
    key_id = models.UUIDField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Ballot box of {self.contest} sealed: {self.ballots} ballots"
