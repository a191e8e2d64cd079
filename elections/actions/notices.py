"""An election's own words for its notices (``elections.notices``), set by its officials: the
mail to each person, and the announcement to the election's list (``audience="list"``)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction

from audit.actions import audit_record, audit_target
from elections.actions.errors import ElectionError
from elections.models import Election, InvitationKind, NoticeAudience, NoticeTemplate
from elections.notices import ANNOUNCED, LIST_ONLY, NoticeTextError, notice_text_check
from elections.permissions import refusal_reason


def _authorise(actor: Any, election: Election, kind: str, audience: str) -> None:
    reason = refusal_reason(actor, election)
    if reason:
        raise ElectionError(reason)
    if kind not in InvitationKind.values:
        raise ElectionError(f"No notice is called {kind!r}.")
    if audience == NoticeAudience.LIST and kind not in ANNOUNCED:
        raise ElectionError(f"{InvitationKind(kind).label} is never announced to the list.")
    if audience == NoticeAudience.PEOPLE and kind in LIST_ONLY:
        raise ElectionError(f"{InvitationKind(kind).label} goes to the announcement list only.")
    if audience not in NoticeAudience.values:
        raise ElectionError(f"No audience is called {audience!r}.")


@transaction.atomic
def notice_text_set(
    *,
    election: Election,
    kind: str,
    actor: Any,
    subject: str,
    body: str,
    audience: str = NoticeAudience.PEOPLE,
) -> NoticeTemplate:
    """Replace the default text of one notice for this election (to each person, or the
    announcement to the list); refused, changing nothing, when a placeholder is unknown (or,
    in an announcement, one person's), or the link or the opt-out link is missing."""
    _authorise(actor, election, kind, audience)
    try:
        text = notice_text_check(subject, body, kind, audience)
    except NoticeTextError as error:
        raise ElectionError(str(error)) from None
    notice, _ = NoticeTemplate.objects.update_or_create(
        election=election,
        kind=kind,
        audience=audience,
        defaults={"subject": text.subject, "body": text.body},
    )
    audit_record(
        actor=actor,
        action="election.notice_text_set",
        target=audit_target(election),
        detail={
            "kind": kind,
            "audience": audience,
            "sha256": hashlib.sha256(f"{text.subject}\n{text.body}".encode()).hexdigest(),
        },
    )
    return notice


@transaction.atomic
def notice_text_reset(
    *, election: Election, kind: str, actor: Any, audience: str = NoticeAudience.PEOPLE
) -> bool:
    """Go back to the default text of one notice; True if the election had its own."""
    _authorise(actor, election, kind, audience)
    deleted, _ = NoticeTemplate.objects.filter(
        election=election, kind=kind, audience=audience
    ).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="election.notice_text_reset",
            target=audit_target(election),
            detail={"kind": kind, "audience": audience},
        )
    return bool(deleted)
