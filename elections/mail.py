"""E-mail bodies: each notification kind renders two templates, a subject and a body.

Templates live in ``templates/elections/email/<kind>_subject.txt`` and ``<kind>_body.txt`` so
that a community can reword them without touching code.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from elections import conf
from elections.invitation_links import invitation_url, opt_out_url
from elections.models import Invitation, InvitationKind, Notification


def notification_context(notification: Notification) -> dict[str, object]:
    contest = notification.contest
    return {
        "site_name": conf.site_name(),
        "site_url": conf.site_url().rstrip("/"),
        "recipient": notification.recipient,
        "contest": contest,
        "election": contest.election,
        "candidacy": notification.candidacy,
    }


def notification_message(notification: Notification) -> EmailMessage:
    """The e-mail for one notification, addressed to the recipient's primary address."""
    context = notification_context(notification)
    subject = render_to_string(f"elections/email/{notification.kind}_subject.txt", context)
    body = render_to_string(f"elections/email/{notification.kind}_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
    )


def _sign_in_link(invitation: Invitation) -> str:
    """The one-step link: the invitation's own, or for a reminder the person's first
    invitation's while it is unused; once used, the ballot (they have an account now)."""
    if invitation.kind == InvitationKind.POLLING_OPEN:
        return invitation_url(invitation.pk)
    first = (
        Invitation.objects.filter(
            contest_id=invitation.contest_id,
            kind=InvitationKind.POLLING_OPEN,
            roll_entry_id=invitation.roll_entry_id,
            used_at__isnull=True,
        )
        .values_list("pk", flat=True)
        .first()
    )
    if first is not None:
        return invitation_url(first)
    return conf.site_url().rstrip("/") + reverse(
        "ballot", kwargs={"contest_id": invitation.contest_id}
    )


def invitation_message(invitation: Invitation) -> EmailMessage:
    """The invitation for one roll entry: the same words whether or not the address has an
    account, so the mail tells nobody which addresses do. Its Message-ID is the invitation's
    own, the same if it is sent again, so a mail system shows a repeat once."""
    contest = invitation.contest
    context = {
        "site_name": conf.site_name(),
        "site_url": conf.site_url().rstrip("/"),
        "contest": contest,
        "election": contest.election,
        "entry": invitation.roll_entry,
        "roll": contest.roll,
        "link": _sign_in_link(invitation),
        "opt_out_link": opt_out_url(contest.election, invitation.email),
        "expires_at": invitation.expires_at,
    }
    kind = f"invitation_{invitation.kind}"
    subject = render_to_string(f"elections/email/{kind}_subject.txt", context)
    body = render_to_string(f"elections/email/{kind}_body.txt", context)
    domain = urlsplit(conf.site_url()).hostname or "localhost"
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
        headers={
            "Message-ID": f"<invitation-{invitation.pk}@{domain}>",
            "List-Unsubscribe": f"<{context['opt_out_link']}>",
        },
    )
