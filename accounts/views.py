from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own page: their e-mail addresses and whether each is verified."""
    addresses = EmailAddress.objects.filter(user=request.user).order_by("-primary", "email")
    return render(request, "accounts/profile.html", {"addresses": addresses})


@login_required
def eligibility(request: HttpRequest) -> HttpResponse:
    """The "Am I eligible?" page: the signed-in user's own standing on each roll, and why.

    Only the user's own addresses and contributions are read; nobody sees anyone else's.
    """
    from accounts.selectors import eligibility_explain

    return render(
        request,
        "accounts/eligibility.html",
        {"eligibility": eligibility_explain(user=request.user)},
    )
