"""Two-factor authentication is required of officials (and staff) before any officials' page;
voters never meet it (accounts/two_factor.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.roles import ensure_official_group
from tests.conftest import TEST_TOTP_SECRET, enrol_authenticator_app, totp_code

pytestmark = pytest.mark.django_db
PASSWORD = "an official's long passphrase 7"
SET_UP = "/accounts/2fa/totp/activate/"
ENTER_CODE = "/accounts/2fa/reauthenticate/"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def new_official(make_user: Any) -> User:
    """An official who has not set up two-factor authentication yet."""
    user = make_user(
        "new.official@example.org", password=PASSWORD, is_staff=True, authenticator_app=False
    )
    user.groups.add(ensure_official_group())
    return user


def _sign_in(client: Client, email: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_an_official_without_an_app_is_sent_to_set_one_up_from_every_officials_page(
    client: Client, new_official: User
) -> None:
    client.force_login(new_official)
    for path in ("/admin/", "/admin/elections/election/", "/admin/audit/auditentry/", "/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(SET_UP + "?next="), (path, response["Location"])
    # An action posted by hand is not reached either.
    posted = client.post("/admin/elections/election/", {"action": "delete_selected"})
    assert posted.status_code == 302 and posted["Location"].startswith(SET_UP)


def test_a_superuser_without_an_app_is_sent_to_set_one_up(client: Client) -> None:
    root = User.objects.create_superuser(email="root@example.org", password=PASSWORD)
    client.force_login(root)
    assert client.get("/admin/")["Location"].startswith(SET_UP)


def test_voters_are_never_asked_for_a_second_factor(client: Client, make_user: Any) -> None:
    client.force_login(make_user("voter@example.org"))
    for name in ("home", "vote_index", "profile", "eligibility"):
        assert client.get(reverse(name)).status_code == 200, name


@pytest.mark.django_db(transaction=True)  # allauth announces the new app after the commit
def test_setting_up_the_app_opens_the_panel_and_gives_recovery_codes(
    client: Client, new_official: User
) -> None:
    assert _sign_in(client, new_official.email).status_code == 302
    assert client.get("/admin/")["Location"].startswith(SET_UP)
    # allauth asks for the password again before any change to second factors.
    asked = client.get(SET_UP)["Location"]
    assert asked.startswith(reverse("account_reauthenticate"))
    client.post(asked, {"password": PASSWORD})
    page = client.get(SET_UP)
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert secret in page.content.decode()  # shown to type into an app by hand

    assert client.post(SET_UP, {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert client.get("/admin/").status_code == 302  # a wrong code set nothing up

    activated = client.post(SET_UP, {"code": totp_code(secret)})
    assert activated["Location"] == reverse("mfa_view_recovery_codes")
    codes_page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert "10 out of 10 recovery codes" in codes_page
    assert client.get("/admin/").status_code == 200


def test_an_official_signs_in_with_password_and_code(client: Client, official: User) -> None:
    official.set_password(PASSWORD)
    official.save(update_fields=["password"])
    response = _sign_in(client, official.email)
    assert response["Location"] == reverse("mfa_authenticate")
    # The password alone opens nothing: the panel still asks to sign in.
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    wrong = client.post(reverse("mfa_authenticate"), {"code": "12345"})
    assert "Incorrect code" in wrong.content.decode()
    client.post(reverse("mfa_authenticate"), {"code": totp_code(TEST_TOTP_SECRET)})
    assert client.get("/admin/").status_code == 200


def test_a_session_that_never_used_the_app_is_asked_for_a_code(
    client: Client, new_official: User
) -> None:
    """Signed in with the password before the app was set up elsewhere: that session must
    enter a code from the app before the panel opens."""
    _sign_in(client, new_official.email)
    enrol_authenticator_app(new_official)
    response = client.get("/admin/")
    assert response["Location"].startswith(ENTER_CODE + "?next=")
    client.post(response["Location"], {"code": totp_code(TEST_TOTP_SECRET)})
    assert client.get("/admin/").status_code == 200


def test_a_recovery_code_signs_in_once(client: Client, new_official: User) -> None:
    codes = enrol_authenticator_app(new_official)
    _sign_in(client, new_official.email)
    client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert client.get("/admin/").status_code == 200

    again = Client()
    _sign_in(again, new_official.email)
    refused = again.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert "Incorrect code" in refused.content.decode()
    assert again.get("/admin/")["Location"].startswith("/admin/login/")
    again.post(reverse("mfa_authenticate"), {"code": codes[1]})
    assert again.get("/admin/").status_code == 200


def test_guessing_codes_is_rate_limited_per_account(client: Client, official: User) -> None:
    official.set_password(PASSWORD)
    official.save(update_fields=["password"])
    _sign_in(client, official.email)
    answers = [
        client.post(reverse("mfa_authenticate"), {"code": f"00000{n}"}).content.decode()
        for n in range(7)
    ]
    assert "Too many failed login attempts" not in answers[0]
    assert "Too many failed login attempts" in answers[-1]
    client.post(reverse("mfa_authenticate"), {"code": totp_code(TEST_TOTP_SECRET)})
    assert client.get("/admin/").status_code != 200


def test_the_panel_refuses_an_official_without_the_second_factor_even_without_the_middleware(
    client: Client, new_official: User, settings: Any
) -> None:
    """The admin site asks the same question itself (config/admin_site.py, has_permission)."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "two_factor" not in m]
    client.force_login(new_official)
    assert client.get("/admin/elections/election/").status_code == 403
    enrol_authenticator_app(new_official)
    client.force_login(new_official)
    assert client.get("/admin/elections/election/").status_code == 200
