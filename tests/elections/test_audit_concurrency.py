"""The audit chain stays one chain when many writers append at once (PostgreSQL)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from audit.actions import audit_record
from audit.models import AuditEntry
from audit.selectors import audit_chain_breaks

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_appends_never_fork_the_chain() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")
    writers, per_writer = 8, 10
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def append(number: int) -> None:
        try:
            start.wait()
            for entry in range(per_writer):
                audit_record(
                    actor=None,
                    action="test.concurrent",
                    target=f"writer:{number}",
                    detail={"entry": entry},
                )
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)
        finally:
            connections.close_all()

    threads: list[Any] = [threading.Thread(target=append, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert AuditEntry.objects.count() == writers * per_writer
    assert audit_chain_breaks() == []
