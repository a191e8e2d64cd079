"""Voting URLs, mounted at /vote/ by config/urls.py."""

from __future__ import annotations

from django.urls import path

from elections.voting import views

urlpatterns = [
    path("", views.vote_index, name="vote_index"),
    path("turnout/", views.turnout, name="turnout"),
    path("<int:contest_id>/", views.ballot, name="ballot"),
    path("<int:contest_id>/receipt/", views.receipt_check, name="receipt_check"),
    path("<int:contest_id>/receipts.txt", views.receipt_hashes, name="receipt_hashes"),
]
