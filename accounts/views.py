from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.forms import DisplayNameForm


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own page: the name they are shown by (which they change here),
    their e-mail addresses and whether each is verified."""
    form = DisplayNameForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your name is saved.")
        return redirect("profile")
    addresses = EmailAddress.objects.filter(user=request.user).order_by("-primary", "email")
    return render(
        request,
        "accounts/profile.html",
        {"addresses": addresses, "name_form": form},
        status=400 if form.is_bound else 200,
    )
