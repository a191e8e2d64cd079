"""The one writer of the audit log: ``audit_record`` appends an entry to the hash chain."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from audit.chain import GENESIS_HASH, entry_digest
from audit.models import AuditEntry

# Key of the PostgreSQL advisory lock that serialises appends to the audit chain.
_AUDIT_LOCK_KEY = 0x5354_4B56  # "STKV"


def actor_label(actor: Any) -> str:
    """What the log calls an actor: their address, or "system" for the scheduler and tasks."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "system"
    return str(actor.email)


def audit_target(instance: Any) -> str:
    """A stored object as the log names it: "<model>:<pk>"."""
    return f"{instance._meta.model_name}:{instance.pk}"


@transaction.atomic
def audit_record(*, actor: Any, action: str, target: str, detail: dict[str, Any]) -> AuditEntry:
    """Append one entry to the hash-chained audit log and return it.

    ``actor`` is the user who made the change (None for the scheduler), ``action`` a dotted
    verb such as ``election.phase_move``, ``target`` the object as "<model>:<pk>" and
    ``detail`` a JSON-serialisable dict (from/to/reason ...). Called inside the action's own
    transaction, so the entry exists exactly when the change does.
    """
    # Appends are serialised so that two writers never chain to the same predecessor
    # (``previous_hash`` is also unique, as a backstop). SQLite serialises writes itself.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_AUDIT_LOCK_KEY])
    last = AuditEntry.objects.order_by("-pk").values_list("entry_hash", flat=True).first()
    previous_hash = last or GENESIS_HASH
    # Round-trip through JSON so the hashed detail is exactly what the database returns.
    stored_detail = json.loads(json.dumps(detail, cls=DjangoJSONEncoder))
    created_at = timezone.now()
    label = actor_label(actor)
    entry = AuditEntry(
        created_at=created_at,
        actor=actor if label != "system" else None,
        actor_label=label,
        action=action,
        target=target,
        detail=stored_detail,
        previous_hash=previous_hash,
        entry_hash=entry_digest(
            previous_hash=previous_hash,
            created_at=created_at,
            actor_label=label,
            action=action,
            target=target,
            detail=stored_detail,
        ),
    )
    entry.save(force_insert=True)
    return entry
