"""Reads of the audit log."""

from __future__ import annotations

from audit.chain import GENESIS_HASH, entry_digest
from audit.models import AuditEntry


def audit_chain_breaks() -> list[int]:
    """Primary keys of audit entries whose hash or link to the previous entry is wrong.

    Empty when the log is intact. Walks the chain in insertion order.
    """
    broken: list[int] = []
    expected_previous = GENESIS_HASH
    for entry in AuditEntry.objects.order_by("pk").iterator():
        digest = entry_digest(
            previous_hash=entry.previous_hash,
            created_at=entry.created_at,
            actor_label=entry.actor_label,
            action=entry.action,
            target=entry.target,
            detail=entry.detail,
        )
        if entry.previous_hash != expected_previous or digest != entry.entry_hash:
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
