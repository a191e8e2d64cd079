"""Reads of eligibility data: rolls as they stand, who is on a frozen roll, and why.

The rule itself (grouping addresses into voters, thresholds, fingerprint) is the pure
``accounts.electorate``; these functions gather its inputs from the database.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache, cached_property
from typing import Any

from allauth.account.models import EmailAddress
from django.db import connection, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet

from accounts import conf
from accounts.commitlog import normalise_email
from accounts.electorate import (
    Account,
    Addition,
    Tally,
    Voter,
    Window,
    collector_paused,
    electorate_build,
    join_identities,
)
from accounts.electorate import roll_fingerprint as fingerprint_of
from accounts.governance import extra_ac_counts
from accounts.membership import NoMembershipList
from accounts.models import (
    Contribution,
    EmailVerification,
    ExtraVoter,
    IdentityLink,
    MemberAddress,
    Repository,
    Roll,
    RollAddress,
    Team,
    TeamKind,
    TeamRepository,
    VoterExclusion,
)

ALL_SCOPE = "all"
ALL_SCOPE_LABEL = "Technical Committee (all official repositories)"


@dataclass(frozen=True)
class ComputedRoll:
    """A roll as it stands now (not frozen): voters sorted by address, and the fingerprint."""

    scope: str
    team_id: int | None
    window: Window
    min_contributions: int
    voters: tuple[Voter, ...]
    # Limited to Foundation individual members: how many would have been on it otherwise.
    members_only: bool = False
    not_members: int = 0

    @cached_property
    def emails(self) -> tuple[str, ...]:
        return tuple(voter.email for voter in self.voters)

    @cached_property
    def fingerprint(self) -> str:
        return fingerprint_of(self.emails)

    def as_json(self) -> dict[str, Any]:
        """``{"scope", "start", "end", "emails", "fingerprint"}``; dates as UTC days when
        they fall on midnight, else full ISO 8601."""
        return {
            "scope": self.scope,
            "start": _day_or_moment(self.window.start),
            "end": _day_or_moment(self.window.end),
            "emails": list(self.emails),
            "fingerprint": self.fingerprint,
        }


def _day_or_moment(moment: datetime) -> str:
    if (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0):
        return moment.date().isoformat()
    return moment.isoformat()


def _window(start: date | datetime | None, end: date | datetime | None) -> Window:
    default = conf.eligibility_window()
    return Window(
        conf.as_utc_datetime(start) if start is not None else default.start,
        conf.as_utc_datetime(end) if end is not None else default.end,
    )


def ptl_teams() -> QuerySet[Team]:
    """Teams with a PTL in the governance data: official, listed, not retired, and not led
    by a distributed or no leadership (OpenStack charter: those hold no PTL election)."""
    return (
        Team.objects.filter(kind=TeamKind.OFFICIAL, listed=True, retired_on__isnull=True)
        .exclude(leadership_type__in=["distributed", "none"])
        .order_by("name")
    )


def team_find(name: str) -> Team:
    """A team by exact name, then by short name (slug), then ignoring case.

    Raises ``Team.DoesNotExist`` with the closest names in the message.
    """
    for lookup in ({"name": name}, {"slug": name}, {"name__iexact": name}):
        team = Team.objects.filter(**lookup).first()
        if team is not None:
            return team

    names = list(Team.objects.values_list("name", flat=True))
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise Team.DoesNotExist(f"Unknown team {name!r}.{hint}")


def _counting_ownerships(window: Window) -> Q:
    # Current ownership always counts; a retired team's or deliverable's repositories count
    # while the retirement is inside the window (legacy.yaml; openstack/election owners.py).
    return ~Q(source=TeamKind.LEGACY) | Q(
        source=TeamKind.LEGACY, retired_on__gte=window.start.date()
    )


def scope_repository_ids(*, team: Team | None, window: Window) -> list[int]:
    """Repositories whose contributions count for ``team``'s roll, or (``None``) for the
    roll of all official repositories: projects.yaml teams, TC and SIG repositories, and
    those of teams retired inside the window (OpenStack TC charter, TC electorate)."""
    ownerships = TeamRepository.objects.filter(_counting_ownerships(window))
    if team is not None:
        ownerships = ownerships.filter(team=team)
    return sorted(set(ownerships.values_list("repository_id", flat=True)))


def _verified_accounts(emails: Iterable[str] | None = None) -> dict[str, Account]:
    """Every verified address (normalised) → its account; unverified addresses never link."""
    rows = EmailAddress.objects.filter(verified=True).values_list(
        "user_id", "email", "primary", "user__full_name"
    )
    by_user: dict[int, list[tuple[str, bool, str]]] = defaultdict(list)
    for user_id, email, primary, full_name in rows:
        by_user[user_id].append((normalise_email(email), primary, full_name))
    wanted = set(emails) if emails is not None else None
    accounts: dict[str, Account] = {}
    for user_id, addresses in by_user.items():
        verified = frozenset(a for a, _, _ in addresses)
        if wanted is not None and verified.isdisjoint(wanted):
            continue
        primary = next((a for a, is_primary, _ in addresses if is_primary), min(verified))
        account = Account(key=user_id, address=primary, name=addresses[0][2], verified=verified)
        for address in verified:
            accounts[address] = account
    return accounts


def _identity_links() -> list[tuple[str, str]]:
    """(identity, address) pairs the contribution data holds: one Gerrit account seen under
    several addresses."""
    return list(IdentityLink.objects.values_list("identity", "email"))


def _additions(*, team: Team | None, window: Window) -> list[Addition]:
    voters = ExtraVoter.objects.all() if team is None else ExtraVoter.objects.filter(team=team)
    # OpenStack extra-ACs rule: counts while the window ends before the first day of the
    # expires-in month (00:00 UTC); hand-added voters follow the same rule with their date.
    return [
        Addition(email=v.email, name=v.name, reason=v.reason)
        for v in voters.only("email", "name", "reason", "expires_on")
        if v.expires_on is None or extra_ac_counts(expires_on=v.expires_on, window_end=window.end)
    ]


def _exclusions(team: Team | None) -> set[str]:
    exclusions = VoterExclusion.objects.filter(Q(team__isnull=True) | Q(team=team))
    return set(exclusions.values_list("email", flat=True))


@collector_paused()
def roll_compute(
    *,
    team: Team | None,
    start: date | datetime | None = None,
    end: date | datetime | None = None,
    min_contributions: int = 1,
    listed: Sequence[Addition] = (),
    commits: bool = True,
    scope: str = "",
    members_only: bool = False,
) -> ComputedRoll:
    """The roll of ``team`` (``None``: all official repositories) for [start, end), now.

    ``listed`` adds one contest's own voters (an uploaded list, a governance member list),
    joined with accounts like hand-added voters; with ``commits=False`` they are the whole
    roll (no contributions, no extra-ACs), under ``scope``.

    Every contributor with at least ``min_contributions`` counted contributions, plus
    unexpired extra-ACs and hand-added voters, minus exclusions and bots; addresses verified
    on one account, or seen under one Gerrit account, are one voter (``join_identities``).
    Dates are UTC days; the default window is the settings'. ``members_only``: only voters
    one of whose addresses belongs to a Foundation individual member (``members_only_keep``);
    ``NoMembershipList`` when no membership list has been imported. Built with the garbage
    collector paused (``collector_paused``).

    Long because the tallies, the additions, the accounts joined into people and the
    membership filter are one computation over the same reads; split up, each part would
    pass them all along.
    """
    if members_only and not membership_known():
        raise NoMembershipList(
            "Only Foundation individual members may vote, but no membership list has been "
            "imported (manage.py import_members FILE): the roll would be empty."
        )
    window = _window(start, end)
    repository_ids = scope_repository_ids(team=team, window=window)
    tallies = Contribution.objects.filter(
        repository_id__in=repository_ids, date__gte=window.start, date__lt=window.end
    ).exclude(email__in=conf.bot_emails())
    grouped = tallies.values("email").annotate(count=Count("*"), name=Max("name")).order_by()
    if not commits:
        grouped = grouped.none()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Room to group every address in memory (a hash aggregate, not a sort on disk).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'")
        rows = [
            Tally(email, name or "", count)
            for email, count, name in grouped.values_list("email", "count", "name")
        ]
    additions = [*(_additions(team=team, window=window) if commits else ()), *listed]
    people = join_identities(_verified_accounts(), _identity_links())
    voters = electorate_build(
        tallies=rows,
        accounts=people,
        additions=additions,
        excluded=_exclusions(team) | conf.bot_emails(),
        min_contributions=min_contributions,
    )
    everyone = len(voters)
    if members_only:
        voters = members_only_keep(voters, people)
    return ComputedRoll(
        scope=scope or (team.name if team is not None else ALL_SCOPE),
        team_id=team.pk if team is not None else None,
        window=window,
        min_contributions=min_contributions,
        voters=voters,
        members_only=members_only,
        not_members=everyone - len(voters),
    )


def members_only_keep(voters: Sequence[Voter], people: dict[str, Account]) -> tuple[Voter, ...]:
    """The voters who are Foundation individual members (OpenStack charter: the electorate
    is the individual members who contributed): one of their addresses, those that put them
    on the roll or any other joined to them (verified on their account, one Gerrit account),
    is an address of a member in the imported list."""
    member_addresses = set(MemberAddress.objects.values_list("email", flat=True))
    kept = []
    for voter in voters:
        person = people.get(voter.email)
        addresses = {voter.email, *voter.addresses, *(person.verified if person else ())}
        if not member_addresses.isdisjoint(addresses):
            kept.append(voter)
    return tuple(kept)


def user_verified_addresses(user: Any) -> set[str]:
    """The user's verified allauth addresses, normalised."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return {
        normalise_email(e)
        for e in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    }


