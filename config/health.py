"""Health endpoints.

``/healthz`` is for monitoring: the database, Redis, a Celery worker and the keys of the open
ballot boxes, 503 naming any part that fails. ``/healthz/web`` is for load balancers: 200
while this web process can take ballots, which needs only the database. Voting goes on while
Redis or the workers are away (ballots are written to PostgreSQL in the request), so their
outage must not make a load balancer take every web process out of service.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from elections.voting.selectors import ballot_boxes_without_key

WORKER_PING_TIMEOUT = 1.0


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means "down"; say which
        return f"error: {type(error).__name__}"
    return "ok"


def _redis() -> str:
    if not settings.REDIS_URL:
        return "not configured (tasks run in-process)"
    import redis  # only when Redis is configured: the embedded default never loads it

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.exceptions.RedisError as error:
        return f"error: {type(error).__name__}"
    return "ok"


def _worker() -> str:
    if not settings.REDIS_URL:
        return "in-process"
    from config.celery import app  # only with a broker: the embedded default has no workers

    try:
        # The first answer will do: waiting out the timeout for every worker's would hold
        # a web process for a second on each probe.
        replies = app.control.ping(timeout=WORKER_PING_TIMEOUT, limit=1)
    except Exception as error:  # noqa: BLE001 - broker down shows up here too
        return f"error: {type(error).__name__}"
    return "ok (a worker answered)" if replies else "error: no worker answered"


def _ballot_keys() -> str:
    try:
        missing = ballot_boxes_without_key()
    except Exception as error:  # noqa: BLE001 - the database check names the failure
        return f"unknown ({type(error).__name__})"
    if missing:
        return "error: no key for the ballot boxes of contests " + ", ".join(map(str, missing))
    return "ok"


def _answer(checks: dict[str, str]) -> JsonResponse:
    """200 when no check reports an error, 503 otherwise; the body says which part failed."""
    healthy = not any(value.startswith("error") for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "failing", **checks}, status=200 if healthy else 503
    )


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Every part: the database, Redis and a worker (for monitoring)."""
    return _answer(
        {
            "database": _database(),
            "redis": _redis(),
            "worker": _worker(),
            "ballot_keys": _ballot_keys(),
        }
    )


@never_cache
@require_GET
def web_health(request: HttpRequest) -> JsonResponse:
    """Whether this process and its database answer, so that it can take ballots (for load
    balancers)."""
    return _answer({"database": _database()})
