"""URLs of eligibility, mounted at ``/eligibility/`` by ``config/urls.py``."""

from __future__ import annotations

from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.eligibility, name="eligibility"),
]
