"""Casting and changing a ballot.

The secrecy rules they keep are in docs/secrecy.md; the two that shape this module:

- The ballot and the voter's "has voted" record are written in one transaction, so there is
  never a ballot without a record or a record without a ballot, but nothing in either row
  points at the other. PostgreSQL marks both rows with the same transaction id; the ballot is
  therefore stored only as ciphertext under its contest's key (``boxcrypt``), which the seal
  destroys.
- Casting and changing a ballot write no audit entry. The audit log is append-only and
  hash-chained, so whatever it records can never be removed: an entry per vote would be a
  permanent "who voted when" list (or, without the name, a timestamped entry written in the
  same transaction as the ballot, which PostgreSQL marks with the same transaction id). The
  voter record is the only trace that a person voted, and the close records the counts.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.selectors import roll_entry_sql, roll_test_parameters, user_roll_entry_id
from elections.models import Contest, Election
from elections.selectors import user_is_elector
from elections.voting.actions.boxes import (
    OpenBox,
    box_delete,
    box_insert_sql,
    box_key,
    box_order,
    open_box,
)
from elections.voting.actions.errors import (
    ALREADY_VOTED_MESSAGE,
    RECEIPT_NOT_FOUND_MESSAGE,
    SAME_PERSON_VOTED_MESSAGE,
    AlreadyVoted,
    BallotRefused,
    NotAnElector,
    NotPolling,
    NotYetVoted,
    ReceiptNotFound,
)
from elections.voting.boxcrypt import box_lookup, box_table, seal_ballot
from elections.voting.models import BallotBox, BallotBoxSeal, VoterRecord
from elections.voting.ranking import Ranking
from elections.voting.receipts import (
    ballot_tracker,
    canonical_receipt,
    new_receipt_code,
    receipt_hash,
)

logger = logging.getLogger(__name__)


def ballot_cast(*, contest: Contest, voter: Any, ranking: Ranking) -> str:
    """Store ``voter``'s first ballot in ``contest`` and return its receipt code.

    The code is returned to be shown once and is stored nowhere: only its hash is kept, inside
    the encrypted ballot. Raises ``NotPolling``, ``NotAnElector``, ``BallotRefused``,
    ``BallotBoxUnavailable`` or ``AlreadyVoted`` (also when another request of the same voter
    won a race: the unique constraint on the voter record refuses the second insert and rolls
    back its ballot too).
    """
    try:
        with transaction.atomic():
            locked, box = _lock_open_contest(contest)
            try:
                _check_ranking(locked, ranking)
            except BallotRefused:
                _check_elector(locked, voter)  # someone off the roll hears that first
                raise
            if box is None:
                # The contest's first ballot opens its box: only an elector's does.
                _check_elector(locked, voter)
            key = box_key(locked.pk, box)
            order = box_order(locked.pk, key, box)
            code = new_receipt_code()
            row = _sealed(key, locked, voter, ranking, code, order)
            # A voter who has voted already is refused by the unique constraint.
            if not _record_vote(locked, voter, row):
                raise NotAnElector(_not_an_elector_message(locked))
    except IntegrityError as error:
        if VoterRecord.objects.filter(contest=contest, user=voter).exists():
            raise AlreadyVoted(ALREADY_VOTED_MESSAGE) from error
        # Not this account: another account of the same person on the roll voted.
        raise AlreadyVoted(SAME_PERSON_VOTED_MESSAGE) from error
    return code


def ballot_change(*, contest: Contest, voter: Any, receipt: str, ranking: Ranking) -> str:
    """Replace the ballot whose receipt the voter presents; return the new receipt code.

    Only while polling, and only for an elector who has voted, with the receipt of their own
    current ballot: the ballot is found by a lookup computed from the receipt *and the voter*
    (``boxcrypt.box_lookup``), so another voter's receipt finds nothing. The old ballot is
    deleted and a new one with a new receipt written, in one transaction. The voter record is
    neither changed nor locked, so nothing on it marks who changed their vote.
    """
    canonical = canonical_receipt(receipt)
    if canonical is None:
        raise ReceiptNotFound(
            "That is not a receipt code: a receipt is 20 letters and digits in four groups "
            "of five, as shown when you voted."
        )
    with transaction.atomic():
        locked, box = _lock_open_contest(contest)
        _check_elector(locked, voter)
        _check_ranking(locked, ranking)
        if not VoterRecord.objects.filter(contest=locked, user=voter).exists():
            raise NotYetVoted("You have not voted in this contest yet: cast a ballot instead.")
        key = box_key(locked.pk, box)
        # Of two changes racing with one receipt, the second waits for the first's delete and
        # then finds nothing to delete: it is refused instead of adding a ballot.
        if not box_delete(locked.pk, box_lookup(key, voter.pk, canonical)):
            raise ReceiptNotFound(RECEIPT_NOT_FOUND_MESSAGE)
        code = new_receipt_code()
        lookup, blob = _sealed(key, locked, voter, ranking, code, box_order(locked.pk, key, box))
        with connection.cursor() as cursor:
            cursor.execute(box_insert_sql(locked.pk), [lookup, blob])
    return code


def _sealed(
    key: bytes,
    contest: Contest,
    voter: Any,
    ranking: Ranking,
    code: str,
    order: list[str] | None,
) -> tuple[str, bytes]:
    """The box row of a ballot: its lookup and its ciphertext (ranks in the box's frozen
    ``order``; JSON in a box opened before orders were frozen)."""
    ranks = ranking.as_dict()
    if order is not None and not set(ranks) <= set(order):
        raise BallotRefused(
            "The candidates on this ballot are not those of the contest; reload the ballot "
            "and rank again."
        )
    lookup = box_lookup(key, voter.pk, code)
    blob = seal_ballot(
        key,
        contest_id=contest.pk,
        lookup=lookup,
        ranks=ranks,
        receipt_hash=receipt_hash(code),
        tracker=ballot_tracker(code, ranks),
        choice_keys=order,
    )
    return lookup, blob


def _lock_open_contest(contest: Contest) -> tuple[Contest, OpenBox | None]:
    """Lock the contest and its election rows and check that the contest takes ballots now;
    return it with its open box's (key id, key check), None when the box is not open yet.

    The lock orders every cast and change against the close: a phase move or the seal wait
    for casts in flight, and a cast that waited then sees the closed contest.
    """
    locked, sealed, box = _lock_shared(contest)
    now = timezone.now()
    if sealed or not locked.is_polling():
        raise NotPolling(f"{locked.name} is not open for voting.")
    if now >= locked.polling_closes_at:
        raise NotPolling(f"Polling in {locked.name} closed at {_when(locked.polling_closes_at)}.")
    if now < locked.polling_opens_at:
        raise NotPolling(f"Polling in {locked.name} opens at {_when(locked.polling_opens_at)}.")
    return locked, box


def _lock_shared(contest: Contest) -> tuple[Contest, bool, OpenBox | None]:
    """Share-lock the election's row, then the contest's; return the contest with what a cast
    depends on read afresh under the locks, whether its ballot box is sealed and its open
    box's (key id, key check).

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
        return (
            locked,
            BallotBoxSeal.objects.filter(contest=locked).exists(),
            open_box(locked.pk),
        )
    with connection.cursor() as cursor:
        # Two statements, run in order in one round trip; the second's row is returned.
        cursor.execute(_share_lock_sql(), [contest.election_id, contest.pk])
        row = cursor.fetchone()
    if row is None:
        raise NotPolling(f"{contest.name} is not open for voting.")
    election = contest.election
    contest.state, contest.roll_id, contest.name, sealed, key_id, check, order = row[:7]
    election.phase, election.polling_opens_at, election.polling_closes_at = row[7:10]
    election.email_deadline = row[10]
    if key_id is None:
        return contest, bool(sealed), None
    return contest, bool(sealed), (key_id, check, bytes(order) if order is not None else None)


