from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """What stackvote is, and which elections are open now."""
    return render(request, "home.html", {"open_elections": []})
