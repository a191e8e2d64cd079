"""E-mail bodies: each notification kind renders two templates, a subject and a body.

Templates live in ``templates/elections/email/<kind>_subject.txt`` and ``<kind>_body.txt`` so
that a community can reword them without touching code.
"""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import get_template, render_to_string
from django.urls import reverse

from elections import conf
from elections.invitation_links import invitation_url, opt_out_url
from elections.models import (
    Announcement,
    Invitation,
    InvitationKind,
    NoticeAudience,
    NoticeTemplate,
    Notification,
)
from elections.notices import (
    POLLING_KINDS,
    NoticeText,
    contest_list,
    notice_render,
    notice_text_parse,
)


def notification_context(notification: Notification) -> dict[str, object]:
    contest = notification.contest
    return {
        "site_name": conf.site_name(),
        "site_url": conf.site_url().rstrip("/"),
        "recipient": notification.recipient,
        "contest": contest,
        "election": contest.election,
        "candidacy": notification.candidacy,
        "exception_request": notification.exception_request,
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
    invitation's while it is unused; once used, the ballot (they have an account now).
    The notices outside polling carry no sign-in: the contest's page, or the results."""
    site_url = conf.site_url().rstrip("/")
    if invitation.kind == InvitationKind.ELECTION_SEASON:
        # The election's pages are the officials' until nominations open: the eligibility
        # page is public.
        return site_url + reverse("eligibility")
    if invitation.kind == InvitationKind.RESULTS:
        return site_url + reverse(
            "results_election", kwargs={"slug": invitation.contest.election.slug}
        )
    if invitation.kind not in POLLING_KINDS:
        return site_url + invitation.contest.get_absolute_url()
    if invitation.kind == InvitationKind.POLLING_OPEN:
        return invitation_url(invitation.pk)
    # The person's one invitation of the election (on the first poll they are on).
    first = (
        Invitation.objects.filter(
            contest__election_id=invitation.contest.election_id,
            kind=InvitationKind.POLLING_OPEN,
            email=invitation.email,
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


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def notice_default(kind: str) -> NoticeText:
    """The notice's default text (``templates/elections/email/notice_<kind>.txt``)."""
    # Read as text (a community may override the file in its own templates directory);
    # its $placeholders are filled in by elections.notices, not by Django's engine.
    source = get_template(f"elections/email/notice_{kind}.txt").template.source
    return notice_text_parse(source, kind)


def notice_text(election: Any, kind: str) -> NoticeText:
    """The election's own text for the notice if its officials wrote one, else the default."""
    own = NoticeTemplate.objects.filter(
        election=election, kind=kind, audience=NoticeAudience.PEOPLE
    ).first()
    if own is not None:
        return NoticeText(subject=own.subject, body=own.body)
    return notice_default(kind)


# --- Announcements to the election's list --------------------------------------------------


def announcement_default(kind: str) -> NoticeText:
    """The announcement's default text (``templates/elections/email/announcement_<kind>.txt``)."""
    source = get_template(f"elections/email/announcement_{kind}.txt").template.source
    return notice_text_parse(source, kind, NoticeAudience.LIST)


def announcement_text(election: Any, kind: str) -> NoticeText:
    """The election's own announcement text for the notice, else the default."""
    own = NoticeTemplate.objects.filter(
        election=election, kind=kind, audience=NoticeAudience.LIST
    ).first()
    if own is not None:
        return NoticeText(subject=own.subject, body=own.body)
    return announcement_default(kind)


def announcement_link(election: Any, kind: str) -> str:
    """The page an announcement points to: the election's public page; before nominations
    open (its pages are the officials' until then) the eligibility page; the results."""
    site_url = conf.site_url().rstrip("/")
    if kind == InvitationKind.ELECTION_SEASON:
        return site_url + reverse("eligibility")
    if kind == InvitationKind.RESULTS:
        return site_url + reverse("results_election", kwargs={"slug": election.slug})
    return site_url + reverse("election_detail", kwargs={"slug": election.slug})


def announcement_facts(election: Any, kind: str) -> dict[str, str]:
    """The facts an announcement's ``$placeholders`` stand for
    (``elections.notices.ANNOUNCEMENT_FACTS``): the election's, no one's own."""
    names = list(election.contests.order_by("pk").values_list("name", flat=True))
    site_url = conf.site_url().rstrip("/")
    return {
        "election": election.name,
        "contests": "\n".join(f"- {name}" for name in names),
        "contest_list": contest_list(names),
        "nominations_opens": _utc(election.nominations_opens_at),
        "nominations_closes": _utc(election.nominations_closes_at),
        "polling_opens": _utc(election.polling_opens_at),
        "polling_closes": _utc(election.polling_closes_at),
        "link": announcement_link(election, kind),
        "eligibility_link": site_url + reverse("eligibility"),
        "site_name": conf.site_name(),
        "site_url": site_url,
    }


def announcement_message(announcement: Announcement) -> EmailMessage:
    """The announcement to the list: plain text, no personal link, no opt-out (the list's own
    rules say who reads it). Its Message-ID is the row's, the same if it is sent again."""
    election = announcement.election
    rendered = notice_render(
        announcement_text(election, announcement.kind),
        announcement_facts(election, announcement.kind),
    )
    domain = urlsplit(conf.site_url()).hostname or "localhost"
    return EmailMessage(
        subject=rendered.subject,
        body=rendered.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[announcement.address],
        headers={"Message-ID": f"<announcement-{announcement.pk}@{domain}>"},
    )


def notice_facts(
    *,
    contest: Any,
    entry: Any,
    link: str,
    opt_out_link: str,
    expires_at: datetime.datetime,
    contests: list[str] | None = None,
) -> dict[str, str]:
    """The facts a notice's ``$placeholders`` stand for (``elections.notices.FACTS``)."""
    roll = contest.roll or contest.nomination_roll or contest.season_roll
    site_url = conf.site_url().rstrip("/")
    names = contests or [contest.name]
    window = f"{roll.start:%Y-%m-%d} to {roll.end:%Y-%m-%d}" if roll is not None else ""
    return {
        "name": entry.name if entry is not None else "",
        "address": entry.email if entry is not None else "",
        "contest": contest.name,
        "contests": "\n".join(f"- {name}" for name in names),
        "contest_list": contest_list(names),
        "election": contest.election.name,
        "nominations_opens": _utc(contest.election.nominations_opens_at),
        "nominations_closes": _utc(contest.election.nominations_closes_at),
        "polling_opens": _utc(contest.polling_opens_at),
        "polling_closes": _utc(contest.polling_closes_at),
        "why": (entry.reasons if entry is not None else "") or "you were added to it",
        "roll_scope": roll.scope if roll is not None else "",
        "roll_window": window,
        "link": link,
        "link_expires": _utc(expires_at),
        "eligibility_link": site_url + reverse("eligibility"),
        "ballot_page": site_url + contest.get_absolute_url(),
        "opt_out_link": opt_out_link,
        "site_name": conf.site_name(),
        "site_url": site_url,
    }


def invitation_message(
    invitation: Invitation, text: NoticeText | None = None, contests: list[str] | None = None
) -> EmailMessage:
    """The invitation for one roll entry: the same words whether or not the address has an
    account, so the mail tells nobody which addresses do. Its Message-ID is the invitation's
    own, the same if it is sent again, so a mail system shows a repeat once."""
    contest = invitation.contest
    opt_out_link = opt_out_url(contest.election, invitation.email)
    facts = notice_facts(
        contest=contest,
        entry=invitation.roll_entry,
        link=_sign_in_link(invitation),
        opt_out_link=opt_out_link,
        expires_at=invitation.expires_at,
        contests=contests,
    )
    rendered = notice_render(text or notice_text(contest.election, invitation.kind), facts)
    domain = urlsplit(conf.site_url()).hostname or "localhost"
    return EmailMessage(
        subject=rendered.subject,
        body=rendered.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
        headers={
            "Message-ID": f"<invitation-{invitation.pk}@{domain}>",
            "List-Unsubscribe": f"<{opt_out_link}>",
        },
    )
