"""``manage.py audit_verify``: the whole chain checked, and a head published earlier looked
for in it, so that even a history rewritten with every hash recomputed is caught."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.actions import audit_record
from audit.models import AuditEntry
from audit.selectors import audit_chain_breaks, audit_head
from tests.audit.tampering import raw_delete, raw_truncate, raw_update_target, rewrite_hashes

pytestmark = pytest.mark.django_db


def _verify(*args: str) -> str:
    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def entries(official: Any) -> list[AuditEntry]:
    return [
        audit_record(actor=official, action="test.step", target=f"x:{n}", detail={"n": n})
        for n in range(4)
    ]


def test_an_intact_chain_is_reported_intact_with_its_head(entries: list[AuditEntry]) -> None:
    out = _verify()
    assert "The audit chain is intact: 4 entries" in out
    assert f"head {entries[-1].entry_hash} (entry 4)" in out


def test_an_earlier_head_still_in_the_chain_is_confirmed(entries: list[AuditEntry]) -> None:
    out = _verify("--head", entries[1].entry_hash.upper())  # as copied, in any case
    assert f"The head {entries[1].entry_hash} is entry 2" in out


def test_the_published_head_is_the_latest_entry_with_its_position(
    entries: list[AuditEntry],
) -> None:
    head = audit_head()
    assert head is not None
    assert (head.entry_hash, head.position) == (entries[-1].entry_hash, 4)


def test_an_edited_entry_is_named_as_the_first_break(entries: list[AuditEntry]) -> None:
    raw_update_target(entries[1].pk, "x:99")
    with pytest.raises(CommandError) as refused:
        _verify()
    assert refused.value.returncode == 1
    message = str(refused.value)
    assert f"first is entry 2 (id {entries[1].pk}, test.step on x:99)" in message
    assert "hash does not match its content" in message


def test_a_removed_entry_is_named_at_the_entry_after_it(entries: list[AuditEntry]) -> None:
    raw_delete(entries[1].pk)
    with pytest.raises(CommandError) as refused:
        _verify()
    assert refused.value.returncode == 1
    assert f"(id {entries[2].pk}, test.step on x:2)" in str(refused.value)
    assert "does not link to the entry before it" in str(refused.value)


def test_a_rewritten_history_is_caught_by_a_head_published_before_it(
    entries: list[AuditEntry],
) -> None:
    published = audit_head()
    assert published is not None
    raw_delete(entries[1].pk)
    rewrite_hashes()
    # Every hash holds again: the chain alone cannot tell.
    assert audit_chain_breaks() == []
    assert "The audit chain is intact: 3 entries" in _verify()
    # The head published before the rewrite can.
    with pytest.raises(CommandError) as refused:
        _verify("--head", published.entry_hash)
    assert refused.value.returncode == 1
    assert f"The head {published.entry_hash} is not in the audit chain" in str(refused.value)


def test_an_emptied_log_is_caught_by_a_head_published_before(
    entries: list[AuditEntry],
) -> None:
    """TRUNCATE (the owner's, or Django's test flush) is not blocked: the head catches it."""
    published = entries[-1].entry_hash
    raw_truncate()
    assert "The audit log is empty" in _verify()
    with pytest.raises(CommandError, match="is not in the audit chain"):
        _verify("--head", published)


@pytest.mark.parametrize("head", ["abc", "z" * 64, "0" * 63, ""])
def test_a_head_that_is_not_an_entry_hash_is_a_clear_error(
    entries: list[AuditEntry], head: str
) -> None:
    with pytest.raises(CommandError) as refused:
        _verify("--head", head)
    assert refused.value.returncode == 2
    assert "is not an audit head: give the 64 hexadecimal digits" in str(refused.value)
