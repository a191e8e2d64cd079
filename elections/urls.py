"""Public election pages and the candidate's pages. ``home`` is mounted by config/urls.py."""

from __future__ import annotations

from django.urls import path

from elections import views, views_invitations

urlpatterns = [
    path("elections/", views.election_list, name="election_list"),
    path("elections/<slug:slug>/", views.election_detail, name="election_detail"),
    path(
        "elections/<slug:election_slug>/<slug:contest_slug>/",
        views.contest_detail,
        name="contest_detail",
    ),
    path(
        "elections/<slug:election_slug>/<slug:contest_slug>/stand/",
        views.candidacy_submit,
        name="candidacy_submit",
    ),
    path("invitation/<str:token>/", views_invitations.invitation, name="invitation"),
    path("opt-out/<str:token>/", views_invitations.opt_out, name="election_opt_out"),
    path(
        "elections/<slug:election_slug>/<slug:contest_slug>/exception/",
        views.exception_request,
        name="exception_request",
    ),
    path("candidacies/", views.my_candidacies, name="my_candidacies"),
    path("candidacies/<int:pk>/edit/", views.candidacy_edit, name="candidacy_edit"),
    path("candidacies/<int:pk>/withdraw/", views.candidacy_withdraw, name="candidacy_withdraw"),
]
