from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_admin_sends_anonymous_visitors_to_the_real_sign_in(client: Client) -> None:
    """Not Django's bare password form: allauth's, with two-factor and rate limits."""
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=")
    assert client.get("/admin/login/").status_code == 302


def test_signed_in_contributors_get_403_from_the_officials_panel(
    client: Client, make_user: Any
) -> None:
    client.force_login(make_user("contributor@example.org"))
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/elections/election/").status_code == 403


def test_officials_reach_their_panel(client: Client, official: Any) -> None:
    client.force_login(official)
    assert client.get("/admin/").status_code == 200
