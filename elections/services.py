"""Every state change of the elections app: one keyword-only function per change, atomic.

Views, forms, admin actions and tasks check permissions and validate input, then call one of
these. Each records itself in the audit log with ``audit_record``; side effects (e-mail) are
queued with ``delay_on_commit`` so nothing leaves before the data is committed.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from elections.audit import GENESIS_HASH, entry_digest
from elections.models import AuditEntry

# Key of the PostgreSQL advisory lock that serialises appends to the audit chain.
_AUDIT_LOCK_KEY = 0x5354_4B56  # "STKV"


def _actor_label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "system"
    return str(actor.email)


@transaction.atomic
def audit_record(*, actor: Any, action: str, target: str, detail: dict[str, Any]) -> AuditEntry:
    """Append one entry to the hash-chained audit log and return it.

    ``actor`` is the user who made the change (None for the scheduler), ``action`` a dotted
    verb such as ``election.phase_move``, ``target`` the object as "<model>:<pk>" and
    ``detail`` a JSON-serialisable dict (from/to/reason ...).
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
    actor_label = _actor_label(actor)
    entry = AuditEntry(
        created_at=created_at,
        actor=actor if actor_label != "system" else None,
        actor_label=actor_label,
        action=action,
        target=target,
        detail=stored_detail,
        previous_hash=previous_hash,
        entry_hash=entry_digest(
            previous_hash=previous_hash,
            created_at=created_at,
            actor_label=actor_label,
            action=action,
            target=target,
            detail=stored_detail,
        ),
    )
    entry.save(force_insert=True)
    return entry
