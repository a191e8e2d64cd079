"""The audit log moved from the elections app to its own without copying a row: entries
written before the move are the same entries after it, and the chain still holds."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from audit.chain import GENESIS_HASH, entry_digest

BEFORE = [("elections", "0003_election_auto_publish_results"), ("audit", None)]
AFTER = [("elections", "0004_auditentry_moves_to_audit"), ("audit", "0001_initial")]


def _migrate(targets: list[tuple[str, str | None]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_entries_written_before_the_move_are_kept_and_still_chain() -> None:
    import datetime

    _migrate(BEFORE)  # the log still belongs to the elections app
    created_at = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    digest = entry_digest(
        previous_hash=GENESIS_HASH,
        created_at=created_at,
        actor_label="system",
        action="election.create",
        target="election:1",
        detail={"slug": "2027-1"},
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO elections_auditentry (created_at, actor_label, action, target, detail,"
            " previous_hash, entry_hash) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                created_at,
                "system",
                "election.create",
                "election:1",
                json.dumps({"slug": "2027-1"}),
                GENESIS_HASH,
                digest,
            ],
        )
    try:
        _migrate(AFTER)
        from audit.models import AuditEntry
        from audit.selectors import audit_chain_breaks

        (entry,) = AuditEntry.objects.all()
        assert entry.entry_hash == digest and entry.target == "election:1"
        assert audit_chain_breaks() == []
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # back to today
