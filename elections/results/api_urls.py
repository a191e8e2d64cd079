"""The read-only JSON API (mounted at /api/ by config/urls.py)."""

from __future__ import annotations

from django.urls import path

from elections.results import api

urlpatterns = [
    path("", api.api_index, name="api_index"),
    path("openapi.json", api.api_openapi, name="api_openapi"),
    path("elections/", api.api_elections, name="api_elections"),
    path("elections/<slug:slug>/", api.api_election, name="api_election"),
    path("elections/<slug:slug>/turnout/", api.api_election_turnout, name="api_election_turnout"),
    path(
        "elections/<slug:election_slug>/<slug:contest_slug>/",
        api.api_contest,
        name="api_contest",
    ),
    path("results/", api.api_results, name="api_results"),
]