def user_on_roll(user: Any, roll: Roll | int, *, email_deadline: datetime | None = None) -> bool:
    """Whether ``user`` is on the frozen ``roll`` (or roll id): one of their *verified*
    addresses is the address of an entry or one that made the entry eligible. Unverified
    addresses never count, nor those verified at or after the election's ``email_deadline``;
    anonymous users are on no roll.

    One query, written out because every cast asks it: the ORM would spend more time
    building it than the database spends answering it.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    roll_id = roll.pk if isinstance(roll, Roll) else roll
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 WHERE {on_roll_sql(connection.vendor)}",
            roll_test_parameters(roll_id, user.pk, email_deadline),
        )
        return cursor.fetchone() is not None


def user_roll_entry_id(
    user: Any, roll: Roll | int, *, email_deadline: datetime | None = None
) -> int | None:
    """The entry (the person) ``user`` is on the frozen ``roll`` as, or None: the first
    entry one of their verified addresses (verified before ``email_deadline``) belongs to."""
    if not getattr(user, "is_authenticated", False):
        return None
    roll_id = roll.pk if isinstance(roll, Roll) else roll
    with connection.cursor() as cursor:
        cursor.execute(
            roll_entry_sql(connection.vendor),
            roll_test_parameters(roll_id, user.pk, email_deadline),
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


# An election without an e-mail deadline counts every verified address: the statements
# compare with this instead, so that they keep one shape and one list of parameters.
_NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)


def roll_test_parameters(
    roll_id: int | None, user_id: int, email_deadline: datetime | None
) -> list[Any]:
    """The parameters of ``on_roll_sql`` and ``roll_entry_sql``, in order: the roll, the
    account and the election's e-mail deadline (None: no deadline)."""
    deadline = connection.ops.adapt_datetimefield_value(email_deadline or _NO_DEADLINE)
    return [roll_id, user_id, deadline]


