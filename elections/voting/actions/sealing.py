"""Sealing a closed contest's ballot box: its ballots rewritten as fresh rows in random order."""

from __future__ import annotations

import logging
import secrets
import uuid

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.actions import audit_record
from elections.models import Contest
from elections.voting.actions.casting import _lock
from elections.voting.actions.errors import NotPolling
from elections.voting.models import Ballot, BallotBoxSeal, VoterRecord

logger = logging.getLogger(__name__)


def ballots_shuffle_rewrite(*, contest: Contest) -> BallotBoxSeal:
    """At the close: rewrite every ballot of ``contest`` as a fresh row, in a random order.

    Rows written together share a PostgreSQL transaction id (``xmin``) and sit next to each
    other on disk, so until now a ballot could be matched to the voter record written with it.
    Fresh rows with new random ids, inserted together in a shuffled order, carry none of that;
    the old row versions are then vacuumed away (after commit, on PostgreSQL). The contest's
    ballot box is sealed: no more casting or changing, and its receipts can be checked.

    Call it once polling has stopped for the contest (the election's close). Running it again
    reshuffles again, which is harmless. The ballots' contents are unchanged.
    """

    with transaction.atomic():
        locked = _lock(contest)
        if locked.is_polling():
            raise NotPolling(
                "Polling is still open in this contest; the ballots are rewritten at the close."
            )
        contents = list(Ballot.objects.filter(contest=locked).values_list("ranks", "receipt_hash"))
        secrets.SystemRandom().shuffle(contents)
        Ballot.objects.filter(contest=locked).delete()
        Ballot.objects.bulk_create(
            [
                Ballot(id=uuid.uuid4(), contest=locked, ranks=ranks, receipt_hash=hashed)
                for ranks, hashed in contents
            ],
            batch_size=1000,
        )
        voters = VoterRecord.objects.filter(contest=locked).count()
        seal, _ = BallotBoxSeal.objects.update_or_create(
            contest=locked,
            defaults={"ballots": len(contents), "voters": voters, "sealed_at": timezone.now()},
        )
        if voters != len(contents):
            logger.error(
                "Contest %s sealed with %s ballots for %s voter records.",
                locked.pk,
                len(contents),
                voters,
            )
        audit_record(
            actor=None,
            action="ballots.shuffle_rewrite",
            target=f"contest:{locked.pk}",
            detail={"ballots": len(contents), "voters": voters},
        )
        transaction.on_commit(_vacuum_ballots)
    return seal


def _vacuum_ballots() -> None:
    """Remove the old ballot row versions from the table files (PostgreSQL only).

    VACUUM FULL writes the table anew with only the live rows, so the deleted versions, which
    still carried the transaction ids of the casts, are gone from the heap. It cannot run
    inside a transaction, hence after commit; a failure (e.g. not the table's owner) is logged
    and left to the operator (docs/secrecy.md, "Operating the database").
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM FULL {Ballot._meta.db_table}")  # noqa: S608 - fixed name
    except DatabaseError:
        logger.exception("VACUUM FULL of the ballot table failed; run it by hand.")
