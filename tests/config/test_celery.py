from __future__ import annotations

import pytest

from config.celery import ping


@pytest.mark.worker
def test_task_round_trip_through_a_real_worker_on_redis(celery_worker: object) -> None:
    """A task queued by the site is picked up by a worker over Redis and its result comes back."""
    result = ping.delay()
    assert result.get(timeout=20) == "pong"
    assert result.status == "SUCCESS"


def test_tasks_run_in_process_without_a_broker_in_the_embedded_default() -> None:
    """With no REDIS_URL the quick start needs no broker: queued work runs at once."""
    assert ping.delay().get(timeout=5) == "pong"
