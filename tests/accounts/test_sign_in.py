from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db
PASSWORD = "a long and unusual passphrase 42"


def _sign_up(client: Client, email: str) -> None:
    response = client.post(
        reverse("account_signup"),
        {"full_name": "New Person", "email": email, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def _confirmation_link(message: mail.EmailMessage) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_sign_up_sends_a_verification_mail_and_sign_in_waits_for_it(client: Client) -> None:
    _sign_up(client, "New.Person@Example.org")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["New.Person@example.org"] or mail.outbox[0].to == [
        "new.person@example.org"
    ]
    user = User.objects.get()
    assert not EmailAddress.objects.get(user=user).verified

    # Mandatory verification: the password alone does not open a session.
    other = Client()
    response = other.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in other.session

    link = _confirmation_link(mail.outbox[0])
    assert other.get(link).status_code == 200
    other.post(link)
    assert EmailAddress.objects.get(user=user).verified

    response = other.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert other.session["_auth_user_id"] == str(user.pk)
    assert "Signed in as" in other.get(reverse("profile")).content.decode()


def test_sign_out_ends_the_session(client: Client, make_user: Any) -> None:
    user = make_user("someone@example.org")
    client.force_login(user)
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("profile")).status_code == 302


def test_password_reset_mails_a_link_that_sets_a_new_password(
    client: Client, make_user: Any
) -> None:
    user = make_user("forgetful@example.org")
    client.post(reverse("account_reset_password"), {"email": "forgetful@example.org"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", mail.outbox[0].body)
    assert link
    response = client.get(link.group(1), follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link.group(1)
    client.post(
        form_url,
        {"password1": "brand new secret phrase 7", "password2": "brand new secret phrase 7"},
    )
    user.refresh_from_db()
    assert user.check_password("brand new secret phrase 7")


def test_profile_lists_every_address_with_its_verification_state(
    client: Client, make_user: Any
) -> None:
    user = make_user(
        "multi@example.org",
        verified=("multi@example.org", "multi@work.example.com"),
        unverified=("old@example.net",),
    )
    client.force_login(user)
    page = client.get(reverse("profile")).content.decode()
    rows = re.findall(r"<tr>\s*<td>([^<]+)</td>\s*<td>.*?(Verified|Unverified)", page, re.S)
    assert dict(rows) == {
        "multi@example.org": "Verified",
        "multi@work.example.com": "Verified",
        "old@example.net": "Unverified",
    }


def test_an_account_can_add_a_second_address_which_starts_unverified(
    client: Client, make_user: Any
) -> None:
    user = make_user("first@example.org")
    client.force_login(user)
    client.post(reverse("account_email"), {"action_add": "", "email": "second@example.org"})
    second = EmailAddress.objects.get(user=user, email="second@example.org")
    assert not second.verified
    assert any("second@example.org" in m.to for m in mail.outbox)


def test_the_profile_needs_a_signed_in_user(client: Client) -> None:
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_no_provider_button_when_no_provider_is_configured(client: Client) -> None:
    page = client.get(reverse("account_login")).content.decode()
    assert "GitHub" not in page and "GitLab" not in page and "Community SSO" not in page


@override_settings(
    SOCIALACCOUNT_PROVIDERS={
        "github": {"APPS": [{"client_id": "id-123", "secret": "s3cret"}]},
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "gerrit-sso",
                    "name": "Community SSO",
                    "client_id": "oidc-id",
                    "secret": "oidc-secret",
                    "settings": {"server_url": "https://sso.example.org"},
                }
            ]
        },
    }
)
def test_configured_providers_appear_on_the_sign_in_page(client: Client) -> None:
    page = client.get(reverse("account_login")).content.decode()
    assert "GitHub" in page
    assert "Community SSO" in page
    assert "GitLab" not in page


def test_repeated_failed_sign_ins_are_rate_limited(client: Client, make_user: Any) -> None:
    make_user("target@example.org")
    messages = []
    for _ in range(7):
        response = client.post(
            reverse("account_login"), {"login": "target@example.org", "password": "wrong"}
        )
        messages.append(response.content.decode())
    assert "Too many failed login attempts" in messages[-1]
    assert "Too many failed login attempts" not in messages[0]


def test_staff_without_two_factor_are_sent_to_set_it_up_and_told_why(
    client: Client, make_user: Any
) -> None:
    """Two-factor authentication is required of staff (accounts/two_factor.py)."""
    client.force_login(make_user("staff@example.org", is_staff=True, authenticator_app=False))
    for name in ("home", "admin:index"):
        response = client.get(reverse(name))
        assert response["Location"].startswith(reverse("mfa_activate_totp")), name
    page = client.get(reverse("home"), follow=True).content.decode()
    assert "set up two-factor authentication" in page

    client.force_login(make_user("plain@example.org"))
    assert (
        "protect your account with two-factor" not in client.get(reverse("home")).content.decode()
    )


def test_two_factor_setup_is_available_to_every_user(client: Client, make_user: Any) -> None:
    client.force_login(make_user("anyone@example.org"))
    response = client.get(reverse("mfa_activate_totp"))
    # allauth may ask to re-authenticate first; either way the page exists for a plain user.
    assert response.status_code in (200, 302)
    assert client.get(reverse("mfa_index")).status_code == 200


def test_officials_group_grants_the_admin_permissions_officials_need(official: User) -> None:
    assert official.has_perm("accounts.view_user")
    assert not official.has_perm("accounts.delete_user")


def test_officials_cannot_see_or_change_the_scheduler(client: Client, official: User) -> None:
    """The periodic tasks (which run the election scheduler) are for operators only."""
    assert not official.has_perm("django_celery_beat.view_periodictask")
    assert not official.has_perm("django_celery_beat.change_periodictask")
    client.force_login(official)
    assert "Periodic tasks" not in client.get(reverse("admin:index")).content.decode()
    changelist = reverse("admin:django_celery_beat_periodictask_changelist")
    assert client.get(changelist).status_code == 403


def test_the_scheduler_stays_closed_to_staff_granted_its_permissions(
    client: Client, official: User
) -> None:
    """Even an official handed the periodic-task permissions by hand cannot run tasks."""
    from django.contrib.auth.models import Permission

    official.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="django_celery_beat")
    )
    official = User.objects.get(pk=official.pk)
    assert official.has_perm("django_celery_beat.change_periodictask")
    client.force_login(official)
    changelist = reverse("admin:django_celery_beat_periodictask_changelist")
    assert client.get(changelist).status_code == 403
    assert "Periodic tasks" not in client.get(reverse("admin:index")).content.decode()


def test_the_officials_group_covers_every_app_of_the_project(official: User) -> None:
    """Derived from the installed apps: officials may change what they run (elections,
    accounts) and only look at what actions alone write (the audit log, ballots' turnout,
    results); the scheduler's periodic tasks are not theirs."""
    from django.contrib.auth.models import Permission

    from accounts.roles import official_app_labels

    labels = set(official_app_labels())
    assert labels == {"audit", "accounts", "elections", "voting", "results"}
    held = set(official.groups.get().permissions.values_list("content_type__app_label", "codename"))
    assert ("elections", "change_election") in held
    assert ("results", "view_result") in held and ("audit", "view_auditentry") in held
    for app in ("audit", "voting", "results"):
        codenames = Permission.objects.filter(content_type__app_label=app).values_list(
            "codename", flat=True
        )
        assert {(app, c) for c in codenames if not c.startswith("view_")}.isdisjoint(held)
