"""Reads of the audit log: the chain's check, its published head, details of entries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Func, OuterRef, Subquery

from audit.chain import GENESIS_HASH, entry_problem
from audit.models import AuditEntry


@dataclass(frozen=True)
class AuditHead:
    """The latest entry of the chain: its hash, and how many entries lead up to it.

    Published with every election and result: the hash vouches for every entry before it, so
    anyone holding it can later ask whether the history it covers is still there.
    """

    entry_hash: str
    position: int  # 1 for the first entry of the chain


@dataclass(frozen=True)
class ChainBreak:
    """The first entry at which the chain stops holding, and why."""

    entry_id: int
    position: int
    action: str
    target: str
    problem: str


@dataclass(frozen=True)
class ChainVerdict:
    """The result of walking the whole chain, and of looking for a published head in it."""

    entry_count: int
    head: AuditHead | None
    first_break: ChainBreak | None
    break_count: int
    # Where the head asked about was found (None: not asked, or not in the chain).
    published_head_position: int | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def audit_head() -> AuditHead | None:
    """The chain's current head, read in one query (None while the log is empty)."""
    row = (
        AuditEntry.objects.order_by("-pk")
        .annotate(
            position=Subquery(
                AuditEntry.objects.filter(pk__lte=OuterRef("pk"))
                .order_by()
                # COUNT as a plain function: an aggregate here would group by every column.
                .annotate(total=Func(F("pk"), function="COUNT"))
                .values("total")[:1]
            )
        )
        .values_list("entry_hash", "position")
        .first()
    )
    return AuditHead(entry_hash=row[0], position=row[1]) if row else None


def audit_head_at(entry: AuditEntry) -> AuditHead:
    """The head of the chain when ``entry`` was its latest entry."""
    position = AuditEntry.objects.filter(pk__lte=entry.pk).count()
    return AuditHead(entry_hash=entry.entry_hash, position=position)


def audit_chain_verify(*, head: str | None = None) -> ChainVerdict:
    """Walk the whole chain in insertion order: every entry's hash and its link to the one
    before, and, when ``head`` is given, where that earlier published head is in it.

    A rewritten history (an entry changed or removed, then every later hash recomputed so
    the chain holds again) no longer contains the heads published before the rewrite.
    """
    expected_previous = GENESIS_HASH
    first_break: ChainBreak | None = None
    break_count = 0
    found_at: int | None = None
    position = 0
    last_hash = ""
    for entry in AuditEntry.objects.order_by("pk").iterator():
        position += 1
        problem = entry_problem(entry, expected_previous=expected_previous)
        if problem is not None:
            break_count += 1
            if first_break is None:
                first_break = ChainBreak(
                    entry_id=entry.pk,
                    position=position,
                    action=entry.action,
                    target=entry.target,
                    problem=problem,
                )
        if head is not None and entry.entry_hash == head and found_at is None:
            found_at = position
        expected_previous = last_hash = entry.entry_hash
    return ChainVerdict(
        entry_count=position,
        head=AuditHead(entry_hash=last_hash, position=position) if position else None,
        first_break=first_break,
        break_count=break_count,
        published_head_position=found_at,
    )


def audit_chain_breaks() -> list[int]:
    """Primary keys of audit entries whose hash or link to the previous entry is wrong.

    Empty when the log is intact. Walks the chain in insertion order.
    """
    broken: list[int] = []
    expected_previous = GENESIS_HASH
    for entry in AuditEntry.objects.order_by("pk").iterator():
        if entry_problem(entry, expected_previous=expected_previous) is not None:
            broken.append(entry.pk)
        expected_previous = entry.entry_hash
    return broken


def audit_details(*, action: str, target: str) -> list[dict]:
    """The details of the entries of ``action`` on ``target``, oldest first."""
    return list(
        AuditEntry.objects.filter(action=action, target=target)
        .order_by("pk")
        .values_list("detail", flat=True)
    )