@cache
def roll_entry_sql(vendor: str) -> str:
    """A query of one column, the id of the roll entry (parameters: ``roll_test_parameters``)
    that the account votes as; no row when the account is not on the roll. A cast
    inserts the voter record from it, so that one person votes once whatever their accounts."""
    roll_address = RollAddress._meta.db_table
    return (
        f"SELECT r.entry_id FROM {roll_address} r WHERE r.roll_id = %s AND "  # noqa: S608
        f"{_matching_addresses(vendor)} ORDER BY r.entry_id LIMIT 1"
    )


def _matching_addresses(vendor: str) -> str:
    """The condition on a roll address ``r``: one of the account's addresses that count."""
    email_address = EmailAddress._meta.db_table
    verification = EmailVerification._meta.db_table
    # Addresses on a roll are stored lower-cased and trimmed; the account's are compared
    # the same way (accounts.commitlog.normalise_email). Only addresses verified before the
    # election's e-mail deadline count; one verified before verification times were recorded
    # (accounts migration 0005) has no record and counts as verified long ago.
    addresses = (
        f"SELECT LOWER(TRIM(a.email)) FROM {email_address} a "  # noqa: S608
        f"LEFT JOIN {verification} v ON v.email_address_id = a.id "
        "WHERE a.user_id = %s AND a.verified "
        "AND (v.verified_at IS NULL OR v.verified_at < %s OR v.by_invitation)"
    )
    if vendor == "postgresql":
        # The account's few addresses are gathered first, then looked up in the roll's
        # (roll, email) index. As a plain IN (subquery) the planner may instead walk the
        # whole roll, when its statistics still say the tables are small: a roll of 50,000
        # frozen just before the polls open made every cast scan all of it.
        return f"r.email = ANY(ARRAY({addresses}))"
    return f"r.email IN ({addresses})"


