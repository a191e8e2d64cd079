"""An election's own words for its notices (``elections.notices``), set by its officials."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction

from audit.actions import audit_record, audit_target
from elections.actions.errors import ElectionError
from elections.models import Election, InvitationKind, NoticeTemplate
from elections.notices import NoticeTextError, notice_text_check
from elections.permissions import refusal_reason


def _authorise(actor: Any, election: Election, kind: str) -> None:
    reason = refusal_reason(actor, election)
    if reason:
        raise ElectionError(reason)
    if kind not in InvitationKind.values:
        raise ElectionError(f"No notice is called {kind!r}.")


@transaction.atomic
def notice_text_set(
    *, election: Election, kind: str, actor: Any, subject: str, body: str
) -> NoticeTemplate:
    """Replace the default text of one notice for this election; refused, changing nothing,
    when a placeholder is unknown or the link or the opt-out link is missing."""
    _authorise(actor, election, kind)
    try:
        text = notice_text_check(subject, body, kind)
    except NoticeTextError as error:
        raise ElectionError(str(error)) from None
    notice, _ = NoticeTemplate.objects.update_or_create(
        election=election, kind=kind, defaults={"subject": text.subject, "body": text.body}
    )
    audit_record(
        actor=actor,
        action="election.notice_text_set",
        target=audit_target(election),
        detail={
            "kind": kind,
            "sha256": hashlib.sha256(f"{text.subject}\n{text.body}".encode()).hexdigest(),
        },
    )
    return notice


@transaction.atomic
def notice_text_reset(*, election: Election, kind: str, actor: Any) -> bool:
    """Go back to the default text of one notice; True if the election had its own."""
    _authorise(actor, election, kind)
    deleted, _ = NoticeTemplate.objects.filter(election=election, kind=kind).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="election.notice_text_reset",
            target=audit_target(election),
            detail={"kind": kind},
        )
    return bool(deleted)
