"""What someone with the database owner's rights could do to the audit table, for the tests
that show it is caught: rows edited or removed behind the application's back, and the whole
history rewritten so that every hash holds again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from audit.chain import GENESIS_HASH, entry_digest
from audit.models import AuditEntry

TABLE = AuditEntry._meta.db_table
TRIGGER = "audit_entry_append_only"


@contextmanager
def append_only_trigger_disabled() -> Iterator[None]:
    """The owner's way round the trigger (PostgreSQL); SQLite has none to disable."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")


def raw_update_target(entry_id: int, target: str) -> None:
    with append_only_trigger_disabled(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET target = %s WHERE id = %s", [target, entry_id])  # noqa: S608


def raw_delete(entry_id: int) -> None:
    with append_only_trigger_disabled(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [entry_id])  # noqa: S608


def rewrite_hashes() -> None:
    """Recompute every entry's link and hash in order, as a careful forger would."""
    previous = GENESIS_HASH
    with append_only_trigger_disabled(), connection.cursor() as cursor:
        entries = list(AuditEntry.objects.order_by("pk"))
        # Out of the way first: both hash columns are unique.
        cursor.execute(
            f"UPDATE {TABLE} SET previous_hash = 'x' || id, entry_hash = 'y' || id"  # noqa: S608
        )
        for entry in entries:
            digest = entry_digest(
                previous_hash=previous,
                created_at=entry.created_at,
                actor_label=entry.actor_label,
                action=entry.action,
                target=entry.target,
                detail=entry.detail,
            )
            cursor.execute(
                f"UPDATE {TABLE} SET previous_hash = %s, entry_hash = %s WHERE id = %s",  # noqa: S608
                [previous, digest, entry.pk],
            )
            previous = digest


def raw_truncate() -> None:
    """Empty the table the way the trigger lets through (TRUNCATE; SQLite has none)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {TABLE}")
        else:
            cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608
