"""Reads of the voting app: where a person may vote, turnout, receipts, ballots for the tally.

Nothing here returns who cast which ballot: the schema cannot say it (docs/secrecy.md).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Count
from django.utils import timezone

from accounts.email_deadline import user_address_verification_times, verified_in_time
from accounts.models import RollAddress, RollEntry
from audit.selectors import audit_details
from elections.markdown import render_markdown
from elections.models import CandidacyState, Contest, ContestState, Election, Phase
from elections.selectors import roll_size
from elections.voting.ballot_reads import (
    sealed_ballot_for_receipt,
    sealed_ballots,
    sealed_choice_keys,
    sealed_receipt_hashes,
)
from elections.voting.ballot_reads import sealed_ballots_digest_now as _digest_now
from elections.voting.boxcrypt import box_lookup, box_table, key_check, unpack_ranks
from elections.voting.keys import BallotKeyMissing, key_load
from elections.voting.models import BallotBox, BallotBoxSeal, VoterRecord
from elections.voting.receipts import ballot_tracker, canonical_receipt, receipt_hash


@dataclass(frozen=True)
class Turnout:
    """How many have voted in a contest, out of how many may (None before the roll is frozen)."""

    contest: Contest
    voted: int
    electorate: int | None

    @property
    def percent(self) -> float | None:
        if not self.electorate:
            return None
        return round(100 * self.voted / self.electorate, 1)


@dataclass(frozen=True)
class ContestForVoter:
    """One contest open for voting now, seen by one signed-in person."""

    contest: Contest
    is_elector: bool
    has_voted: bool
    # The user's addresses on the roll that were verified at or after the election's e-mail
    # deadline, so do not count for it.
    late_addresses: tuple[str, ...] = ()


def contest_with_election(contest_id: int) -> Contest | None:
    """The contest and its election, from one plain query: the ORM's own way of building
    it costs more than the query on a ballot page or a cast, which both start with it."""
    if not 0 < contest_id < 2**63:  # no such id; SQLite would not even take the number
        return None
    with connection.cursor() as cursor:
        cursor.execute(_contest_with_election_sql(connection.vendor), [contest_id])
        row = cursor.fetchone()
    if row is None:
        return None
    contest_fields = Contest._meta.concrete_fields
    election_fields = Election._meta.concrete_fields
    split = len(contest_fields)
    contest = Contest.from_db(
        connection.alias,
        [field.attname for field in contest_fields],
        _converted(contest_fields, row[:split]),
    )
    contest.election = Election.from_db(
        connection.alias,
        [field.attname for field in election_fields],
        _converted(election_fields, row[split:]),
    )
    return contest


@cache
def _contest_with_election_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(
        [f"c.{quote(field.column)}" for field in Contest._meta.concrete_fields]
        + [f"e.{quote(field.column)}" for field in Election._meta.concrete_fields]
    )
    return (
        f"SELECT {columns} FROM {Contest._meta.db_table} c "  # noqa: S608
        f"JOIN {Election._meta.db_table} e ON e.id = c.election_id WHERE c.id = %s"
    )


def _converted(fields: Any, values: Any) -> list[Any]:
    """Values as the ORM would hand them over (on SQLite, dates arrive as text)."""
    out = []
    converters = _field_converters(connections[DEFAULT_DB_ALIAS], tuple(fields))
    for (column, field_converters), value in zip(converters, values, strict=True):
        for converter in field_converters:
            value = converter(value, column, connection)
        out.append(value)
    return out


# Each connection's converters per field list: working them out field by field cost more than
# the query itself on every ballot page and cast (most fields have none on PostgreSQL).
_CONVERTERS: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], list[Any]]] = (
    weakref.WeakKeyDictionary()
)


def _field_converters(wrapper: Any, fields: tuple[Any, ...]) -> list[tuple[Any, list[Any]]]:
    per_connection = _CONVERTERS.setdefault(wrapper, {})
    converters = per_connection.get(fields)
    if converters is None:
        converters = []
        for field in fields:
            column = field.cached_col
            converters.append(
                (column, wrapper.ops.get_db_converters(column) + column.get_db_converters(wrapper))
            )
        per_connection[fields] = converters
    return converters


def takes_ballots(contest: Contest) -> bool:
    """The contest is polling, inside its polling dates, and its ballot box is not sealed.

    The same conditions ``actions.ballot_cast`` checks under its lock; pages use this to
    offer a ballot only when casting it can succeed.
    """
    now = timezone.now()
    return (
        contest.is_polling()
        and contest.polling_opens_at <= now < contest.polling_closes_at
        and not BallotBoxSeal.objects.filter(contest=contest).exists()
    )


def polling_contests() -> list[Contest]:
    """Contests taking ballots now, in the order of their elections' calendars."""
    now = timezone.now()
    return list(
        Contest.objects.filter(
            election__phase=Phase.POLLING,
            state=ContestState.POLLING,
            election__polling_opens_at__lte=now,
            election__polling_closes_at__gt=now,
        )
        .exclude(ballot_box_seal__isnull=False)
        .select_related("election", "roll")
        .order_by("election__polling_closes_at", "election__name", "name")
    )


