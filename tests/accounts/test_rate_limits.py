"""Sign-in rate limits that hold in production: keyed by each client's own address behind the
TLS proxy, and by account; still counted while Redis is down (config/cache.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.config.test_settings import _python

pytestmark = pytest.mark.django_db
PASSWORD = "a long and unusual passphrase 42"
PROXY = "10.0.0.2"  # the TLS proxy: every request reaches the app from its address
TOO_MANY = "Too many failed login attempts"
DEAD_CACHE = {
    "default": {
        "BACKEND": "config.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.fixture(autouse=True)
def _behind_the_proxy(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # What DJANGO_BEHIND_TLS_PROXY=1 sets (test_the_proxy_settings_come_from_the_environment).
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


@pytest.fixture(params=["cache as configured", "Redis down"])
def cache_state(request: pytest.FixtureRequest, settings: Any) -> Iterator[str]:
    """The cache of the run (real Redis when REDIS_URL is set), or Redis unreachable."""
    if request.param == "Redis down":
        settings.CACHES = DEAD_CACHE
        cache.clear()  # the counters this process keeps while Redis is down
    yield request.param


def from_address(address: str, forged: str = "") -> Client:
    """A browser at ``address``, seen through the proxy, which appends the address it saw to
    whatever X-Forwarded-For the client sent (``forged``)."""
    header = f"{forged}, {address}" if forged else address
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=header)


def sign_in(client: Client, email: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("account_login"), {"login": email, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_forty_people_behind_the_proxy_each_sign_in(make_user: Any, settings: Any) -> None:
    emails = [f"voter{n}@example.org" for n in range(40)]
    for email in emails:
        make_user(email, password=PASSWORD)
    clients = [from_address(f"203.0.113.{n + 1}") for n in range(40)]
    for client, email in zip(clients, emails, strict=True):
        assert sign_in(client, email).status_code == 302, email
        assert signed_in(client), email

    # The same crowd keyed by the proxy's address, as before: the limit of one address
    # (30 sign-ins a minute) turned people away.
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    cache.clear()
    refused = [
        sign_in(from_address(f"203.0.113.{n + 1}"), e).status_code for n, e in enumerate(emails)
    ]
    assert refused.count(429) == 10


def test_one_address_guessing_passwords_is_stopped_without_locking_out_others(
    make_user: Any, cache_state: str
) -> None:
    make_user("voter@example.org", password=PASSWORD)
    answers = [
        # A different account each time (so only the address's limit applies), and a
        # different forged X-Forwarded-For entry: only the proxy's entry counts.
        sign_in(from_address("198.51.100.66", forged=f"192.0.2.{n}"), f"guess{n}@example.org", "x")
        for n in range(11)
    ]
    assert TOO_MANY not in answers[0].content.decode()
    assert TOO_MANY in answers[-1].content.decode()
    # That address is stopped even with the right password; everyone else signs in.
    assert not signed_in(attacker := from_address("198.51.100.66"))
    sign_in(attacker, "voter@example.org")
    assert not signed_in(attacker)
    voter = from_address("203.0.113.7")
    assert sign_in(voter, "voter@example.org").status_code == 302 and signed_in(voter)


def test_one_account_attacked_from_many_addresses_is_stopped(
    make_user: Any, cache_state: str
) -> None:
    make_user("target@example.org", password=PASSWORD)
    make_user("bystander@example.org", password=PASSWORD)
    answers = [
        sign_in(from_address(f"198.51.100.{n + 1}"), "target@example.org", f"guess {n}")
        for n in range(6)
    ]
    assert TOO_MANY not in answers[0].content.decode()
    assert TOO_MANY in answers[-1].content.decode()
    # The account's sign-in waits (5 minutes), whoever asks; other accounts are untouched,
    # from the very addresses the guesses came from.
    owner = from_address("203.0.113.9")
    assert TOO_MANY in sign_in(owner, "target@example.org").content.decode()
    bystander = from_address("198.51.100.1")
    assert sign_in(bystander, "bystander@example.org").status_code == 302
    assert signed_in(bystander)


def test_while_redis_is_down_the_limits_are_kept_in_the_process(
    make_user: Any, settings: Any, caplog: Any
) -> None:
    settings.CACHES = DEAD_CACHE
    cache.clear()
    make_user("target@example.org", password=PASSWORD)
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        answers = [
            sign_in(from_address("198.51.100.66"), "target@example.org", "wrong").content.decode()
            for _ in range(6)
        ]
    assert TOO_MANY not in answers[0] and TOO_MANY in answers[-1]
    assert "keeping allauth:rl:" in caplog.text  # said in the log, not silent


def test_a_totp_code_cannot_be_used_twice_while_redis_is_down(
    make_user: Any, settings: Any
) -> None:
    from allauth.mfa.models import Authenticator

    from tests.conftest import totp_code

    settings.CACHES = DEAD_CACHE
    cache.clear()
    official = make_user("official@example.org", is_staff=True)
    app = Authenticator.objects.get(user=official, type=Authenticator.Type.TOTP).wrap()
    code = totp_code()
    assert app.validate_code(code)
    assert not app.validate_code(code)


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs Redis (REDIS_URL)")
def test_with_redis_up_the_counters_are_in_redis(make_user: Any) -> None:
    """Shared by every web process: the limit is the same whichever process answers."""
    for n in range(3):
        sign_in(from_address("198.51.100.66"), f"guess{n}@example.org", "x")
    client = cache._cache.get_client()
    assert client.keys("*allauth:rl:*198.51.100.66*")
    assert not cache.local._cache  # nothing kept in the process


def test_a_short_forwarded_header_is_read_not_a_server_error(make_user: Any, settings: Any) -> None:
    """Two proxies configured, but a request that came through only the nearest one (anyone
    can send such a request): it is keyed by the address that proxy saw."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    make_user("voter@example.org", password=PASSWORD)
    answers = [
        sign_in(Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66"), "v@x.org", "x")
        for _ in range(11)
    ]
    assert all(answer.status_code == 200 for answer in answers)
    assert TOO_MANY in answers[-1].content.decode()
    outer = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7, 192.0.2.1")
    assert sign_in(outer, "voter@example.org").status_code == 302


def _proxy_count(**environment: str) -> str:
    probe = "from django.conf import settings; print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)"
    result = _python(
        "-c",
        f"import django; django.setup(); {probe}",
        env={"DJANGO_SETTINGS_MODULE": "config.settings", **environment},
    )
    return (result.stdout.strip().splitlines() or [""])[-1] or result.stderr


def test_the_proxy_settings_come_from_the_environment() -> None:
    assert _proxy_count() == "0"
    # Not behind a proxy, the header is never trusted, whatever the count says.
    assert _proxy_count(DJANGO_TRUSTED_PROXY_COUNT="3") == "0"
    assert _proxy_count(DJANGO_BEHIND_TLS_PROXY="1") == "1"
    assert _proxy_count(DJANGO_BEHIND_TLS_PROXY="1", DJANGO_TRUSTED_PROXY_COUNT="2") == "2"
    refused = _proxy_count(DJANGO_BEHIND_TLS_PROXY="1", DJANGO_TRUSTED_PROXY_COUNT="0")
    assert "DJANGO_TRUSTED_PROXY_COUNT must be at least 1" in refused
