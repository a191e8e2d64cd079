from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.decorators import login_required
from django.core.validators import slug_re
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

    elections, chosen = _elections_to_explain(request.GET.get("election", ""))
    window = {"start": chosen.window_start, "end": chosen.window_end} if chosen else {}
    return render(
        request,
        "accounts/eligibility.html",
        {
            "eligibility": eligibility_explain(user=request.user, **window),
            "elections": elections,
            "chosen": chosen,
        },
    )


def _elections_to_explain(slug: str) -> tuple[list[Any], Any]:
    """The public elections whose rolls are still to come or in use, and the one to explain:
    the one asked for, else the first of them (polling before nominations before upcoming).
    With none, the page uses the configured qualifying window."""
    from elections.models import Election, Phase

    order = {Phase.POLLING: 0, Phase.CAMPAIGNING: 1, Phase.NOMINATIONS: 2}
    current = sorted(
        Election.objects.public().filter(phase__in=list(order)),
        key=lambda election: (order[election.phase], election.polling_closes_at),
    )
    chosen = next((e for e in current if e.slug == slug), None)
    # Only a slug is looked up: a NUL in the query string would make PostgreSQL refuse it.
    if chosen is None and slug and slug_re.match(slug):
        chosen = Election.objects.public().filter(slug=slug).first()
    return current, chosen or (current[0] if current else None)
