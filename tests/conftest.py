"""Shared fixtures.

Tasks run eagerly in-process by default so that a test sees the effect of the work it
queues; tests marked ``worker`` get a real Celery worker consuming from Redis instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache

from accounts.models import User
from config.celery import app as celery_app


@pytest.fixture(autouse=True)
def _fresh_cache_and_eager_tasks(request: pytest.FixtureRequest) -> Iterator[None]:
    # Rate limits live in the cache; start every test with none spent.
    cache.clear()
    eager = request.node.get_closest_marker("worker") is None
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = eager or previous[0]
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def make_user(db: Any) -> Any:
    """Create an account whose listed addresses are verified (first one primary)."""

    def make(
        email: str = "voter@example.org",
        *,
        verified: tuple[str, ...] | None = None,
        unverified: tuple[str, ...] = (),
        password: str = "correct horse battery staple",
        **extra: Any,
    ) -> User:
        user = User.objects.create_user(email=email, password=password, **extra)
        for index, address in enumerate(verified if verified is not None else (email,)):
            EmailAddress.objects.create(user=user, email=address, verified=True, primary=index == 0)
        for address in unverified:
            EmailAddress.objects.create(user=user, email=address, verified=False, primary=False)
        return user

    return make


@pytest.fixture
def official(make_user: Any) -> User:
    from accounts.roles import ensure_official_group

    user = make_user("official@example.org", is_staff=True)
    user.groups.add(ensure_official_group())
    return user


def _redis_url_for_worker() -> str:
    from django.conf import settings

    return settings.REDIS_URL or "redis://127.0.0.1:6379/15"


@pytest.fixture
def celery_worker(transactional_db: Any) -> Iterator[Any]:
    """A real Celery worker (in a thread) consuming from Redis.

    Tests using it must be marked ``@pytest.mark.worker``. Without a reachable Redis the test
    is skipped on a developer machine, and fails in CI (``CI`` set), where Redis must run.
    """
    import os

    import redis
    from celery.contrib.testing.worker import start_worker

    url = _redis_url_for_worker()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not reachable at {url}")
    saved = {
        key: celery_app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")
    }
    celery_app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    try:
        with start_worker(
            celery_app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=20
        ) as worker:
            yield worker
    finally:
        celery_app.conf.update(saved)
