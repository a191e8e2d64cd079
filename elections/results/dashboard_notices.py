"""An election's notices in the officials' panel (``/officials/elections/<slug>/notices/
<kind>/``): the text with the election's facts filled in for a sample person, edited and
previewed before it is saved, or set back to the default."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from accounts.models import RollEntry
from elections import actions as election_actions
from elections.mail import notice_default, notice_facts, notice_text
from elections.models import (
    AnnouncementState,
    Election,
    InvitationKind,
    InvitationState,
    NoticeAudience,
    NoticeRunState,
)
from elections.notices import (
    ANNOUNCED,
    ELECTION_NOTICES,
    FACTS,
    LIST_ONLY,
    NOTICE_PHASES,
    POLLING_KINDS,
    NoticeText,
    NoticeTextError,
    notice_missed,
    notice_render,
    notice_text_check,
)
from elections.results.dashboard_views import _election
from elections.selectors import reminder_counts

SAMPLE = RollEntry(email="jane.doe@example.org", name="Jane Doe", reasons="12 contributions")


class NoticeForm(forms.Form):
    subject = forms.CharField(max_length=300)
    body = forms.CharField(label="Text", widget=forms.Textarea(attrs={"rows": 22, "cols": 90}))


def _preview(election: Election, text: NoticeText, kind: str) -> NoticeText | None:
    contest = election.contests.order_by("kind", "name").first()
    if contest is None:
        return None
    roll = contest.roll or contest.nomination_roll
    entry = RollEntry.objects.filter(roll=roll).order_by("email").first() if roll else None
    if kind == InvitationKind.POLLING_REMINDER:
        entry = None  # a reminder's reader is someone who has not voted: never a real one
    site = "https://…"
    if kind in POLLING_KINDS:
        link = f"{site}/invitation/(the person's own link)/"
    elif kind == InvitationKind.ELECTION_SEASON:
        link = site + reverse("eligibility")
    elif kind == InvitationKind.RESULTS:
        link = site + reverse("results_election", kwargs={"slug": election.slug})
    else:
        link = site + contest.get_absolute_url()
    facts = notice_facts(
        contest=contest,
        entry=entry or SAMPLE,
        contests=[c.name for c in election.contests.order_by("pk")[:3]],
        link=link,
        opt_out_link=f"{site}/opt-out/(the person's own link)/",
        expires_at=contest.polling_closes_at,
    )
    return notice_render(text, facts)


def text_form_step(
    request: HttpRequest,
    election: Election,
    kind: str,
    form: NoticeForm,
    *,
    audience: str,
    preview: Callable[[NoticeText], NoticeText | None],
    saved_message: str,
) -> tuple[HttpResponse | None, NoticeText | None]:
    """The edit page's step for a notice's or an announcement's text: saved (the redirect
    to return) on "save", else checked and previewed; what is wrong goes on the form."""
    if not form.is_valid():
        return None, None
    subject, body = form.cleaned_data["subject"], form.cleaned_data["body"]
    if request.method == "POST" and "save" in request.POST:
        try:
            election_actions.notice_text_set(
                election=election,
                kind=kind,
                actor=request.user,
                subject=subject,
                body=body,
                audience=audience,
            )
        except election_actions.ElectionError as error:
            form.add_error(None, str(error))
            return None, None
        messages.success(request, saved_message)
        return HttpResponseRedirect(request.path), None
    try:
        return None, preview(notice_text_check(subject, body, kind, audience))
    except NoticeTextError as error:
        form.add_error(None, str(error))
        return None, None


def _to_list(election: Election, kind: str, announcements: dict[str, Any]) -> str:
    """What became of the notice's announcement to the election's list, in words."""
    if kind not in ANNOUNCED:
        return "never (one person's own)"
    announcement = announcements.get(kind)
    if announcement is not None:
        if announcement.state == AnnouncementState.SENT:
            return f"sent to {announcement.address} {announcement.sent_at:%Y-%m-%d %H:%M}"
        if announcement.state == AnnouncementState.FAILED:
            return f"failed ({announcement.address}): {announcement.last_error}"
        return f"waiting to go to {announcement.address}"
    if not election.announcement_address:
        return "nowhere to go: the election has no announcement address"
    return f"not yet ({election.announcement_address})"


def calendar_rows(election: Election) -> list[dict[str, object]]:
    """Each notice with its date from the calendar, whether it has gone or was missed, what
    became of its announcement to the list, and whether an official may send it now.

    Long because each column of the officials' table is worked out here, in the calendar's
    order, from the runs, the announcements and the reminders' own record."""
    now = timezone.now()
    runs = {run.kind: run for run in election.notice_runs.all()}
    announcements = {row.kind: row for row in election.announcements.all()}
    opened = election.contests.filter(invitations__kind=InvitationKind.POLLING_OPEN).exists()
    rows = []
    for notice in election_actions.election_notice_calendar(election):
        run = runs.get(notice.kind)
        queued_at = run.queued_at if run and run.state == NoticeRunState.QUEUED else None
        if notice.kind == InvitationKind.POLLING_REMINDER:
            queued_at = election.reminder_queued_at
        if notice.kind == InvitationKind.POLLING_OPEN and notice.kind in announcements:
            queued_at = announcements[notice.kind].queued_at
        missed = (run is not None and run.state == NoticeRunState.MISSED) or (
            run is None
            and queued_at is None
            and notice_missed(notice, now=now, phase=election.phase)
        )
        rows.append(
            {
                "kind": notice.kind,
                "label": InvitationKind(notice.kind).label,
                "due_at": notice.due_at,
                "when": notice.when,
                "queued_at": queued_at,
                "queued": queued_at is not None or (notice.kind == "polling_open" and opened),
                "missed": missed,
                "to_list": _to_list(election, notice.kind, announcements),
                "announced": notice.kind in ANNOUNCED,
                # Sent by hand: an election-wide notice not sent, while its phase lasts.
                "can_send": notice.kind in ELECTION_NOTICES
                and queued_at is None
                and election.phase in NOTICE_PHASES[notice.kind]
                and (notice.kind not in LIST_ONLY or bool(election.announcement_address)),
            }
        )
    return rows


