"""An election's notices in the officials' panel (``/officials/elections/<slug>/notices/
<kind>/``): the text with the election's facts filled in for a sample person, edited and
previewed before it is saved, or set back to the default."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from accounts.models import RollEntry
from elections import actions as election_actions
from elections.mail import notice_default, notice_facts, notice_text
from elections.models import Election, InvitationKind
from elections.notices import FACTS, NoticeText, NoticeTextError, notice_render, notice_text_check
from elections.results.dashboard_views import _election

SAMPLE = RollEntry(email="jane.doe@example.org", name="Jane Doe", reasons="12 contributions")


class NoticeForm(forms.Form):
    subject = forms.CharField(max_length=300)
    body = forms.CharField(label="Text", widget=forms.Textarea(attrs={"rows": 22, "cols": 90}))


def _preview(election: Election, text: NoticeText) -> NoticeText | None:
    contest = election.contests.order_by("kind", "name").first()
    if contest is None:
        return None
    roll = contest.roll or contest.nomination_roll
    entry = RollEntry.objects.filter(roll=roll).order_by("email").first() if roll else None
    site = "https://…"
    facts = notice_facts(
        contest=contest,
        entry=entry or SAMPLE,
        link=f"{site}/invitation/(the person's own link)/",
        opt_out_link=f"{site}/opt-out/(the person's own link)/",
        expires_at=contest.polling_closes_at,
    )
    return notice_render(text, facts)


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
                preview = _preview(election, notice_text_check(subject, body))
            except NoticeTextError as error:
                form.add_error(None, str(error))
    context = {
        **admin.site.each_context(request),
        "title": f"{InvitationKind(kind).label}: {election.name}",
        "election": election,
        "kind": kind,
        "kinds": InvitationKind.choices,
        "form": form,
        "preview": preview,
        "facts": FACTS,
        "is_default": current == notice_default(kind),
        "dashboard": reverse("officials_dashboard", kwargs={"slug": slug}),
    }
    return TemplateResponse(request, "officials/notice.html", context)