def contests_for_voter(user: Any) -> list[ContestForVoter]:
    """Every contest polling now, with whether ``user`` may vote in it and has voted.

    A constant number of queries however many contests poll: the electorate test is the
    rule of ``accounts.selectors.user_on_roll`` (one of the user's *verified* addresses is
    on the frozen roll, verified before the election's e-mail deadline), asked of every roll
    at once.
    """

    contests = polling_contests()
    voted = set(
        VoterRecord.objects.filter(user=user, contest__in=contests).values_list(
            "contest_id", flat=True
        )
    )
    verified_at = user_address_verification_times(user)
    roll_ids = {contest.roll_id for contest in contests if contest.roll_id is not None}
    on_rolls: dict[int, set[str]] = {}
    if verified_at and roll_ids:
        for roll_id, email in RollAddress.objects.filter(
            roll_id__in=roll_ids, email__in=verified_at
        ).values_list("roll_id", "email"):
            on_rolls.setdefault(roll_id, set()).add(email)
    rows = []
    for contest in contests:
        deadline = contest.election.email_deadline
        mine = on_rolls.get(contest.roll_id, set()) if contest.roll_id is not None else set()
        counted = {email for email in mine if verified_in_time(verified_at[email], deadline)}
        rows.append(
            ContestForVoter(
                contest=contest,
                is_elector=bool(counted),
                has_voted=contest.pk in voted,
                late_addresses=tuple(sorted(mine - counted)),
            )
        )
    return rows


def user_has_voted(user: Any, contest: Contest) -> bool:
    return VoterRecord.objects.filter(contest=contest, user=user).exists()


def electorate_size(contest: Contest) -> int | None:
    """How many people are on the contest's frozen roll; None while it has none."""

    if contest.roll_id is None:
        return None
    return roll_size(contest.roll)


def turnout(contest: Contest) -> Turnout:
    return Turnout(
        contest=contest,
        voted=VoterRecord.objects.filter(contest=contest).count(),
        electorate=electorate_size(contest),
    )


def turnouts(contests: Iterable[Contest]) -> list[Turnout]:
    """Turnout of several contests with one count query."""
    contests = list(contests)
    counts = dict(
        VoterRecord.objects.filter(contest__in=contests)
        .order_by()
        .values("contest_id")
        .annotate(voted=Count("id"))
        .values_list("contest_id", "voted")
    )
    return [
        Turnout(
            contest=contest, voted=counts.get(contest.pk, 0), electorate=electorate_size(contest)
        )
        for contest in contests
    ]


# Contests that went to a poll: acclaimed ones and those nobody stood in had no ballots.
POLLED_STATES = (
    ContestState.POLLING,
    ContestState.CLOSED,
    ContestState.TALLIED,
    ContestState.PUBLISHED,
)


@dataclass(frozen=True)
class ElectionTurnoutInPeople:
    """An election's turnout in people: those on the roll of at least one of its polled
    contests, and those of them who voted in at least one. One person on the PTL and the TC
    roll is one person, whether they voted in one contest or both. The API, the results page
    and the officials' pages show this one figure."""

    electorate: int | None
    voted: int
    ballots: int

    @property
    def percent(self) -> float | None:
        if not self.electorate:
            return None
        return round(100 * self.voted / self.electorate, 1)


def election_turnout_in_people(election: Election) -> ElectionTurnoutInPeople:
    polled = list(
        Contest.objects.filter(election=election, state__in=POLLED_STATES).values_list(
            "pk", "roll_id"
        )
    )
    rolls = [roll_id for _, roll_id in polled if roll_id is not None]
    records = VoterRecord.objects.filter(contest_id__in=[pk for pk, _ in polled]).values_list(
        "roll_entry__email", "user_id"
    )
    # A person is their roll entry's address: the same on each roll frozen at one time.
    people = {email or f"account:{user_id}" for email, user_id in records}
    electorate = (
        RollEntry.objects.filter(roll_id__in=rolls).values("email").distinct().count()
        if rolls
        else None
    )
    return ElectionTurnoutInPeople(electorate=electorate, voted=len(people), ballots=len(records))


def ballot_box_seal(contest: Contest) -> BallotBoxSeal | None:
    return BallotBoxSeal.objects.filter(contest=contest).first()


def receipts_are_public(contest: Contest) -> bool:
    """After the close: polling has stopped and the ballot box is sealed."""
    return not contest.is_polling() and BallotBoxSeal.objects.filter(contest=contest).exists()


def counted_receipt_hashes(contest: Contest) -> list[str]:
    """The receipt hashes of the contest's counted ballots, sorted (the order says nothing).

    Empty until the ballot box is sealed at the close: before that the set is still changing
    and publishing it would only help someone watch who votes when.
    """
    if not receipts_are_public(contest):
        return []
    return [hashed.decode("ascii") for hashed in sealed_receipt_hashes(contest).tolist()]


