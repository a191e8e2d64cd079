"""Work queued on commit while Redis is down is logged, also for tasks whose result is kept.

Found by ``bench/faults.py`` (Redis stopped, an official's "close and tally"): a task with a
result (``results.tally_contest``) subscribes to its result in Redis before it is published,
and Celery's result backend gives up with a RuntimeError, not kombu's OperationalError, so the
failure escaped the on-commit callback and failed the request after its data was committed.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import transaction

from config.celery import RESULT_STORE_GAVE_UP, ping
from config.queue import enqueue_on_commit

pytestmark = pytest.mark.django_db(transaction=True)


def _raising(error: Exception) -> Any:
    def apply_async(*args: Any, **kwargs: Any) -> None:
        raise error

    return apply_async


def test_the_result_store_giving_up_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    # Celery's own message (celery.backends.asynchronous.E_RETRY_LIMIT_EXCEEDED).
    message = f"\n{RESULT_STORE_GAVE_UP}\nbackend. The Celery application must be restarted.\n"
    task = ping._get_current_object()
    monkeypatch.setattr(task, "apply_async", _raising(RuntimeError(message)))
    with caplog.at_level(logging.ERROR), transaction.atomic():
        enqueue_on_commit("stackvote.ping")
    assert "Could not queue stackvote.ping" in caplog.text


def test_other_runtime_errors_still_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    task = ping._get_current_object()
    monkeypatch.setattr(task, "apply_async", _raising(RuntimeError("a bug, not an outage")))
    with pytest.raises(RuntimeError, match="a bug"), transaction.atomic():
        enqueue_on_commit("stackvote.ping")


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_queueing_a_task_whose_result_is_kept_gives_up_in_seconds_while_redis_is_down() -> None:
    """An official's "close and tally" queues ``results.tally_contest``, whose result is kept:
    Celery first subscribes to the result in Redis. With Redis down, the request must not
    hang while the result store retries (Celery's default: twenty tries, about 19 s); the
    work is in the database and the scheduler's sweep queues it again."""
    import time

    from celery import Celery
    from kombu.exceptions import OperationalError

    dead = f"redis://127.0.0.1:{_closed_port()}/0"
    web = Celery("stackvote-web-test")
    web.config_from_object("django.conf:settings", namespace="CELERY")
    web.conf.broker_url = dead
    web.conf.result_backend = dead
    started = time.perf_counter()
    with pytest.raises((RuntimeError, OperationalError)):
        web.send_task("results.tally_contest", args=(1,))
    assert time.perf_counter() - started < 5


def test_a_worker_keeps_celerys_patient_result_store_retries() -> None:
    """Workers store results and join chords through the result store: a Redis restart of a
    few seconds must not fail a count, so they keep Celery's default retries."""
    from celery import Celery

    from config.celery import patient_result_store

    worker = Celery("stackvote-worker-test")
    worker.config_from_object("django.conf:settings", namespace="CELERY")
    worker.conf.result_backend = "redis://127.0.0.1:6379/0"
    assert "retry_policy" in (worker.conf.result_backend_transport_options or {})
    patient_result_store(sender=type("Sender", (), {"app": worker})())
    assert worker.backend.retry_policy["max_retries"] == 20
