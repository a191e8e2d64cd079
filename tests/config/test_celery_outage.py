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