@cache
def on_roll_sql(vendor: str) -> str:
    """An SQL condition, true when the account is on the roll (parameters:
    ``roll_test_parameters``): ``user_on_roll`` for statements that test it on the way."""
    roll_address = RollAddress._meta.db_table
    return (
        f"EXISTS (SELECT 1 FROM {roll_address} r WHERE r.roll_id = %s "  # noqa: S608
        f"AND {_matching_addresses(vendor)})"
    )


def roll_verify(roll: Roll) -> bool:
    """Whether the stored entries still hash to the stored fingerprint."""
    emails = roll.entries.order_by().values_list("email", flat=True)
    return fingerprint_of(emails) == roll.fingerprint


# --- "Am I eligible?" -------------------------------------------------------------------


def member_affiliations(emails: Iterable[str]) -> dict[str, str]:
    """Address → the affiliation of the Foundation member it belongs to (members only)."""
    wanted = {normalise_email(e) for e in emails}
    return dict(
        MemberAddress.objects.filter(email__in=wanted).values_list("email", "member__affiliation")
    )


def user_is_member(user: Any) -> bool:
    """One of the user's verified addresses belongs to a Foundation individual member."""
    addresses = user_verified_addresses(user)
    return bool(addresses) and MemberAddress.objects.filter(email__in=addresses).exists()


def membership_known() -> bool:
    """A membership list has been imported."""
    return MemberAddress.objects.exists()


def team_repositories_never_ingested(team: Team) -> tuple[int, list[str]]:
    """(the team's current repositories, the names of those never ingested: no git ingest
    state and no contribution stored), so that a roll of nobody is not taken for a team
    nobody contributed to."""
    repositories = Repository.objects.filter(
        ownerships__team=team, ownerships__retired_on__isnull=True
    ).distinct()
    never = repositories.filter(ingest_state__isnull=True).exclude(
        pk__in=Contribution.objects.values("repository_id")
    )
    return repositories.count(), sorted(never.values_list("name", flat=True))


def teams_without_ingested_repositories(teams: Iterable[Team]) -> list[Team]:
    """Those of ``teams`` none of whose current repositories was ever ingested (or which own
    none): ``team_repositories_never_ingested`` for many teams in one query."""
    teams = list(teams)
    ingested = Repository.objects.filter(
        Q(ingest_state__isnull=False)
        | Exists(Contribution.objects.filter(repository_id=OuterRef("pk")))
    )
    with_data = set(
        TeamRepository.objects.filter(
            team__in=teams, retired_on__isnull=True, repository__in=ingested
        ).values_list("team_id", flat=True)
    )
    return [team for team in teams if team.pk not in with_data]
