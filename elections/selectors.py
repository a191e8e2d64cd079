"""Reads of the elections app that are more than one line of ORM."""

from __future__ import annotations

from typing import Any

from elections.audit import GENESIS_HASH, entry_digest
from elections.models import AuditEntry, Contest


def user_is_elector(user: Any, contest: Contest) -> bool:
    """True when ``user`` may vote in ``contest``: one of their verified addresses is on the
    contest's frozen roll. False for anonymous users and before the roll is frozen."""
    if not getattr(user, "is_authenticated", False):
        return False
    roll_id = getattr(contest, "roll_id", None)
    if roll_id is None:
        return False
    from accounts.selectors import user_on_roll

    return user_on_roll(user, contest.roll)


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
