"""Casting and changing a ballot.

The secrecy rules they keep are in docs/secrecy.md; the two that shape this module:

- The ballot and the voter's "has voted" record are written in one transaction, so there is
  never a ballot without a record or a record without a ballot, but nothing in either row
  points at the other.
- Casting and changing a ballot write no audit entry. The audit log is append-only and
  hash-chained, so whatever it records can never be removed: an entry per vote would be a
  permanent "who voted when" list (or, without the name, a timestamped entry written in the
  same transaction as the ballot, which PostgreSQL marks with the same transaction id). The
  voter record is the only trace that a person voted, and the close records the counts.
"""

from __future__ import annotations

import logging
import uuid
from functools import cache
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.selectors import on_roll_sql
from elections.models import Contest, Election
from elections.selectors import user_is_elector
from elections.voting.actions.errors import (
    ALREADY_VOTED_MESSAGE,
    RECEIPT_NOT_FOUND_MESSAGE,
    AlreadyVoted,
    BallotRefused,
    NotAnElector,
    NotPolling,
    NotYetVoted,
    ReceiptNotFound,
)
from elections.voting.models import Ballot, BallotBoxSeal, VoterRecord
from elections.voting.ranking import Ranking
from elections.voting.receipts import canonical_receipt, new_receipt_code, receipt_hash

logger = logging.getLogger(__name__)


def ballot_cast(*, contest: Contest, voter: Any, ranking: Ranking) -> str:
    """Store ``voter``'s first ballot in ``contest`` and return its receipt code.

    The code is returned to be shown once and is stored nowhere: only its hash is kept with
    the ballot. Raises ``NotPolling``, ``NotAnElector``, ``BallotRefused`` or ``AlreadyVoted``
    (also when another request of the same voter won a race: the unique constraint on the
    voter record refuses the second insert and rolls back its ballot too).
    """
    try:
        with transaction.atomic():
            locked = _lock_open_contest(contest)
            try:
                _check_ranking(locked, ranking)
            except BallotRefused:
                _check_elector(locked, voter)  # someone off the roll hears that first
                raise
            code = new_receipt_code()
            # A voter who has voted already is refused by the unique constraint.
            if not _record_vote(locked, voter, ranking, code):
                raise NotAnElector(_not_an_elector_message(locked))
    except IntegrityError as error:
        raise AlreadyVoted(ALREADY_VOTED_MESSAGE) from error
    return code


def ballot_change(*, contest: Contest, voter: Any, receipt: str, ranking: Ranking) -> str:
    """Replace the ballot whose receipt the voter presents; return the new receipt code.

    Only while polling, and only for an elector who has voted. The old ballot is found by the
    hash of its receipt (nothing else links it to anyone), deleted, and a new ballot with a new
    receipt is written, in one transaction. The voter record is left as it is.
    """
    canonical = canonical_receipt(receipt)
    if canonical is None:
        raise ReceiptNotFound(
            "That is not a receipt code: a receipt is 20 letters and digits in four groups "
            "of five, as shown when you voted."
        )
    with transaction.atomic():
        locked = _lock_open_contest(contest)
        _check_elector(locked, voter)
        _check_ranking(locked, ranking)
        # Casts share the contest lock, so one voter's changes are ordered by their own
        # voter record's row lock; and a ballot that a racing change already replaced is not
        # there to delete any more, which refuses this change instead of adding a ballot.
        if not VoterRecord.objects.select_for_update().filter(contest=locked, user=voter).exists():
            raise NotYetVoted("You have not voted in this contest yet: cast a ballot instead.")
        deleted, _ = Ballot.objects.filter(
            contest=locked, receipt_hash=receipt_hash(canonical)
        ).delete()
        if not deleted:
            raise ReceiptNotFound(RECEIPT_NOT_FOUND_MESSAGE)
        code = _insert_ballot(locked, ranking)
    return code


def _lock_open_contest(contest: Contest) -> Contest:
    """Lock the contest and its election rows and check that the contest takes ballots now.

    The lock orders every cast and change against the close: a phase move or the rewrite at
    the close waits for casts in flight, and a cast that waited then sees the closed contest.
    """
    locked, sealed = _lock_shared(contest)
    now = timezone.now()
    if sealed or not locked.is_polling():
        raise NotPolling(f"{locked.name} is not open for voting.")
    if now >= locked.polling_closes_at:
        raise NotPolling(f"Polling in {locked.name} closed at {_when(locked.polling_closes_at)}.")
    if now < locked.polling_opens_at:
        raise NotPolling(f"Polling in {locked.name} opens at {_when(locked.polling_opens_at)}.")
    return locked


