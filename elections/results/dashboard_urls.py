"""The officials' dashboards (mounted at /officials/ by config/urls.py), behind the panel's
door: ``admin_view`` sends visitors to sign in (with two-factor) and refuses non-officials."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

from elections.results import dashboard_views as views
from elections.results.dashboard_announcements import announcement_edit
from elections.results.dashboard_import import election_import
from elections.results.dashboard_notices import notice_edit
from elections.results.dashboard_voters import contest_voters

guarded = admin.site.admin_view

urlpatterns = [
    path("import/", guarded(election_import), name="officials_import"),
    path("elections/<slug:slug>/", guarded(views.dashboard), name="officials_dashboard"),
    path(
        "elections/<slug:slug>/phase/",
        guarded(views.phase_move),
        name="officials_phase_move",
    ),
    path(
        "elections/<slug:slug>/candidacies/<int:pk>/review/",
        guarded(views.candidacy_review),
        name="officials_candidacy_review",
    ),
    path(
        "elections/<slug:slug>/contests/<int:pk>/count/",
        guarded(views.contest_count),
        name="officials_contest_count",
    ),
    path(
        "elections/<slug:slug>/results/<int:pk>/publish/",
        guarded(views.result_publish),
        name="officials_result_publish",
    ),
    path(
        "elections/<slug:slug>/results/<int:pk>/unpublish/",
        guarded(views.result_unpublish),
        name="officials_result_unpublish",
    ),
    path(
        "elections/<slug:slug>/contests/<int:pk>/voters/",
        guarded(contest_voters),
        name="officials_contest_voters",
    ),
    path(
        "elections/<slug:slug>/notices/<str:kind>/",
        guarded(notice_edit),
        name="officials_notice",
    ),
    path(
        "elections/<slug:slug>/announcements/<str:kind>/",
        guarded(announcement_edit),
        name="officials_announcement",
    ),
    path(
        "elections/<slug:slug>/exceptions/<int:pk>/decide/",
        guarded(views.exception_decide),
        name="officials_exception_decide",
    ),
    path(
        "elections/<slug:slug>/mail/retry/",
        guarded(views.mail_retry),
        name="officials_mail_retry",
    ),
]
