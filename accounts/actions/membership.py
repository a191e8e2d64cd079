"""Importing the Foundation membership list: the list replaces the one before, whole."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from accounts.membership import MemberRecord
from accounts.models import Member, MemberAddress
from audit.actions import audit_record


@dataclass(frozen=True)
class MembershipImportReport:
    members: int
    addresses: int
    added: int
    removed: int


@transaction.atomic
def members_import(
    *, members: Sequence[MemberRecord], actor: Any = None, source: str = ""
) -> MembershipImportReport:
    """Replace the membership with ``members`` (one audit entry: who came and went), so that
    a member who left is no longer one. All or nothing."""
    before = set(Member.objects.values_list("member_id", flat=True))
    after = {record.member_id for record in members}
    MemberAddress.objects.all().delete()
    Member.objects.exclude(member_id__in=after).delete()
    existing = {m.member_id: m for m in Member.objects.all()}
    rows = []
    for record in members:
        member = existing.get(record.member_id) or Member(member_id=record.member_id)
        member.name = record.name[:200]
        member.affiliation = record.affiliation[:200]
        member.since = record.since
        rows.append(member)
    Member.objects.bulk_create([m for m in rows if m.pk is None], batch_size=1000)
    Member.objects.bulk_update(
        [m for m in rows if m.pk is not None], ["name", "affiliation", "since"], batch_size=1000
    )
    ids = dict(Member.objects.values_list("member_id", "pk"))
    MemberAddress.objects.bulk_create(
        [
            MemberAddress(member_id=ids[record.member_id], email=address[:254])
            for record in members
            for address in record.addresses
        ],
        batch_size=1000,
    )
    report = MembershipImportReport(
        members=len(after),
        addresses=sum(len(record.addresses) for record in members),
        added=len(after - before),
        removed=len(before - after),
    )
    audit_record(
        actor=actor,
        action="members.import",
        target="member:*",
        detail={
            "source": source,
            "members": report.members,
            "addresses": report.addresses,
            "added": sorted(after - before)[:1000],
            "removed": sorted(before - after)[:1000],
        },
    )
    return report
