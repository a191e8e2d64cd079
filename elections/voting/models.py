"""Ballots and the record of who has voted, kept apart so that one cannot be joined to the other.

The secrecy rules are the schema (docs/secrecy.md, checked by tests/elections/voting/
test_schema.py):

- While polling is open a contest's ballots are ciphertext in its own ballot-box table
  (``voting_box_<contest id>``, made and dropped by ``actions.boxes``, not a Django model:
  one table per contest, so that the seal drops it without touching any other contest).
  ``BallotBox`` says that the box is open and which key opens it.
- ``SealedBlock`` holds sealed, counted ballots, thousands to a row: for each its ranks (one
  16-bit number per choice of the order frozen in its ``BallotBoxSeal``), the hash of its
  receipt and its tracker, sorted by receipt hash. No link to a person, no timestamp, no
  order of casting.
- ``VoterRecord`` says that a person has voted in a contest, once (a database constraint), and
  has no link to their ballot.
- At the seal the box's ballots are decrypted, sorted by receipt hash and written in
  blocks, the box table is dropped and its key destroyed (``actions.ballot_box_seal``);
  ``BallotBoxSeal`` records that this was done.

Every write goes through ``elections.voting.actions``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class SealedBlock(models.Model):
    """Up to ``blocks.BLOCK_BALLOTS`` sealed, counted ballots of one contest, as columns.

    Nothing in a block says whose a ballot is or when it came: the ballots are sorted by
    receipt hash (the hash of a random code, ``elections/voting/blocks.py``), and each is its
    receipt hash, its tracker and its ranks, at the same place of the three columns.
    """

    # Random, never a sequence (which would number blocks across contests in the order of
    # their seals).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contest = models.ForeignKey(
        "elections.Contest", on_delete=models.PROTECT, related_name="sealed_blocks", db_index=False
    )
    # Blocks are numbered 0, 1, ... in receipt-hash order; ``start`` is the position of the
    # block's first ballot among the contest's (the sum of the earlier blocks' counts).
    number = models.PositiveIntegerField()
    start = models.PositiveBigIntegerField()
    count = models.PositiveIntegerField()
    # The block's smallest receipt hash (64 ASCII hex digits, compared bytewise).
    first_receipt = models.BinaryField()
    # ``count`` × 64 ASCII hex digits: SHA-256 of each ballot's receipt code, sorted.
    receipt_hashes = models.BinaryField()
    # ``count`` × 32 ASCII hex digits (receipts.ballot_tracker; zero bytes when none).
    trackers = models.BinaryField()
    # ``count`` × one little-endian 16-bit rank per choice of the seal's frozen order
    # (``BallotBoxSeal.choice_keys``), 0 = unranked: read straight into the rank matrix.
    ranks = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contest", "number"], name="one_sealed_block_number"),
        ]
        indexes = [
            models.Index(fields=["contest", "first_receipt"], name="sealed_block_receipt"),
        ]

    def __str__(self) -> str:
        return f"Sealed block {self.number} of contest {self.contest_id}: {self.count} ballots"


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
    # The contest's choice keys in a fixed order, frozen when the box opened and sealed under
    # its key (``boxcrypt.seal_order``): each ballot's ranks are stored in this order
    # (``boxcrypt.FORMAT_PACKED``). Null for a box opened before orders were frozen (its
    # ballots are JSON).
    choice_order = models.BinaryField(null=True, blank=True)

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
    # SHA-256 of the sealed ballots (``sealed.sealed_digest``; version 1, of seals before the
    # packed ranks: ``receipts.sealed_ballots_digest``), also in the seal's audit entry: a
    # ballot changed after the seal no longer adds up to it.
    digest = models.CharField(max_length=64, default="")
    digest_version = models.PositiveSmallIntegerField(default=2)
    # The order of the choices in each sealed ballot's ranks.
    choice_keys = models.JSONField(default=list)
    # The destroyed key's id, so that a sweep destroys it if the seal's process could not.
    key_id = models.UUIDField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Ballot box of {self.contest} sealed: {self.ballots} ballots"