def _lock_shared(contest: Contest) -> tuple[Contest, bool]:
    """Share-lock the election's row, then the contest's; return the contest with what a cast
    depends on read afresh under the locks, and whether its ballot box is sealed.

    Casts and changes take ``FOR SHARE`` locks on PostgreSQL: they do not wait for each
    other, only for the close, whose exclusive locks wait for every cast in flight and hold
    new ones back. Election first, as ``election_phase_move`` does (election, then its
    contests), so that a cast racing the close waits instead of deadlocking.

    On PostgreSQL the locking statements also read the fresh values, into ``contest``
    itself: every cast runs them, and one round trip costs far less than the ORM's reload.
    Elsewhere (SQLite, which locks the whole database) the contest is reloaded.
    """
    if connection.vendor != "postgresql":
        locked = _lock(contest)
        return locked, BallotBoxSeal.objects.filter(contest=locked).exists()
    with connection.cursor() as cursor:
        # Two statements, run in order in one round trip; the second's row is returned.
        cursor.execute(_share_lock_sql(), [contest.election_id, contest.pk])
        row = cursor.fetchone()
    if row is None:
        raise NotPolling(f"{contest.name} is not open for voting.")
    election = contest.election
    contest.state, contest.roll_id, contest.name, sealed = row[:4]
    election.phase, election.polling_opens_at, election.polling_closes_at = row[4:]
    return contest, bool(sealed)


@cache
def _share_lock_sql() -> str:
    election = Election._meta.db_table
    contest = Contest._meta.db_table
    seal = BallotBoxSeal._meta.db_table
    # The election's columns are read in the second statement, under the first one's lock.
    return (
        f"SELECT 1 FROM {election} WHERE id = %s FOR SHARE; "  # noqa: S608
        f"SELECT c.state, c.roll_id, c.name, EXISTS "
        f"(SELECT 1 FROM {seal} s WHERE s.contest_id = c.id), "
        "e.phase, e.polling_opens_at, e.polling_closes_at "
        f"FROM {contest} c JOIN {election} e ON e.id = c.election_id "
        "WHERE c.id = %s FOR SHARE OF c"
    )


def _lock(contest: Contest) -> Contest:
    """Lock the election's row, then the contest's, for writing; return the contest freshly
    read. Election first, as ``election_phase_move`` does."""
    election = Election.objects.select_for_update(no_key=True).get(pk=contest.election_id)
    locked = Contest.objects.select_for_update(no_key=True).get(pk=contest.pk)
    locked.election = election
    return locked


def _record_vote(contest: Contest, voter: Any, ranking: Ranking, code: str) -> bool:
    """If ``voter`` is on the contest's roll, write their voter record and their ballot
    (receipt ``code``) and return True; otherwise write nothing and return False. Raises
    IntegrityError if they have voted already.

    Every cast runs this, so it is written out rather than left to the ORM, whose save
    machinery costs several times the inserts themselves; on PostgreSQL the roll test and
    both inserts are one statement, one round trip.
    """

    ballot = _ballot_values(ranking, code)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_cast_sql(), [contest.pk, voter.pk, contest.roll_id, voter.pk, *ballot])
            return cursor.rowcount == 1
        if not user_is_elector(voter, contest):
            return False
        cursor.execute(_record_insert_sql(), [contest.pk, voter.pk])
        cursor.execute(_ballot_insert_sql(), [*ballot, contest.pk])
    return True


def _insert_ballot(contest: Contest, ranking: Ranking) -> str:
    """Store ``ranking`` as a new ballot of ``contest`` with a fresh receipt; return its code."""
    code = new_receipt_code()
    with connection.cursor() as cursor:
        cursor.execute(_ballot_insert_sql(), [*_ballot_values(ranking, code), contest.pk])
    return code


def _ballot_values(ranking: Ranking, code: str) -> list[Any]:
    """A new ballot's id, ranks and receipt hash, as the database takes them."""
    return [
        Ballot._meta.pk.get_db_prep_value(uuid.uuid4(), connection),
        Ballot._meta.get_field("ranks").get_db_prep_value(ranking.as_dict(), connection),
        receipt_hash(code),
    ]


@cache
def _record_insert_sql() -> str:
    return f"INSERT INTO {VoterRecord._meta.db_table} (contest_id, user_id) VALUES (%s, %s)"  # noqa: S608


@cache
def _ballot_insert_sql() -> str:
    return (
        f"INSERT INTO {Ballot._meta.db_table} (id, ranks, receipt_hash, contest_id) "  # noqa: S608
        "VALUES (%s, %s, %s, %s)"
    )


@cache
def _cast_sql() -> str:
    """PostgreSQL: the voter record, if the voter is on the roll, and then the ballot."""

    return (
        f"WITH record AS (INSERT INTO {VoterRecord._meta.db_table} (contest_id, user_id) "  # noqa: S608
        f"SELECT %s, %s WHERE {on_roll_sql('postgresql')} RETURNING contest_id) "
        f"INSERT INTO {Ballot._meta.db_table} (id, ranks, receipt_hash, contest_id) "
        "SELECT %s, %s, %s, contest_id FROM record"
    )


def _check_elector(contest: Contest, voter: Any) -> None:

    if not user_is_elector(voter, contest):
        raise NotAnElector(_not_an_elector_message(contest))


def _not_an_elector_message(contest: Contest) -> str:
    return f"You are not on the electorate of {contest.name}, so you cannot vote in it."


def _check_ranking(contest: Contest, ranking: Ranking) -> None:
    keys = {choice.key for choice in contest.ballot_choices()}
    named = {key for key, _ in ranking.ranks} | set(ranking.unranked)
    if named != keys:
        raise BallotRefused(
            "The candidates on this ballot are not those of the contest; reload the ballot "
            "and rank again."
        )


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")
