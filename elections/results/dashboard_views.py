"""The officials' dashboard of one election, ``/officials/elections/<slug>/``: where the
election stands and one button for each step that follows, so that an official runs it from
the opening of nominations to the publication without a drop-down action elsewhere.

Behind the officials' panel's door (``admin_site.admin_view``: sign-in with two-factor,
403 for anyone else), then for the officials of this election only (``can_administer``).
Each button is a POST that validates its form and calls one action; the action authorises
again and its refusal comes back as a message on the dashboard, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from elections import actions as election_actions
from elections.forms import PhaseMoveForm
from elections.models import (
    Candidacy,
    Contest,
    Election,
    ExceptionRequest,
    Invitation,
    InvitationState,
    Notification,
    NotificationState,
    Phase,
)
from elections.permissions import can_administer
from elections.results import actions as result_actions
from elections.results.dashboard import AUTOMATIC_PHASES, election_dashboard
from elections.results.models import Result
from elections.selectors import pending_exception_requests, teams_never_ingested

# A row id from the URL: beyond this no row exists (and PostgreSQL would refuse the number).
_MAX_ID = 2**31 - 1


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give a reason.")
        return reason


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("propose", "Propose approval"), ("reject", "Reject")]
    )
    reason = forms.CharField(required=False, max_length=2000)


def _election(request: HttpRequest, slug: str) -> Election:
    election = Election.objects.filter(slug=slug).first()
    if election is None:
        raise Http404("No such election.")
    if not can_administer(request.user, election):
        raise PermissionDenied("Only the officials of this election see its dashboard.")
    return election


def _row(queryset: Any, pk: int) -> Any:
    row = queryset.filter(pk=pk).first() if 0 < pk <= _MAX_ID else None
    if row is None:
        raise Http404("Not part of this election.")
    return row


def _back(election: Election, anchor: str = "") -> HttpResponseRedirect:
    url = reverse("officials_dashboard", kwargs={"slug": election.slug})
    return HttpResponseRedirect(f"{url}#{anchor}" if anchor else url)


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label or name.capitalize() if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    election = _election(request, slug)
    board = election_dashboard(election, viewer=request.user)
    context = {
        **admin.site.each_context(request),
        "title": f"{election.name}: dashboard",
        "board": board,
        "election": election,
        "phase_buttons": [
            (phase, Phase(phase).label)
            for phase in board.legal_moves
            if phase != Phase.PUBLISHED  # follows the publications (see the results)
        ],
        "automatic_phases": AUTOMATIC_PHASES,
        "empty_roll_teams": (
            teams_never_ingested(election) if Phase.NOMINATIONS in board.legal_moves else []
        ),
        "exceptions": pending_exception_requests(election),
        "links": {
            "change": reverse("admin:elections_election_change", args=[election.pk]),
            "add_contest": reverse("admin:elections_contest_add") + f"?election={election.pk}",
            "ingest": reverse("admin:accounts_ingestrun_add"),
            "ingests": reverse("admin:accounts_ingestrun_changelist"),
            "audit": reverse("admin:audit_auditentry_changelist"),
            "public": election.get_absolute_url(),
            "results": reverse("results_election", kwargs={"slug": election.slug}),
            "turnout": reverse("turnout"),
        },
    }
    return TemplateResponse(request, "officials/dashboard.html", context)


@require_POST
def phase_move(request: HttpRequest, slug: str) -> HttpResponse:
    election = _election(request, slug)
    form = PhaseMoveForm(request.POST, election=election)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(election, "phase")
    try:
        moved = election_actions.election_phase_move(
            election=election,
            to_phase=form.cleaned_data["to_phase"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
            force_empty_rolls=form.cleaned_data["force_empty_rolls"],
        )
    except election_actions.ElectionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{moved.name} moved to {moved.get_phase_display()}.")
    return _back(election, "phase")


@require_POST
def candidacy_review(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    election = _election(request, slug)
    candidacy = _row(
        Candidacy.objects.filter(contest__election=election).select_related("candidate"), pk
    )
    form = ReviewForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(election, "review")
    decision = form.cleaned_data["decision"]
    try:
        if decision == "propose":
            # Two-official approval: the first official's +2; a different one confirms.
            election_actions.candidacy_propose_approval(candidacy=candidacy, official=request.user)
        else:
            election_actions.candidacy_review(
                candidacy=candidacy,
                reviewer=request.user,
                approve=decision == "approve",
                reason=form.cleaned_data["reason"],
            )
    except election_actions.ElectionError as error:
        messages.error(request, str(error))
    else:
        done = {
            "propose": "approval proposed; another official confirms it",
            "approve": "approved",
            "reject": "rejected",
        }[decision]
        messages.success(request, f"{candidacy}: {done}.")
    return _back(election, "review")


def _result_step(
    request: HttpRequest,
    slug: str,
    pk: int,
    step: Callable[[Result, dict[str, Any]], Result],
    done: str,
    form_class: type[forms.Form] | None = None,
) -> HttpResponse:
    election = _election(request, slug)
    result = _row(Result.objects.filter(contest__election=election).select_related("contest"), pk)
    fields: dict[str, Any] = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return _back(election, "contests")
        fields = form.cleaned_data
    try:
        step(result, fields)
    except result_actions.ResultError as error:
        messages.error(request, f"{result.contest.name}: {error}")
    else:
        messages.success(request, f"{result.contest.name}: {done}")
    return _back(election, "contests")


@require_POST
def result_publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _result_step(
        request,
        slug,
        pk,
        lambda result, _: result_actions.result_publish(result=result, actor=request.user),
        "result published.",
    )


@require_POST
def result_unpublish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _result_step(
        request,
        slug,
        pk,
        lambda result, fields: result_actions.result_unpublish(
            result=result, actor=request.user, reason=fields["reason"]
        ),
        "result taken down.",
        ReasonForm,
    )


@require_POST
def contest_count(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    election = _election(request, slug)
    contest = _row(Contest.objects.filter(election=election), pk)
    try:
        run = result_actions.contest_close_and_tally(contest=contest, actor=request.user)
    except result_actions.ResultError as error:
        messages.error(request, f"{contest.name}: {error}")
    else:
        what = "count" if run is not None else "seal and count"
        messages.success(request, f"{contest.name}: {what} queued; a worker does it.")
    return _back(election, "contests")


@require_POST
def mail_retry(request: HttpRequest, slug: str) -> HttpResponse:
    election = _election(request, slug)
    failed = Notification.objects.filter(
        contest__election=election, state=NotificationState.FAILED
    ).values_list("pk", flat=True)
    retried = election_actions.notifications_retry(
        notification_ids=list(failed), actor=request.user
    )
    failed_invitations = Invitation.objects.filter(
        contest__election=election, state=InvitationState.FAILED
    ).values_list("pk", flat=True)
    retried += election_actions.invitations_retry(
        invitation_ids=list(failed_invitations), actor=request.user
    )
    messages.success(request, f"{retried} e-mail{'s' if retried != 1 else ''} queued again.")
    return _back(election, "blockers")


@require_POST
def exception_decide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    election = _election(request, slug)
    exception = _row(ExceptionRequest.objects.filter(contest__election=election), pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(election, "exceptions")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        election_actions.exception_request_decide(
            exception_request=exception,
            actor=request.user,
            approve=approve,
            reason=form.cleaned_data["reason"],
        )
    except election_actions.ElectionError as error:
        messages.error(request, str(error))
    else:
        verb = "approved" if approve else "refused"
        messages.success(request, f"{exception.email}'s request {verb}; they are told by mail.")
    return _back(election, "exceptions")
