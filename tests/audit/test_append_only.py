"""The audit table refuses UPDATE and DELETE in the database itself (PostgreSQL), and nothing
the application does needs either: people the log names cannot be deleted."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test import RequestFactory

from accounts.models import User
from audit.actions import audit_record
from audit.models import AuditEntry
from audit.selectors import audit_chain_breaks
from tests.audit.tampering import TABLE

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)


def _entries(official: Any, count: int = 3) -> list[AuditEntry]:
    return [
        audit_record(actor=official, action="test", target=f"x:{n}", detail={"n": n})
        for n in range(count)
    ]


@on_postgresql
def test_postgresql_refuses_a_raw_update_of_an_audit_row(official: Any) -> None:
    entry = _entries(official)[1]
    with pytest.raises(IntegrityError, match="append-only: UPDATE of audit entry"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET target = %s WHERE id = %s",  # noqa: S608
                ["x:99", entry.pk],
            )
    assert AuditEntry.objects.get(pk=entry.pk).target == "x:1"
    assert audit_chain_breaks() == []


@on_postgresql
def test_postgresql_refuses_a_raw_delete_of_an_audit_row(official: Any) -> None:
    entries = _entries(official)
    with pytest.raises(IntegrityError, match="append-only: DELETE of audit entry"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [entries[1].pk])  # noqa: S608
    assert AuditEntry.objects.count() == 3
    assert audit_chain_breaks() == []


@on_postgresql
def test_postgresql_refuses_queryset_updates_and_deletes_that_skip_the_model(
    official: Any,
) -> None:
    _entries(official)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(target="x:0").update(target="x:99")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert sorted(AuditEntry.objects.values_list("target", flat=True)) == ["x:0", "x:1", "x:2"]


@on_postgresql
def test_the_trigger_is_installed_by_the_audit_migration() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [TABLE],
        )
        assert [row[0] for row in cursor.fetchall()] == ["audit_entry_append_only"]


def test_appending_still_works_and_chains_with_the_trigger_in_place(official: Any) -> None:
    entries = _entries(official, count=5)
    assert [e.previous_hash for e in entries[1:]] == [e.entry_hash for e in entries[:-1]]
    assert AuditEntry.objects.count() == 5 and audit_chain_breaks() == []


def test_a_person_the_log_names_cannot_be_deleted_and_their_entries_stay(
    official: Any, make_user: Any
) -> None:
    """PROTECT, not SET_NULL: deleting them would rewrite their entries (an UPDATE the
    trigger refuses, a 500); Django refuses first, naming the entries, and changes nothing."""
    entries = _entries(official, count=2)
    bystander = make_user("bystander@example.org")
    with pytest.raises(ProtectedError, match="AuditEntry.actor"):
        official.delete()
    assert User.objects.filter(pk=official.pk).exists()
    assert list(AuditEntry.objects.filter(actor=official).order_by("pk")) == entries
    assert audit_chain_breaks() == []
    bystander.delete()  # someone the log does not name goes as before
    assert not User.objects.filter(pk=bystander.pk).exists()


def test_the_admin_deletion_page_would_list_the_entries_instead_of_failing(
    official: Any, make_user: Any
) -> None:
    """Any admin that offers to delete people gets Django's "cannot delete" page, which lists
    the protected audit entries, rather than an error from the database."""
    _entries(official, count=2)
    superuser = make_user("root@example.org", is_staff=True, is_superuser=True)
    request = RequestFactory().get("/")
    request.user = superuser
    user_admin = admin.ModelAdmin(User, admin.site)
    _, _, _, protected = user_admin.get_deleted_objects([official], request)
    assert len(protected) == 2 and all("test" in str(entry) for entry in protected)
