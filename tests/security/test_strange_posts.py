"""Strange form fields POSTed to every page (CSRF satisfied): whatever a view reads from the
body (a login, an e-mail address, a platform, a receipt, a rank, a code) may carry a NUL, a
huge number or markup; the answer is never a 500 and never echoes the markup as HTML."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.builders import PASSWORD, World
from tests.conftest import enrol_authenticator_app
from tests.security.test_authorization import _client, _url
from tests.security.test_xss import dangers_in_html
from tests.security.urlwalk import all_routes

pytestmark = pytest.mark.django_db

NASTY = ("\x00", "9" * 5000, "<script>alert(1)</script>\"><img src=x onerror=alert(1)>' --")
FIELDS = (
    "login",
    "password",
    "email",
    "password1",
    "password2",
    "oldpassword",
    "remember",
    "code",
    "key",
    "token",
    "platform",
    "affiliation",
    "receipt",
    "step",
    "order",
    "rank-option-1",
    "action",
    "next",
    "election",
    "reason",
    "provider",
    "process",
)


def test_no_page_fails_on_strange_form_fields(world: World, settings: Any) -> None:
    settings.REDIS_URL = ""
    failures = []
    for role in ("anonymous", "candidate"):
        for route in all_routes():
            if route.is_admin:
                continue
            url = _url(world, route)
            for value in NASTY:
                # Fresh each time: a POST may sign the client out or withdraw a candidacy.
                client = _client(world, role, raise_request_exception=False)
                response = client.post(url, dict.fromkeys(FIELDS, value))
                if response.status_code >= 500:
                    failures.append(f"POST {route.name} as {role}, {value[:20]!r}")
                elif response.get("Content-Type", "").startswith("text/html"):
                    failures += [
                        f"POST {route.name} as {role}: {danger}"
                        for danger in dangers_in_html(response.content.decode())
                    ]
    assert not failures, "\n".join(failures)


def test_signing_in_never_redirects_off_site(world: World) -> None:
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:x"):
        response = Client().post(
            reverse("account_login"),
            {"login": world.elector.email, "password": PASSWORD, "next": target},
        )
        assert response.status_code == 302, target
        location = response["Location"]
        assert location.startswith("/") and "evil" not in location, (target, location)


@pytest.mark.parametrize("role", ["official", "superuser"])
def test_no_admin_action_fails_on_strange_selections(
    world: World, settings: Any, role: str
) -> None:
    """A hand-made POST naming rows that cannot exist gets a message, not a 500, and the
    action does nothing: for officials, and for a superuser, who sees every installed app's
    admin (the scheduler's periodic tasks included)."""
    from django.contrib import admin
    from django.test import RequestFactory

    from accounts.models import User

    settings.REDIS_URL = ""
    if role == "superuser":
        user = User.objects.create_superuser(email="root@example.org", password=PASSWORD)
        enrol_authenticator_app(user)  # required of superusers too (accounts/two_factor.py)
        client = Client(raise_request_exception=False)
        client.force_login(user)
    else:
        user = world.official
        client = _client(world, "official", raise_request_exception=False)
    request = RequestFactory().get("/")
    request.user = user
    tried = set()
    for model, model_admin in admin.site._registry.items():
        actions = [name for name in model_admin.get_actions(request) if name != "delete_selected"]
        if not actions or not model_admin.has_view_or_change_permission(request):
            continue
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for action in actions:
            tried.add((model._meta.app_label, action))
            for value in ("abc", "\x00", "9" * 40, "-1", "1.5"):
                response = client.post(
                    changelist, {"action": action, "_selected_action": [value]}, follow=True
                )
                assert response.status_code < 500, (model.__name__, action, value)
                if value in ("abc", "\x00", "1.5"):  # not ids at all (others just match no row)
                    assert "not a valid selection" in response.content.decode(), (model, value)
    apps = {app for app, _ in tried}
    assert {"elections", "accounts"} <= apps
    assert ("django_celery_beat" in apps) == (role == "superuser")
