"""An election's notices in the officials' panel (``/officials/elections/<slug>/notices/
<kind>/``): the text with the election's facts filled in for a sample person, edited and
previewed before it is saved, or set back to the default."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from accounts.models import RollEntry
from elections import actions as election_actions
from elections.mail import notice_default, notice_facts, notice_text
from elections.models import Election, InvitationKind
from elections.notices import (
    FACTS,
    POLLING_KINDS,
    NoticeText,
    NoticeTextError,
    notice_missed,
    notice_render,
    notice_text_check,
)
from elections.results.dashboard_views import _election

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
    site = "https://…"
    if kind in POLLING_KINDS:
        link = f"{site}/invitation/(the person's own link)/"
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


def _calendar(election: Election) -> list[dict[str, object]]:
    """Each notice with its date from the calendar and whether it has gone."""
    now = timezone.now()
    runs = dict(election.notice_runs.values_list("kind", "queued_at"))
    if election.reminder_queued_at is not None:
        runs[InvitationKind.POLLING_REMINDER] = election.reminder_queued_at
    opened = election.contests.filter(invitations__kind=InvitationKind.POLLING_OPEN).exists()
    return [
        {
            "kind": notice.kind,
            "label": InvitationKind(notice.kind).label,
            "due_at": notice.due_at,
            "when": notice.when,
            "queued_at": runs.get(notice.kind),
            "queued": notice.kind in runs or (notice.kind == "polling_open" and opened),
            "missed": notice_missed(notice, now=now),
        }
        for notice in election_actions.election_notice_calendar(election)
    ]


def notice_edit(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    election = _election(request, slug)
    if kind not in InvitationKind.values:
        raise Http404("No such notice.")
    current = notice_text(election, kind)
    form = NoticeForm(request.POST or {"subject": current.subject, "body": current.body})
    preview = None
    if request.method == "POST" and "reset" in request.POST:
        try:
            election_actions.notice_text_reset(election=election, kind=kind, actor=request.user)
        except election_actions.ElectionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Back to the default text.")
        return HttpResponseRedirect(request.path)
    if form.is_valid():
        subject, body = form.cleaned_data["subject"], form.cleaned_data["body"]
        if request.method == "POST" and "save" in request.POST:
            try:
                election_actions.notice_text_set(
                    election=election, kind=kind, actor=request.user, subject=subject, body=body
                )
            except election_actions.ElectionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Saved: the next notices use this text.")
                return HttpResponseRedirect(request.path)
        else:
            try:
                preview = _preview(election, notice_text_check(subject, body, kind), kind)
            except NoticeTextError as error:
                form.add_error(None, str(error))
    context = {
        **admin.site.each_context(request),
        "title": f"{InvitationKind(kind).label}: {election.name}",
        "election": election,
        "kind": kind,
        "kinds": InvitationKind.choices,
        "calendar": _calendar(election),
        "form": form,
        "preview": preview,
        "facts": FACTS,
        "is_default": current == notice_default(kind),
        "dashboard": reverse("officials_dashboard", kwargs={"slug": slug}),
    }
    return TemplateResponse(request, "officials/notice.html", context)