@cache
def _share_lock_sql() -> str:
    election = Election._meta.db_table
    contest = Contest._meta.db_table
    seal = BallotBoxSeal._meta.db_table
    box = BallotBox._meta.db_table
    # The election's columns are read in the second statement, under the first one's lock.
    return (
        f"SELECT 1 FROM {election} WHERE id = %s FOR SHARE; "  # noqa: S608
        f"SELECT c.state, c.roll_id, c.name, EXISTS "
        f"(SELECT 1 FROM {seal} s WHERE s.contest_id = c.id), "
        f"(SELECT b.key_id FROM {box} b WHERE b.contest_id = c.id), "
        f"(SELECT b.key_check FROM {box} b WHERE b.contest_id = c.id), "
        f"(SELECT b.choice_order FROM {box} b WHERE b.contest_id = c.id), "
        "e.phase, e.polling_opens_at, e.polling_closes_at, e.email_deadline "
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


def _record_vote(contest: Contest, voter: Any, row: tuple[str, bytes]) -> bool:
    """If ``voter`` is on the contest's roll, write their voter record and their ballot's box
    ``row`` and return True; otherwise write nothing and return False. Raises IntegrityError
    if they have voted already.

    Every cast runs this, so it is written out rather than left to the ORM, whose save
    machinery costs several times the inserts themselves; on PostgreSQL the roll test and
    both inserts are one statement, one round trip. Only the voter's addresses verified before
    the election's e-mail deadline count (read under the election's lock, as the poll's dates).
    """
    deadline = contest.election.email_deadline
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            roll_test = roll_test_parameters(contest.roll_id, voter.pk, deadline)
            arguments = [contest.pk, voter.pk, *roll_test, *row]
            cursor.execute(_cast_sql(contest.pk), arguments)
            return cursor.rowcount == 1
        entry = (
            user_roll_entry_id(voter, contest.roll_id, email_deadline=deadline)
            if contest.roll_id
            else None
        )
        if entry is None:
            return False
        cursor.execute(_record_insert_sql(), [contest.pk, voter.pk, entry])
        cursor.execute(box_insert_sql(contest.pk), list(row))
    return True


@cache
def _record_insert_sql() -> str:
    table = VoterRecord._meta.db_table
    return f"INSERT INTO {table} (contest_id, user_id, roll_entry_id) VALUES (%s, %s, %s)"  # noqa: S608


def _cast_sql(contest_id: int) -> str:
    """PostgreSQL: the voter record, as the person on the roll the voter is (no row when
    they are not on it), and then the box row."""

    return (
        f"WITH record AS (INSERT INTO {VoterRecord._meta.db_table} "  # noqa: S608
        f"(contest_id, user_id, roll_entry_id) SELECT %s, %s, entry.entry_id FROM "
        f"({_roll_entry()}) entry RETURNING contest_id) "
        f"INSERT INTO {box_table(contest_id)} (lookup, sealed) "
        "SELECT %s, %s FROM record"
    )


@cache
def _roll_entry() -> str:
    return roll_entry_sql("postgresql")


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
