"""Public election pages and the candidate's own pages (stand, edit, withdraw)."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.selectors import audit_head
from elections import actions, selectors
from elections.forms import CandidacyForm
from elections.markdown import render_markdown
from elections.models import Candidacy, Contest, Election
from elections.permissions import can_edit_candidacy


def home(request: HttpRequest) -> HttpResponse:
    """What stackvote is, and which elections are open now."""
    return render(request, "home.html", {"open_elections": selectors.open_elections(request.user)})


def election_list(request: HttpRequest) -> HttpResponse:
    listing = selectors.election_listing(user=request.user)
    return render(request, "elections/election_list.html", {"listing": listing})


def _election_or_404(request: HttpRequest, slug: str) -> Election:
    election = selectors.election_for_public(slug=slug, user=request.user)
    if election is None:
        raise Http404("No such election.")
    return election


def election_detail(request: HttpRequest, slug: str) -> HttpResponse:
    election = _election_or_404(request, slug)
    return render(
        request,
        "elections/election_detail.html",
        {
            "election": election,
            "contests": selectors.election_contests(election),
            "audit_head": audit_head(),
        },
    )


def _contest_or_404(request: HttpRequest, election_slug: str, contest_slug: str) -> Contest:
    election = _election_or_404(request, election_slug)
    contest = get_object_or_404(
        Contest.objects.select_related("election", "team", "roll"),
        election=election,
        slug=contest_slug,
    )
    return contest


def contest_detail(request: HttpRequest, election_slug: str, contest_slug: str) -> HttpResponse:
    contest = _contest_or_404(request, election_slug, contest_slug)
    own = None
    refusal = ""
    if request.user.is_authenticated and contest.has_candidates:
        own = Candidacy.objects.filter(contest=contest, candidate=request.user).first()
        if own is None or not own.is_active:
            refusal = selectors.standing_refusal(request.user, contest)
    return render(
        request,
        "elections/contest_detail.html",
        {
            "election": contest.election,
            "contest": contest,
            "candidacies": list(selectors.public_candidacies().filter(contest=contest)),
            "options": list(contest.options.all()),
            "own_candidacy": own,
            "standing_refusal": refusal,
            "appointment": selectors.contest_appointment(contest),
        },
    )


def _platform_preview(request: HttpRequest, form: CandidacyForm) -> str:
    """The platform as voters will see it, when the candidate pressed "Preview" (a button of
    the form, so no script is needed); nothing is saved then."""
    if request.method != "POST" or "preview" not in request.POST or not form.is_valid():
        return ""
    return render_markdown(form.cleaned_data["platform"])


@login_required
def candidacy_submit(request: HttpRequest, election_slug: str, contest_slug: str) -> HttpResponse:
    contest = _contest_or_404(request, election_slug, contest_slug)
    refusal = selectors.standing_refusal(request.user, contest)
    form = CandidacyForm(request.POST or None)
    preview = _platform_preview(request, form)
    if request.method == "POST" and not refusal and not preview and form.is_valid():
        try:
            actions.candidacy_submit(
                contest=contest,
                candidate=request.user,
                platform=form.cleaned_data["platform"],
                affiliation=form.cleaned_data["affiliation"],
            )
        except actions.ElectionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your candidacy is submitted; officials will review it.")
            return redirect(contest)
    status = 403 if refusal and request.method == "POST" else 200
    return render(
        request,
        "elections/candidacy_form.html",
        {
            "contest": contest,
            "election": contest.election,
            "form": form,
            "refusal": refusal,
            "editing": False,
            "preview": preview,
        },
        status=status,
    )


@login_required
def candidacy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    candidacy = get_object_or_404(
        Candidacy.objects.select_related("contest__election"), pk=pk, candidate=request.user
    )
    if not can_edit_candidacy(request.user, candidacy):
        return HttpResponseForbidden("This candidacy can no longer be edited.")
    form = (
        CandidacyForm(request.POST)
        if request.method == "POST"
        else CandidacyForm.for_candidacy(candidacy)
    )
    preview = _platform_preview(request, form)
    if request.method == "POST" and not preview and form.is_valid():
        try:
            actions.candidacy_edit(
                candidacy=candidacy,
                actor=request.user,
                platform=form.cleaned_data["platform"],
                affiliation=form.cleaned_data["affiliation"],
            )
        except actions.ElectionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your candidacy is updated.")
            return redirect(candidacy.contest)
    return render(
        request,
        "elections/candidacy_form.html",
        {
            "contest": candidacy.contest,
            "election": candidacy.contest.election,
            "form": form,
            "candidacy": candidacy,
            "editing": True,
            "refusal": "",
            "preview": preview,
        },
    )


@login_required
@require_POST
def candidacy_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    candidacy = get_object_or_404(
        Candidacy.objects.select_related("contest__election"), pk=pk, candidate=request.user
    )
    try:
        actions.candidacy_withdraw(candidacy=candidacy, actor=request.user)
    except actions.ElectionError as error:
        return HttpResponseForbidden(str(error))
    messages.success(request, "You have withdrawn your candidacy.")
    return redirect(candidacy.contest)


@login_required
def my_candidacies(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "elections/my_candidacies.html",
        {"candidacies": selectors.user_candidacies(request.user)},
    )


class ExceptionRequestForm(forms.Form):
    email = forms.ChoiceField(label="Your address to vote with")
    reason = forms.CharField(
        label="Why you should vote in this contest",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For example: the work you did for the project that the commit data misses.",
    )

    def __init__(self, *args: Any, addresses: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].choices = [(address, address) for address in addresses]


@login_required
def exception_request(request: HttpRequest, election_slug: str, contest_slug: str) -> HttpResponse:
    """Ask to be added to a contest's roll, with a reason (the officials decide)."""
    election = _election_or_404(request, election_slug)
    contest = get_object_or_404(Contest, election=election, slug=contest_slug)
    addresses = sorted(
        EmailAddress.objects.filter(user=request.user, verified=True).values_list(
            "email", flat=True
        )
    )
    form = ExceptionRequestForm(request.POST or None, addresses=addresses)
    if request.method == "POST" and form.is_valid():
        try:
            actions.exception_request_submit(
                contest=contest,
                requester=request.user,
                email=form.cleaned_data["email"],
                reason=form.cleaned_data["reason"],
            )
        except actions.ElectionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your request is with the officials; you will get a mail.")
            return redirect("exception_request", election_slug, contest_slug)
    return render(
        request,
        "elections/exception_request.html",
        {
            "election": election,
            "contest": contest,
            "form": form,
            "requests": selectors.exception_requests_of(request.user, contest),
        },
    )
