"""The signed-in person's own standing: for each roll, whether they are on it and why.

Read from their *verified* addresses only (the rule ``accounts.selectors.roll_compute``
applies); an unverified address is listed without a word about its contributions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.db.models import Count, Max, Min

from accounts import conf
from accounts.commitlog import normalise_email
from accounts.electorate import Window
from accounts.email_deadline import addresses_verified_late
from accounts.governance import extra_ac_counts
from accounts.models import (
    Contribution,
    ExtraVoter,
    IdentityLink,
    MemberAddress,
    Repository,
    Team,
    TeamRepository,
    VoterExclusion,
)
from accounts.selectors import ALL_SCOPE_LABEL, _counting_ownerships, _window


@dataclass(frozen=True)
class RepositoryActivity:
    repository: str
    count: int
    first: datetime
    last: datetime


@dataclass(frozen=True)
class ScopeEligibility:
    """Where one user stands for one roll (a team, or the TC) in the window."""

    scope: str
    team: Team | None
    on_roll: bool
    contributions: int
    needed: int
    repositories: tuple[RepositoryActivity, ...]
    first: datetime | None
    last: datetime | None
    additions: tuple[str, ...]
    excluded: bool
    # Would be on the roll, but the election requires Foundation membership and they are not
    # a member: the only reason they cannot vote.
    not_member: bool = False


@dataclass(frozen=True)
class Eligibility:
    """The user's standing, from their verified addresses only. ``unverified`` lists the
    addresses they added but have not verified, with nothing read about them: anyone can add
    anyone's address, so its contributions are shown only once its owner has proved it."""

    window: Window
    verified: tuple[str, ...]
    scopes: tuple[ScopeEligibility, ...]
    unverified: tuple[str, ...] = ()
    # Other addresses a roll counts as the same person (one Gerrit account seen under them),
    # with what joins them: one vote for all of them.
    joined: tuple[tuple[str, str], ...] = ()
    # Verified addresses that do not count: verified at or after the election's e-mail
    # deadline, with when each was verified.
    late: tuple[tuple[str, datetime], ...] = ()
    # The election requires Foundation individual membership (its rolls count members only),
    # and whether one of the user's addresses belongs to a member (and which).
    membership_required: bool = False
    member_addresses: tuple[str, ...] = ()

    @property
    def member(self) -> bool:
        return bool(self.member_addresses)


