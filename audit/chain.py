"""The hash chain of the audit log: how an entry's content is turned into its hash.

PURE (standard library only), so that anyone holding an export of the log can re-check it with
the same function (``audit.selectors.audit_chain_breaks`` does exactly that).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from typing import Any, Protocol

# The first entry chains to this instead of a previous hash.
GENESIS_HASH = "0" * 64

# What a published head looks like: an entry's hash, 64 lower-case hexadecimal digits.
ENTRY_HASH_RE = re.compile(r"[0-9a-f]{64}")


class ChainedEntry(Protocol):
    """The stored fields of an entry that its hash covers, plus the hash itself."""

    previous_hash: str
    entry_hash: str
    created_at: datetime.datetime
    actor_label: str
    action: str
    target: str
    detail: Any


def entry_digest(
    *,
    previous_hash: str,
    created_at: datetime.datetime,
    actor_label: str,
    action: str,
    target: str,
    detail: dict[str, Any],
) -> str:
    """sha256 of the canonical JSON of one entry's content plus the previous entry's hash."""
    content = {
        "previous_hash": previous_hash,
        "created_at": created_at.astimezone(datetime.UTC).isoformat(),
        "actor": actor_label,
        "action": action,
        "target": target,
        "detail": detail,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def is_entry_hash(text: str) -> bool:
    """True when ``text`` has the form of an entry hash (as published: lower-case hex)."""
    return ENTRY_HASH_RE.fullmatch(text) is not None


def entry_problem(entry: ChainedEntry, *, expected_previous: str) -> str | None:
    """What is wrong with one entry of the chain, or None when it holds.

    ``expected_previous`` is the stored hash of the entry before it (``GENESIS_HASH`` for the
    first). An edited entry no longer matches its own hash; a removed one leaves the entry
    after it linked to a hash that is no longer there.
    """
    if entry.previous_hash != expected_previous:
        return "it does not link to the entry before it (an entry was removed or inserted)"
    digest = entry_digest(
        previous_hash=entry.previous_hash,
        created_at=entry.created_at,
        actor_label=entry.actor_label,
        action=entry.action,
        target=entry.target,
        detail=entry.detail,
    )
    if digest != entry.entry_hash:
        return "its hash does not match its content (the entry was changed)"
    return None
