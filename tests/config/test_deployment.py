from __future__ import annotations

import time

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

# Monitoring's token: only it (or a signed-in official) reads the parts of /healthz.
TOKEN = "monitoring-" + "t" * 40
MONITORING = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def test_pages_carry_a_content_security_policy_without_unsafe_inline(client: Client) -> None:
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@override_settings(REDIS_URL="", STACKVOTE_HEALTH_TOKEN=TOKEN)
def test_health_reports_every_part_in_the_embedded_default(client: Client) -> None:
    response = client.get("/healthz", **MONITORING)
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["worker"] == "in-process"
    assert response.json()["ballot_keys"] == "ok"


@override_settings(REDIS_URL="redis://127.0.0.1:1/0", STACKVOTE_HEALTH_TOKEN=TOKEN)
def test_health_fails_loudly_when_redis_is_unreachable(client: Client) -> None:
    response = client.get("/healthz", **MONITORING)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["redis"].startswith("error")
    assert body["database"] == "ok"
    # Voting goes on without Redis: the load balancer's check keeps the web process in.
    web = client.get("/healthz/web")
    assert web.status_code == 200
    assert web.json() == {"status": "ok", "database": "ok"}


@override_settings(STACKVOTE_HEALTH_TOKEN=TOKEN)
def test_the_load_balancer_check_fails_when_the_database_does(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    def down(*args: object, **kwargs: object) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", down)
    for url in ("/healthz/web", "/healthz"):
        response = client.get(url, **MONITORING)
        assert response.status_code == 503
        assert response.json()["database"] == "error: OperationalError"
    # Anonymous callers hear that it fails, without the parts.
    anonymous = client.get("/healthz")
    assert anonymous.status_code == 503
    assert anonymous.json() == {"status": "failing"}


@pytest.mark.worker
def test_health_sees_a_live_worker(celery_worker: object, settings: object) -> None:
    from config.health import WORKER_PING_TIMEOUT
    from tests.conftest import _redis_url_for_worker

    with override_settings(REDIS_URL=_redis_url_for_worker(), STACKVOTE_HEALTH_TOKEN=TOKEN):
        started = time.monotonic()
        response = Client().get("/healthz", **MONITORING)
        elapsed = time.monotonic() - started
    assert response.status_code == 200, response.json()
    assert response.json()["worker"].startswith("ok")
    # The first worker's answer ends the probe: it does not wait out the ping's timeout
    # (which held a web process for a second on every load-balancer probe).
    assert elapsed < WORKER_PING_TIMEOUT
