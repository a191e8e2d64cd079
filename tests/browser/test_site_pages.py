from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_page_and_home_have_no_serious_accessibility_findings(
    live_server: Any, page: Any, axe: Any
) -> None:
    for path in ("/", "/accounts/login/", "/accounts/signup/"):
        page.goto(live_server.url + path)
        assert axe(page) == [], path


def test_a_contributor_signs_in_with_the_keyboard_and_sees_their_addresses(
    live_server: Any, page: Any, axe: Any, make_user: Any
) -> None:
    make_user("keys@example.org", password="typed by keyboard 123", unverified=("old@example.net",))
    page.goto(live_server.url + "/accounts/login/")
    page.keyboard.press(
        "Tab"
    )  # skip link first: the keyboard path starts at "Skip to main content"
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to main content"
    page.get_by_label("Email").focus()
    page.keyboard.type("keys@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("typed by keyboard 123")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/accounts/profile/")
    assert "Unverified" in page.content()
    assert axe(page) == []
