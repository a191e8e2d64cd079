"""An official in Chromium: forced to set up an authenticator app before the officials' panel,
then signing in with password and code, and with a recovery code that works once."""

from __future__ import annotations

import re
from typing import Any

import pytest

from accounts.roles import ensure_official_group
from tests.conftest import browser_sign_in, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "an official's long passphrase 7"
PANEL = "stackvote officials' panel"


def _sign_out(tab: Any, base_url: str) -> None:
    tab.goto(f"{base_url}/accounts/logout/")
    tab.locator("main").get_by_role("button", name="Sign Out").click()
    tab.wait_for_load_state()


def _enter_code(tab: Any, code: str) -> None:
    tab.get_by_label("Code").fill(code)
    tab.locator("main").get_by_role("button", name="Sign In").click()
    tab.wait_for_load_state()


def test_an_official_sets_up_two_factor_then_signs_in_with_a_code_or_a_recovery_code(
    live_server: Any, page: Any, axe: Any, make_user: Any, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    official = make_user(
        "official@example.org", password=PASSWORD, is_staff=True, authenticator_app=False
    )
    official.groups.add(ensure_official_group())
    base = live_server.url

    # Signed in with the password only, the panel sends the official to set up an app
    # (after confirming the password, as allauth asks before changing second factors).
    browser_sign_in(page, base, official.email, PASSWORD)
    page.goto(f"{base}/admin/")
    assert "/accounts/" in page.url and PANEL not in page.content()
    assert "set up two-factor authentication" in page.content()
    assert "/accounts/reauthenticate/" in page.url
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Activate Authenticator App").is_visible()
    assert axe(page) == []
    page.goto(f"{base}/elections/")  # nothing else opens meanwhile
    assert "/accounts/2fa/totp/activate/" in page.url

    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_load_state()
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) == 10
    page.goto(f"{base}/admin/")
    assert PANEL in page.content()

    # Signing in again: the password alone does not open the panel; the app's code does.
    _sign_out(page, base)
    browser_sign_in(page, base, official.email, PASSWORD)
    assert page.get_by_role("heading", name="Two-Factor Authentication").is_visible()
    page.goto(f"{base}/admin/")
    assert PANEL not in page.content()
    page.goto(f"{base}/accounts/2fa/authenticate/")  # the sign-in waits for the code
    _enter_code(page, totp_code(secret))
    page.goto(f"{base}/admin/")
    assert PANEL in page.content()

    # A recovery code instead of the app, once.
    _sign_out(page, base)
    browser_sign_in(page, base, official.email, PASSWORD)
    _enter_code(page, codes[0])
    page.goto(f"{base}/admin/")
    assert PANEL in page.content()
    _sign_out(page, base)
    browser_sign_in(page, base, official.email, PASSWORD)
    _enter_code(page, codes[0])
    assert re.search("Incorrect code", page.content())
    page.goto(f"{base}/admin/")
    assert PANEL not in page.content()