def _post_action(request: HttpRequest, election: Election, kind: str) -> HttpResponse | None:
    """Send a notice now, or the failed reminders again, or set the text back to the
    default; None when the request asks for none of these."""
    try:
        if "send" in request.POST:
            count = election_actions.election_notice_queue(
                election=election, kind=kind, actor=request.user
            )
            messages.success(request, f"Queued for {count} people.")
        elif "retry_reminders" in request.POST:
            count = election_actions.reminders_retry(election=election, actor=request.user)
            messages.success(request, f"{count} failed reminders queued again.")
        elif "reset" in request.POST:
            election_actions.notice_text_reset(election=election, kind=kind, actor=request.user)
            messages.success(request, "Back to the default text.")
        else:
            return None
    except election_actions.ElectionError as error:
        messages.error(request, str(error))
    return HttpResponseRedirect(request.path)


def notice_edit(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    election = _election(request, slug)
    if kind not in InvitationKind.values:
        raise Http404("No such notice.")
    if kind in LIST_ONLY:  # no mail to each person: its one text is the announcement's
        return HttpResponseRedirect(
            reverse("officials_announcement", kwargs={"slug": slug, "kind": kind})
        )
    current = notice_text(election, kind)
    form = NoticeForm(request.POST or {"subject": current.subject, "body": current.body})
    if request.method == "POST":
        done = _post_action(request, election, kind)
        if done is not None:
            return done
    saved, preview = text_form_step(
        request,
        election,
        kind,
        form,
        audience=NoticeAudience.PEOPLE,
        preview=lambda text: _preview(election, text, kind),
        saved_message="Saved: the next notices use this text.",
    )
    if saved is not None:
        return saved
    context = {
        **admin.site.each_context(request),
        "title": f"{InvitationKind(kind).label}: {election.name}",
        "election": election,
        "kind": kind,
        "kinds": [
            (value, label) for value, label in InvitationKind.choices if value not in LIST_ONLY
        ],
        "calendar": calendar_rows(election),
        # Counts only: who was reminded would be who had not voted.
        "reminders": reminder_counts(election),
        "failed_state": InvitationState.FAILED,
        "form": form,
        "preview": preview,
        "facts": FACTS,
        "is_default": current == notice_default(kind),
        "dashboard": reverse("officials_dashboard", kwargs={"slug": slug}),
        "announced": kind in ANNOUNCED,
    }
    return TemplateResponse(request, "officials/notice.html", context)
