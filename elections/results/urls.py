"""Results pages, published files and feeds (mounted at /results/ by config/urls.py)."""

from __future__ import annotations

from django.urls import path

from elections.results import feeds, views

urlpatterns = [
    path("", views.results_index, name="results_index"),
    path("feed.rss", feeds.ResultsFeed(), name="results_feed_rss"),
    path("feed.atom", feeds.ResultsAtomFeed(), name="results_feed_atom"),
    path("<slug:slug>/", views.election_results, name="results_election"),
    # Three segments: no election slug or contest slug can shadow it.
    path("teams/<slug:team_slug>/history/", views.team_history, name="results_team_history"),
    path("<slug:slug>/feed.rss", feeds.ElectionResultsFeed(), name="results_election_feed_rss"),
    path(
        "<slug:slug>/feed.atom", feeds.ElectionResultsAtomFeed(), name="results_election_feed_atom"
    ),
    path(
        "<slug:election_slug>/<slug:contest_slug>/",
        views.contest_result,
        name="results_contest",
    ),
    path(
        "<slug:election_slug>/<slug:contest_slug>/files/<str:kind>",
        views.result_file,
        name="results_file",
    ),
]
