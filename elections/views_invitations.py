"""The page an invitation's link opens: a button to confirm (so that a mail scanner fetching
the link uses nothing), then signed in, on the ballot."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods

from elections import actions


class InvitationForm(forms.Form):
    full_name = forms.CharField(
        label="Your name",
        max_length=200,
        required=False,
        help_text="Shown on ballots' pages and results instead of your address. Needed only "
        "if you have no account yet; an account's name stays as it is.",
    )


@never_cache
@sensitive_variables("token")
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        pending = actions.invitation_for_token(token)
    except actions.InvitationRefused as error:
        return render(
            request, "elections/invitation_refused.html", {"reason": str(error)}, status=410
        )
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, proven = actions.invitation_accept(
                token=token, full_name=form.cleaned_data["full_name"], signed_in=request.user
            )
        except actions.InvitationRefused as error:
            form.add_error("full_name", str(error))
        else:
            ballot = reverse("ballot", kwargs={"contest_id": invitation.contest_id})
            if not proven.may_sign_in:
                messages.info(
                    request,
                    "Your address is confirmed. Your account signs in with its second "
                    "factor: sign in as usual to vote.",
                )
                return HttpResponseRedirect(
                    reverse("account_login") + "?" + urlencode({"next": ballot})
                )
            login(request, proven.user, backend="accounts.backends.AuthenticationBackend")
            messages.success(request, f"Signed in with {invitation.email}, now confirmed.")
            return HttpResponseRedirect(ballot)
    return render(
        request,
        "elections/invitation.html",
        {"invitation": pending, "contest": pending.contest, "form": form},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """Stop mail about one election: a button first, so a scanner's fetch changes nothing."""
    try:
        if request.method == "POST":
            election, email = actions.election_opt_out(token=token)
            return render(
                request,
                "elections/opt_out.html",
                {"election": election, "email": email, "done": True},
            )
        election, email = actions.opt_out_for_token(token)
    except actions.InvitationRefused as error:
        return render(
            request, "elections/invitation_refused.html", {"reason": str(error)}, status=410
        )
    return render(request, "elections/opt_out.html", {"election": election, "email": email})
