"""Freezing a roll: an immutable snapshot of an electorate with its fingerprint; audited."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime

from django.db import connection, transaction

from accounts import conf
from accounts.electorate import Addition, Voter, Window
from accounts.models import (
    Roll,
    RollAddress,
    RollEntry,
    Team,
    User,
)
from accounts.selectors import roll_compute
from audit.actions import audit_record, audit_target

logger = logging.getLogger(__name__)


# --- Rolls -------------------------------------------------------------------------------


def roll_freeze(
    *,
    team: Team | None,
    start: date | datetime,
    end: date | datetime,
    min_contributions: int | None = None,
    created_by: User | None = None,
    listed: Sequence[Addition] = (),
    commits: bool = True,
    scope: str = "",
    members_only: bool = False,
) -> Roll:
    """Compute the roll of ``team`` (``None``: every official repository) for the window
    [start, end) and freeze it: the snapshot and its fingerprint never change, whatever is
    ingested later. Dates are UTC days. ``listed``, ``commits`` and ``scope``: a contest's
    own voter list, added to the contributors or alone (``roll_compute``). ``members_only``:
    Foundation individual members only; the audit entry says how many were left out, and
    ``NoMembershipList`` is raised when no list has been imported.

    Long because the snapshot, its entries and its audit entry (everything that changes who
    may vote) are written in one transaction from the one computed roll."""

    computed = roll_compute(
        team=team,
        start=start,
        end=end,
        min_contributions=min_contributions or conf.min_contributions(),
        listed=listed,
        commits=commits,
        scope=scope,
        members_only=members_only,
    )
    with transaction.atomic():
        roll = Roll.objects.create(
            team=team,
            scope=computed.scope,
            start=computed.window.start,
            end=computed.window.end,
            min_contributions=computed.min_contributions,
            fingerprint=computed.fingerprint,
            size=len(computed.voters),
            created_by=created_by,
        )
        _roll_entries_store(roll, computed.voters)
        audit_record(
            actor=created_by,
            action="roll.freeze",
            target=audit_target(roll),
            detail={
                "team": team.slug if team else None,
                "scope": roll.scope,
                "start": roll.start,
                "end": roll.end,
                "min_contributions": roll.min_contributions,
                "fingerprint": roll.fingerprint,
                "size": roll.size,
                **({"listed": len(listed), "commits": commits} if listed or not commits else {}),
                # Who may vote changed: contributors who are not members are left out.
                **(
                    {"members_only": True, "not_members": computed.not_members}
                    if members_only
                    else {}
                ),
            },
        )
    return roll


def _roll_entries_store(roll: Roll, voters: Sequence[Voter]) -> None:
    names = [voter.name[:200] for voter in voters]
    reasons = ["; ".join(voter.reasons)[:500] for voter in voters]
    addresses = [sorted({voter.email, *voter.addresses}) for voter in voters]
    if connection.vendor == "postgresql":
        # Two statements for any size of roll (the TC roll has tens of thousands of voters).
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {RollEntry._meta.db_table} "  # noqa: S608 - fixed identifiers
                "(roll_id, email, name, contributions, reasons) "
                "SELECT %s, * FROM unnest(%s::varchar[], %s::varchar[], %s::int[], %s::varchar[])"
                " RETURNING id, email",
                [
                    roll.pk,
                    [v.email for v in voters],
                    names,
                    [v.contributions for v in voters],
                    reasons,
                ],
            )
            ids = {email: pk for pk, email in cursor.fetchall()}
            entry_ids = [
                ids[v.email] for v, mine in zip(voters, addresses, strict=True) for _ in mine
            ]
            cursor.execute(
                f"INSERT INTO {RollAddress._meta.db_table} "  # noqa: S608 - fixed identifiers
                "(roll_id, entry_id, email) SELECT %s, * FROM unnest(%s::bigint[], %s::varchar[])",
                [roll.pk, entry_ids, [a for mine in addresses for a in mine]],
            )
        return
    entries = RollEntry.objects.bulk_create(
        [
            RollEntry(
                roll=roll,
                email=voter.email,
                name=name,
                contributions=voter.contributions,
                reasons=reason,
            )
            for voter, name, reason in zip(voters, names, reasons, strict=True)
        ],
        batch_size=2000,
    )
    RollAddress.objects.bulk_create(
        [
            RollAddress(roll=roll, entry=entry, email=address)
            for entry, mine in zip(entries, addresses, strict=True)
            for address in mine
        ],
        batch_size=2000,
    )


def window_of(start: date | datetime, end: date | datetime) -> Window:
    """The qualifying window [start, end) from dates (UTC days) or aware datetimes."""
    return Window(conf.as_utc_datetime(start), conf.as_utc_datetime(end))
