"""An election's announcements to its list in the officials' panel (``/officials/elections/
<slug>/announcements/<kind>/``): where the list is, what became of each notice's
announcement (sent again when it failed), and the announcement's own text, edited and
previewed with the election's facts before it is saved, or set back to the default."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from elections import actions as election_actions
from elections.mail import announcement_default, announcement_facts, announcement_text
from elections.models import Election, InvitationKind, NoticeAudience
from elections.notices import ANNOUNCED, ANNOUNCEMENT_FACTS, notice_render
from elections.results.dashboard_notices import NoticeForm, calendar_rows, text_form_step
from elections.results.dashboard_views import _election


def _post_action(request: HttpRequest, election: Election, kind: str) -> HttpResponse | None:
    """Send the notice now, its failed announcement again, or the text back to the default;
    None when the request asks for none of these."""
    try:
        if "send" in request.POST:
            count = election_actions.election_notice_queue(
                election=election, kind=kind, actor=request.user
            )
            messages.success(request, f"Queued (for {count} people and the list).")
        elif "retry" in request.POST:
            election_actions.announcement_retry(election=election, kind=kind, actor=request.user)
            messages.success(request, "The announcement is queued again.")
        elif "reset" in request.POST:
            election_actions.notice_text_reset(
                election=election, kind=kind, actor=request.user, audience=NoticeAudience.LIST
            )
            messages.success(request, "Back to the default text.")
        else:
            return None
    except election_actions.ElectionError as error:
        messages.error(request, str(error))
    return HttpResponseRedirect(request.path)


def announcement_edit(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    election = _election(request, slug)
    if kind not in ANNOUNCED:
        raise Http404("No such announcement.")
    current = announcement_text(election, kind)
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
        audience=NoticeAudience.LIST,
        preview=lambda text: notice_render(text, announcement_facts(election, kind)),
        saved_message="Saved: the announcement uses this text.",
    )
    if saved is not None:
        return saved
    calendar = calendar_rows(election)
    context = {
        **admin.site.each_context(request),
        "title": f"Announcement of {InvitationKind(kind).label.lower()}: {election.name}",
        "election": election,
        "kind": kind,
        "kinds": [(value, InvitationKind(value).label) for value in ANNOUNCED],
        "calendar": calendar,
        "notice": next((row for row in calendar if row["kind"] == kind), None),
        "announcement": election.announcements.filter(kind=kind).first(),
        "form": form,
        "preview": preview,
        "facts": ANNOUNCEMENT_FACTS,
        "is_default": current == announcement_default(kind),
        "dashboard": reverse("officials_dashboard", kwargs={"slug": slug}),
        "settings_url": reverse("admin:elections_election_change", args=[election.pk]),
    }
    return TemplateResponse(request, "officials/announcement.html", context)