def eligibility_explain(
    *,
    user: Any,
    start: date | datetime | None = None,
    end: date | datetime | None = None,
    min_contributions: int | None = None,
    email_deadline: datetime | None = None,
    members_only: bool = False,
) -> Eligibility:
    """For the user's own page: for the TC and each team they contributed to, whether they
    are on the roll and why.

    Only the user's own *verified* addresses are read; the rule is the one ``roll_compute``
    applies. An unverified address is listed without a word about its contributions: anyone
    can add someone else's address, unverified, and must learn nothing from it. Addresses
    verified at or after ``email_deadline`` (the election's) are listed as late, not counted.
    ``members_only``: the election requires Foundation membership, so a roll holds the user
    only when one of their addresses (or one joined to them) belongs to a member, as
    ``accounts.selectors.members_only_keep`` decides for the frozen roll.
    Long because each roll's answer (on it, why, or what would put them on it) is built from
    the same few reads; split up, every part would read them again.
    """
    window = _window(start, end)
    needed = min_contributions or conf.min_contributions()
    rows = EmailAddress.objects.filter(user=user).values_list("email", "verified")
    verified = {normalise_email(e) for e, ok in rows if ok}
    unverified = {normalise_email(e) for e, ok in rows if not ok} - verified
    late = addresses_verified_late(user, email_deadline)
    verified -= {address for address, _ in late}
    bots = conf.bot_emails()

    # (address, repository) → count, first, last
    activity = (
        Contribution.objects.filter(
            email__in=verified - bots,
            date__gte=window.start,
            date__lt=window.end,
        )
        .values("email", "repository_id")
        .annotate(count=Count("id"), first=Min("date"), last=Max("date"))
        .order_by()
    )
    rows_by_repo: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in activity:
        rows_by_repo[row["repository_id"]].append(row)
    names = dict(Repository.objects.filter(pk__in=rows_by_repo).values_list("pk", "name"))
    teams_of: dict[int, set[int]] = defaultdict(set)
    for repository_id, team_id in TeamRepository.objects.filter(
        _counting_ownerships(window), repository_id__in=rows_by_repo
    ).values_list("repository_id", "team_id"):
        teams_of[repository_id].add(team_id)

    additions = [
        v
        for v in ExtraVoter.objects.filter(email__in=verified)
        if v.expires_on is None or extra_ac_counts(expires_on=v.expires_on, window_end=window.end)
    ]
    exclusions = list(VoterExclusion.objects.filter(email__in=verified))
    team_ids = {t for ids in teams_of.values() for t in ids} | {
        v.team_id for v in additions if v.team_id
    }
    teams = {t.pk: t for t in Team.objects.filter(pk__in=team_ids)}

    joined = _joined_addresses(verified)
    member_addresses = tuple(
        sorted(
            MemberAddress.objects.filter(
                email__in=verified | {address for address, _ in joined}
            ).values_list("email", flat=True)
        )
    )
    barred = members_only and not member_addresses

    def scope(team: Team | None) -> ScopeEligibility:
        in_scope = [
            r for r in rows_by_repo if teams_of[r] and (team is None or team.pk in teams_of[r])
        ]
        mine = [row for r in in_scope for row in rows_by_repo[r] if row["email"] in verified]
        count = sum(row["count"] for row in mine)
        reasons = tuple(
            sorted({v.reason for v in additions if team is None or v.team_id == team.pk})
        )
        excluded = any(e.team_id is None or (team and e.team_id == team.pk) for e in exclusions)
        qualifies = (count >= needed or bool(reasons)) and not excluded
        return ScopeEligibility(
            scope=team.name if team else ALL_SCOPE_LABEL,
            team=team,
            on_roll=qualifies and not barred,
            contributions=count,
            needed=needed,
            repositories=_by_repository(mine, names),
            first=min((row["first"] for row in mine), default=None),
            last=max((row["last"] for row in mine), default=None),
            additions=reasons,
            excluded=excluded,
            not_member=qualifies and barred,
        )

    scopes = [scope(None)] + [
        scope(team) for team in sorted(teams.values(), key=lambda t: t.name.lower())
    ]
    return Eligibility(
        window=window,
        verified=tuple(sorted(verified)),
        scopes=tuple(scopes),
        unverified=tuple(sorted(unverified)),
        joined=joined,
        late=late,
        membership_required=members_only,
        member_addresses=member_addresses,
    )


def _joined_addresses(verified: set[str]) -> tuple[tuple[str, str], ...]:
    """(address, why) for each address joined to ``verified`` by a shared identity."""
    identities = IdentityLink.objects.filter(email__in=verified).values("identity")
    joined = (
        IdentityLink.objects.filter(identity__in=identities)
        .exclude(email__in=verified)
        .values_list("email", "identity")
    )
    found: dict[str, str] = {}
    for email, identity in joined:
        kind, _, name = identity.partition(":")
        why = f"the same Gerrit account ({'id ' if kind == 'gerrit' else ''}{name})"
        found.setdefault(email, why)
    return tuple(sorted(found.items()))


def _by_repository(
    rows: list[dict[str, Any]], names: dict[int, str]
) -> tuple[RepositoryActivity, ...]:
    merged: dict[int, list[Any]] = {}
    for row in rows:
        entry = merged.setdefault(row["repository_id"], [0, row["first"], row["last"]])
        entry[0] += row["count"]
        entry[1] = min(entry[1], row["first"])
        entry[2] = max(entry[2], row["last"])
    return tuple(
        sorted(
            (RepositoryActivity(names[r], c, f, last) for r, (c, f, last) in merged.items()),
            key=lambda a: (-a.count, a.repository),
        )
    )