@dataclass(frozen=True)
class ReceiptCheck:
    """What a receipt says about a sealed contest: ``state`` is "counted" (its ballot was
    counted and still says what was cast), "altered" (its ballot was counted but its ranking
    no longer matches its tracker: it was changed after the cast) or "not found"."""

    state: str
    tracker: str = ""


def receipt_check(contest: Contest, receipt: str) -> ReceiptCheck:
    """Check ``receipt`` (as typed) against the sealed contest's ballots.

    The tracker is recomputed from the receipt and the stored ranking: nobody without the
    receipt can make a changed ranking match it. The ranking itself is never returned: a
    receipt shown to someone else must not tell them how its voter voted.
    """
    canonical = canonical_receipt(receipt)
    if canonical is None or not receipts_are_public(contest):
        return ReceiptCheck("not found")
    ballot = sealed_ballot_for_receipt(contest, receipt_hash(canonical))
    if ballot is None:
        return ReceiptCheck("not found")
    try:
        ranks = unpack_ranks(sealed_choice_keys(contest), ballot.ranks)
    except ValueError:
        return ReceiptCheck("altered")
    if ballot_tracker(canonical, ranks) != ballot.tracker:
        return ReceiptCheck("altered")
    return ReceiptCheck("counted", ballot.tracker)


def receipt_is_counted(contest: Contest, receipt: str) -> bool:
    """True when ``receipt`` (as typed) belongs to a counted, unaltered ballot."""
    return receipt_check(contest, receipt).state == "counted"


def ballot_exists_for_receipt(contest: Contest, voter: Any, receipt: str) -> bool:
    """While polling: is ``receipt`` the receipt of ``voter``'s current ballot in ``contest``?
    (For changing a vote; another voter's receipt is not.)"""
    canonical = canonical_receipt(receipt)
    box = BallotBox.objects.filter(contest=contest).values_list("key_id", "key_check").first()
    if canonical is None or box is None:
        return False
    try:
        key = key_load(box[0])
    except BallotKeyMissing:
        return False
    if key_check(key) != box[1]:
        return False
    lookup = box_lookup(key, voter.pk, canonical)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {box_table(contest.pk)} WHERE lookup = %s",  # noqa: S608
            [lookup],
        )
        return cursor.fetchone() is not None


def audited_seal_digests(contest: Contest) -> list[str]:
    """The ballot digests the audit trail recorded for the contest's seal."""
    details = audit_details(action="ballots.seal", target=f"contest:{contest.pk}")
    return [str(detail.get("digest", "")) for detail in details]


def sealed_ballots_digest_now(contest: Contest) -> str:
    """The digest of the contest's sealed ballots as they are stored now (to compare with the
    one recorded at the seal)."""
    return _digest_now(contest)


def ballot_rankings(contest: Contest) -> list[dict[str, int]]:
    """Every ballot of the contest as ``{choice key: rank}`` (ranked choices only; 1 is best).

    For the tally, after ``actions.ballots_seal``. A choice missing from a ballot
    is unranked: below every ranked choice, level with the other unranked ones. In the order
    they are stored (by receipt hash), so the order carries nothing either.
    """
    ballots = sealed_ballots(contest)
    keys = ballots.choice_keys
    return [
        {key: int(rank) for key, rank in zip(keys, row, strict=True) if rank}
        for row in ballots.ranks.tolist()
    ]


def ballot_boxes_without_key() -> list[int]:
    """Contests whose open ballot box has no key, or another key, in this process's key
    directory: their ballots can be neither changed nor sealed (docs/operations.md)."""
    missing: list[int] = []
    boxes = BallotBox.objects.values_list("contest_id", "key_id", "key_check")
    for contest_id, key_id, check in boxes:
        try:
            key = key_load(key_id)
        except BallotKeyMissing:
            missing.append(contest_id)
            continue
        if key_check(key) != check:
            missing.append(contest_id)
    return sorted(missing)


@dataclass(frozen=True)
class ChoiceDetails:
    """What a voter can read about one thing on the ballot: a platform or an option's text."""

    key: str
    label: str
    affiliation: str
    html: str


def ballot_choice_details(contest: Contest, order: Iterable[str]) -> list[ChoiceDetails]:
    """The approved candidates' platforms (or the options' descriptions) of ``contest``, in the
    ballot's own ``order`` of choice keys (the voter's shuffle: no candidate comes first)."""
    if contest.has_candidates:
        details = {
            candidacy.choice_key: ChoiceDetails(
                key=candidacy.choice_key,
                label=candidacy.candidate.display_name,
                affiliation=candidacy.affiliation,
                html=candidacy.platform_html,
            )
            for candidacy in contest.candidacies.filter(state=CandidacyState.APPROVED)
            .select_related("candidate")
            .order_by()
        }
    else:
        details = {
            option.choice_key: ChoiceDetails(
                key=option.choice_key,
                label=option.name,
                affiliation="",
                html=render_markdown(option.description) if option.description else "",
            )
            for option in contest.options.order_by()
        }
    return [details[key] for key in order if key in details]
