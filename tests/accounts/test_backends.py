"""The signed-in user is loaded by one plain query: the same account, checked the same way."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.backends import AuthenticationBackend, ModelBackend, user_by_id


def test_the_session_user_is_loaded_whole(make_user: Any) -> None:
    user = make_user("ada@example.org", full_name="Ada Lovelace")
    loaded = ModelBackend().get_user(str(user.pk))  # sessions hold the id as text
    assert loaded == user
    assert loaded.full_name == "Ada Lovelace"
    assert loaded.date_joined == user.date_joined  # converted like any ORM value
    assert loaded.check_password("correct horse battery staple")


@pytest.mark.parametrize("user_id", ["0", "-1", "x", "", "99999999", str(2**70)])
def test_no_such_account_is_nobody(db: Any, user_id: str) -> None:
    assert user_by_id(user_id) is None
    assert AuthenticationBackend().get_user(user_id) is None


def test_a_deactivated_account_is_signed_out(client: Client, make_user: Any) -> None:
    user = make_user("gone@example.org")
    client.force_login(user)
    assert client.get(reverse("profile")).status_code == 200
    user.is_active = False
    user.save()
    page = client.get(reverse("profile"))
    assert page.status_code == 302 and reverse("account_login") in page["Location"]


def test_a_password_change_elsewhere_ends_other_sessions(client: Client, make_user: Any) -> None:
    user = make_user("moved@example.org")
    client.force_login(user)
    user.set_password("another long passphrase")
    user.save()
    assert client.get(reverse("profile")).status_code == 302


def test_officials_are_known_from_the_same_query(make_user: Any) -> None:
    from accounts.roles import ensure_official_group, is_official

    user = make_user("official@example.org")
    assert is_official(user_by_id(user.pk)) is False
    ensure_official_group().user_set.add(user)
    assert is_official(user_by_id(user.pk)) is True


def test_an_account_made_official_must_pass_the_second_factor_at_its_next_request(
    client: Client, make_user: Any
) -> None:
    from accounts.roles import ensure_official_group

    user = make_user("new-official@example.org")
    client.force_login(user)
    assert client.get(reverse("profile")).status_code == 200
    ensure_official_group().user_set.add(user)
    page = client.get(reverse("profile"))
    assert page.status_code == 302 and reverse("mfa_activate_totp") in page["Location"]
    ensure_official_group().user_set.remove(user)
    assert client.get(reverse("profile")).status_code == 200
