"""The hash chain of the audit log: how an entry's content is turned into its hash.

PURE (standard library only), so that anyone holding an export of the log can re-check it with
the same function (``audit.selectors.audit_chain_breaks`` does exactly that).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

# The first entry chains to this instead of a previous hash.
GENESIS_HASH = "0" * 64


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
