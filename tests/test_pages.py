from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_says_what_the_site_is_and_lists_open_elections(client: Client) -> None:
    page = client.get(reverse("home")).content.decode()
    assert "chosen by the people who contribute" in page
    assert "Open elections" in page


def test_base_layout_is_accessible_without_javascript_or_cdn(client: Client) -> None:
    page = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in page
    assert 'href="#main"' in page and 'id="main"' in page
    # Only the site's own static scripts (dates in the viewer's time zone), never inline.
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts and all(re.search(r'src="/static/[^"]+\.js"', tag) for tag in scripts), scripts
    assert "//cdn" not in page and "https://" not in page.split("<body", 1)[0]


@override_settings(DEBUG=False)
def test_unknown_page_gets_the_site_404(client: Client) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@override_settings(DEBUG=False)
def test_server_error_page_tells_a_voter_what_happened(client: Client, settings: Any) -> None:
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html
    assert "not" in html and "receipt" in html


def test_missing_csrf_token_gets_a_clear_page_not_a_crash(make_user: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("csrf@example.org"))
    response = client.post(reverse("account_logout"))
    assert response.status_code == 403
    assert "Nothing was saved" in response.content.decode()


def test_static_files_are_served_by_the_application(client: Client) -> None:
    response = client.get("/static/css/stackvote.css")
    assert response.status_code == 200
