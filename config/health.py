"""Health endpoints.

``/healthz`` is for monitoring: the database, Redis, a Celery worker and the keys of the open
ballot boxes, 503 naming any part that fails. Those details are for monitoring alone: it sends
``Authorization: Bearer <STACKVOTE_HEALTH_TOKEN>`` (over HTTPS when the site requires it), or a
signed-in official opens the page. Anyone else gets ``{"status": ...}`` from the database alone,
worked out at most once every ``ANONYMOUS_ANSWER_SECONDS`` per process: pinging a worker holds
a web process up to a second, and a few clients looping on it would slow every page.

``/healthz/web`` is for load balancers: 200 while this web process can take ballots, which
needs only the database. Voting goes on while Redis or the workers are away (ballots are
written to PostgreSQL in the request), so their outage must not make a load balancer take
every web process out of service. Both answer over plain HTTP even when the site redirects to
HTTPS (``SECURE_REDIRECT_EXEMPT`` in config/settings.py): a probe takes a redirect for a failure.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.roles import is_official
from elections import conf
from elections.voting.selectors import ballot_boxes_without_key

WORKER_PING_TIMEOUT = 1.0
# How long one process reuses its answer to anonymous callers.
ANONYMOUS_ANSWER_SECONDS = 5.0
BEARER = "Bearer "


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


class _RecentAnswer:
    """The anonymous answer of this process, reused for ``ANONYMOUS_ANSWER_SECONDS``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._healthy = True
        self._until = 0.0

    def healthy(self) -> bool:
        with self._lock:  # one caller works it out; the others wait for its answer
            now = time.monotonic()
            if now >= self._until:
                self._healthy = _database() == "ok"
                self._until = now + ANONYMOUS_ANSWER_SECONDS
            return self._healthy

    def forget(self) -> None:
        with self._lock:
            self._until = 0.0


recent_answer = _RecentAnswer()


def _token_refusal(request: HttpRequest, given: str) -> str:
    """Why the token monitoring sent does not open the details, or "" when it does."""
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        # The site is HTTPS-only: a token sent in clear is refused, loudly, so that it is
        # replaced and monitoring moved to HTTPS, rather than taken as it passes.
        return "send the token over HTTPS"
    token = conf.health_token()
    if not token or not constant_time_compare(given, token):
        return "wrong token"
    return ""


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Every part: the database, Redis, a worker and the ballot keys, for monitoring (its
    token) and officials; a short answer, from the database alone, for anyone else."""
    header = request.headers.get("Authorization", "")
    if header.startswith(BEARER):
        refusal = _token_refusal(request, header[len(BEARER) :].strip())
        if refusal:
            return JsonResponse({"status": "forbidden", "error": refusal}, status=403)
    elif not is_official(request.user):
        healthy = recent_answer.healthy()
        return JsonResponse(
            {"status": "ok" if healthy else "failing"}, status=200 if healthy else 503
        )
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
