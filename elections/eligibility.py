"""The "Am I eligible?" page: a signed-in person's own standing on the rolls of the open
elections (their windows are the elections'; the rolls are the accounts app's)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.eligibility import eligibility_explain
from elections.selectors import elections_to_explain


@login_required
def eligibility(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own standing on each roll, and why.

    Only the contributions of the user's own *verified* addresses are read: anyone can add
    anyone's address unverified, and learns nothing from it here.
    """
    elections, chosen = elections_to_explain(request.GET.get("election", ""), user=request.user)
    window: dict[str, Any] = (
        {
            "start": chosen.window_start,
            "end": chosen.window_end,
            "email_deadline": chosen.email_deadline,
            "members_only": chosen.requires_membership,
        }
        if chosen
        else {}
    )
    return render(
        request,
        "accounts/eligibility.html",
        {
            "eligibility": eligibility_explain(user=request.user, **window),
            "elections": elections,
            "chosen": chosen,
        },
    )
