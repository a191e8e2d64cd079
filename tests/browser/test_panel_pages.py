"""Every page of the officials' panel an official can open passes axe-core in Debian's
Chromium (violations and "incomplete" findings of serious or critical impact fail): each
list of the panel, the page of the first row of each, and the pages to add one, over an
election whose result is published."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from elections.models import Phase
from elections.results.scenarios import scenario_build
from tests.conftest import browser_sign_in, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


def _panel_pages(official: Any) -> list[str]:
    """The panel's lists, first-row pages and add pages this official may open."""
    pages = ["/admin/"]
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        name = f"admin:{meta.app_label}_{meta.model_name}"
        fake_request = type("Request", (), {"user": official})()
        if not model_admin.has_view_permission(fake_request):
            continue
        try:
            pages.append(reverse(f"{name}_changelist"))
        except NoReverseMatch:
            continue
        first = model_admin.get_queryset(fake_request).order_by("pk").first()
        for url, args, allowed in (
            (f"{name}_change", [first.pk] if first else None, first is not None),
            (f"{name}_add", [], model_admin.has_add_permission(fake_request)),
        ):
            try:
                if allowed:
                    pages.append(reverse(url, args=args))
            except NoReverseMatch:  # a list without pages of its own (turnout)
                pass
    return pages


def test_every_page_of_the_panel_passes_axe(
    live_server: Any, page: Any, axe: Any, official: Any, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    scenario_build(official=official, slug="panel", phase=Phase.PUBLISHED, password=PASSWORD)
    official.set_password(PASSWORD)
    official.save(update_fields=["password"])
    base = live_server.url
    browser_sign_in(page, base, official.email, PASSWORD)
    page.get_by_label("Code").fill(totp_code())
    page.locator("main").get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()

    pages = _panel_pages(official)
    assert len(pages) > 20  # lists, rows and add pages of every app
    # The dashboard's notice pages: the mail to each person and the announcement to the list.
    pages += [
        reverse("officials_notice", kwargs={"slug": "panel", "kind": "results"}),
        reverse("officials_announcement", kwargs={"slug": "panel", "kind": "results"}),
    ]
    findings: dict[str, Any] = {}
    for path in pages:
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 200, path
        found = axe(page)
        if found:
            findings[path] = found
    assert findings == {}, "\n".join(
        f"{path}: {f['kind']} {f['id']} {f['nodes'][:3]} {f['why'][:1]}"
        for path, found in findings.items()
        for f in found
    )
