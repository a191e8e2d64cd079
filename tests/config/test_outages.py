"""Redis is a helper, not a store of record: its outage must not fail voters' requests."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from config.celery import app as celery_app
from config.queue import enqueue_on_commit
from tests.conftest import use_broker

UNREACHABLE = "redis://127.0.0.1:1/0"
DEAD_CACHE = {
    "default": {
        "BACKEND": "config.cache.ResilientRedisCache",
        "LOCATION": UNREACHABLE,
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.mark.django_db
@override_settings(CACHES=DEAD_CACHE, SESSION_ENGINE="django.contrib.sessions.backends.cached_db")
def test_sign_in_and_pages_work_while_the_cache_is_down(make_user: Any, caplog: Any) -> None:
    make_user("steady@example.org", password="through the outage 42")
    client = Client()
    credentials = {"login": "steady@example.org", "password": "through the outage 42"}
    response = client.post(reverse("account_login"), credentials)
    assert response.status_code == 302
    assert client.get(reverse("profile")).status_code == 200
    assert "Redis unreachable" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_work_queued_while_the_broker_is_down_does_not_fail_the_request(caplog: Any) -> None:
    saved = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    use_broker(UNREACHABLE)
    try:
        with caplog.at_level(logging.ERROR), transaction.atomic():
            enqueue_on_commit("stackvote.ping")
        assert "Could not queue stackvote.ping" in caplog.text
    finally:
        celery_app.conf.task_always_eager = saved[1]
        use_broker(saved[0])
