"""A contest's own voter list in the officials' panel (``/officials/elections/<slug>/
contests/<pk>/voters/``): the page behind ``manage.py election SLUG voters CONTEST FILE``.

An upload is read whole before anything is stored: a bad line is a form error naming it,
and the list in place stays as it was.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from elections import actions as election_actions
from elections.models import ContestElectorate
from elections.results.dashboard_views import _election, _row
from elections.voterlist import VoterListError, voter_list_parse

# A list of 100,000 addresses is about 3 MiB.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024


class VoterListForm(forms.Form):
    upload = forms.FileField(
        label="Voter list",
        help_text="CSV of address and optional name, one voter a line (UTF-8), or a "
        "governance member list (members.yaml).",
    )
    electorate = forms.ChoiceField(
        label="Who may vote",
        choices=[
            (ContestElectorate.LIST, "The list's voters only"),
            (ContestElectorate.COMMITS_AND_LIST, "The contributors and the list's voters"),
        ],
        initial=ContestElectorate.LIST,
        widget=forms.RadioSelect,
    )

    def clean_upload(self) -> object:
        upload = self.cleaned_data["upload"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"{upload.name}: larger than 8 MiB.")
        try:
            self.listed = voter_list_parse(upload.read(), upload.name)
        except VoterListError as error:
            raise forms.ValidationError(str(error)) from None
        return upload


def contest_voters(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    election = _election(request, slug)
    contest = _row(election.contests.all(), pk)
    form = VoterListForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = election_actions.contest_voter_list_set(
                contest=contest,
                actor=request.user,
                voters=form.listed,
                filename=form.cleaned_data["upload"].name,
                electorate=form.cleaned_data["electorate"],
            )
        except election_actions.ElectionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{contest.name}: {count} voters listed.")
            return HttpResponseRedirect(
                reverse("officials_contest_voters", kwargs={"slug": slug, "pk": contest.pk})
            )
    context = {
        **admin.site.each_context(request),
        "title": f"Voter list: {contest.name}",
        "election": election,
        "contest": contest,
        "listed": contest.listed_voters.order_by("email")[:500],
        "listed_count": contest.listed_voters.count(),
        "form": form,
    }
    return TemplateResponse(request, "officials/voters.html", context)
