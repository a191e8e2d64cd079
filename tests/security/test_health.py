"""``/healthz``: its parts (database, Redis, worker, ballot keys) are for monitoring, which
sends ``STACKVOTE_HEALTH_TOKEN``, and for officials. Anyone else gets a bare status, worked
out at most once every few seconds per process and never by pinging a worker: a few clients
looping on it used to hold web processes for a second each and slow every page. The load
balancer's checks answer over plain HTTP even when the site redirects everything else."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.checks import Error
from django.test import Client

from config import health
from elections.checks import elections_settings_check

pytestmark = pytest.mark.django_db

TOKEN = "monitoring-" + "t" * 40
PARTS = {"database", "redis", "worker", "ballot_keys"}


def _bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def monitored(settings: Any) -> None:
    settings.STACKVOTE_HEALTH_TOKEN = TOKEN
    settings.REDIS_URL = ""  # tasks in-process: no worker to wait for


@pytest.fixture
def worker_pings(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every worker ping /healthz makes; each would hold the process up to a second."""
    pings: list[float] = []

    def ping() -> str:
        pings.append(time.monotonic())
        return "ok (a worker answered)"

    monkeypatch.setattr(health, "_worker", ping)
    return pings


def test_monitoring_with_the_token_reads_every_part(
    client: Client, monitored: None, worker_pings: list[float]
) -> None:
    response = client.get("/healthz", **_bearer(TOKEN))
    assert response.status_code == 200
    assert set(response.json()) == {"status", *PARTS}
    assert len(worker_pings) == 1


def test_an_official_reads_every_part_and_a_voter_does_not(
    client: Client, make_user: Any, official: Any, monitored: None, worker_pings: list[float]
) -> None:
    client.force_login(make_user("voter@example.org"))
    assert client.get("/healthz").json() == {"status": "ok"}
    client.force_login(official)
    assert set(client.get("/healthz").json()) == {"status", *PARTS}


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}x", "Bearer ", f"Bearer {TOKEN[:-1]}"])
def test_a_wrong_token_is_refused_and_learns_nothing(
    client: Client, monitored: None, worker_pings: list[float], header: str
) -> None:
    response = client.get("/healthz", HTTP_AUTHORIZATION=header)
    assert response.status_code == 403
    assert not PARTS & set(response.json())
    assert worker_pings == []


def test_without_a_configured_token_no_token_opens_the_parts(
    client: Client, settings: Any, worker_pings: list[float]
) -> None:
    settings.STACKVOTE_HEALTH_TOKEN = ""
    for token in ("", "anything"):
        response = client.get("/healthz", **_bearer(token))
        assert response.status_code == 403
        assert not PARTS & set(response.json())
    assert worker_pings == []


def test_anonymous_callers_get_a_bare_status_reused_for_a_few_seconds(
    client: Client, monitored: None, worker_pings: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    database_checks: list[str] = []
    real_database = health._database

    def database() -> str:
        database_checks.append("SELECT 1")
        return real_database()

    monkeypatch.setattr(health, "_database", database)
    clock = [1000.0]
    monkeypatch.setattr(health.time, "monotonic", lambda: clock[0])
    for _ in range(50):  # a client looping on it
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
    assert worker_pings == []
    assert len(database_checks) == 1
    clock[0] += health.ANONYMOUS_ANSWER_SECONDS
    client.get("/healthz")
    assert len(database_checks) == 2


def test_a_looping_anonymous_client_does_not_hold_the_site(
    client: Client, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even with a broker whose workers take their time, anonymous probes answer at once."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    def slow_ping(*args: object, **kwargs: object) -> list[dict[str, Any]]:
        time.sleep(health.WORKER_PING_TIMEOUT)
        return []

    monkeypatch.setattr("config.celery.app.control.ping", slow_ping)
    started = time.monotonic()
    for _ in range(20):
        assert client.get("/healthz").status_code == 200
    assert time.monotonic() - started < health.WORKER_PING_TIMEOUT


def test_health_checks_answer_over_plain_http_when_the_site_redirects_to_https(
    client: Client, monitored: None, settings: Any, worker_pings: list[float]
) -> None:
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/").status_code == 301  # every page but the health checks
    assert client.get("/elections/").status_code == 301
    web = client.get("/healthz/web")
    assert web.status_code == 200 and web.json() == {"status": "ok", "database": "ok"}
    anonymous = client.get("/healthz")
    assert anonymous.status_code == 200 and anonymous.json() == {"status": "ok"}
    assert client.get("/healthz/webx").status_code == 301
    # The token is refused in clear (so that it is replaced), accepted over HTTPS.
    clear = client.get("/healthz", **_bearer(TOKEN))
    assert clear.status_code == 403 and "HTTPS" in clear.json()["error"]
    secure = client.get("/healthz", secure=True, **_bearer(TOKEN))
    assert secure.status_code == 200 and set(secure.json()) == {"status", *PARTS}


def test_a_short_token_stops_the_start_up(settings: Any) -> None:
    settings.STACKVOTE_HEALTH_TOKEN = "guessable"
    errors = [e for e in elections_settings_check() if e.id == "elections.E007"]
    assert errors and isinstance(errors[0], Error)
    assert "STACKVOTE_HEALTH_TOKEN" in errors[0].msg
    settings.STACKVOTE_HEALTH_TOKEN = TOKEN
    assert not [e for e in elections_settings_check() if e.id == "elections.E007"]
