"""E-mail bodies: each notification kind renders two templates, a subject and a body.

Templates live in ``templates/elections/email/<kind>_subject.txt`` and ``<kind>_body.txt`` so
that a community can reword them without touching code.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from elections import conf
from elections.invitation_links import invitation_url
from elections.models import Invitation, Notification


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


def invitation_message(invitation: Invitation) -> EmailMessage:
    """The invitation for one roll entry: the same words whether or not the address has an
    account, so the mail tells nobody which addresses do."""
    contest = invitation.contest
    context = {
        "site_name": conf.site_name(),
        "site_url": conf.site_url().rstrip("/"),
        "contest": contest,
        "election": contest.election,
        "entry": invitation.roll_entry,
        "roll": contest.roll,
        "link": invitation_url(invitation.pk),
        "expires_at": invitation.expires_at,
    }
    kind = f"invitation_{invitation.kind}"
    subject = render_to_string(f"elections/email/{kind}_subject.txt", context)
    body = render_to_string(f"elections/email/{kind}_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
    )
