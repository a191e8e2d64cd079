"""The Celery application.

Configuration comes from Django settings under the ``CELERY_`` namespace. With no
``REDIS_URL`` the tasks run in-process (eager), which is the embedded default of the
quick start; with ``REDIS_URL`` they go through Redis to a worker::

    celery -A config worker -l info
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery
from celery.contrib.django.task import DjangoTask
from celery.signals import worker_init
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger(__name__)

# A task whose result is kept (e.g. ``results.tally_contest``) first subscribes to its result
# in Redis, before it is published; with Redis down, Celery's result backend retries and then
# gives up with a RuntimeError carrying this text, not kombu's OperationalError.
RESULT_STORE_GAVE_UP = "Retry limit exceeded while trying to reconnect to the Celery result store"


# Django's task class: connections are handled around each run. Queueing after commit, by
# name and without failing a request when the broker is down, is config.queue.enqueue_on_commit.
app = Celery("stackvote", task_cls=DjangoTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def scheduler_interval() -> Any:
    """Seconds between the scheduler's runs (``STACKVOTE_SCHEDULER_INTERVAL``, default 300).

    Its home is here, beside the schedule it sets; ``elections.conf`` re-exports it."""
    return getattr(settings, "STACKVOTE_SCHEDULER_INTERVAL", 300)


@app.on_after_configure.connect
def schedule_periodic_tasks(sender: Celery, **kwargs: Any) -> None:
    """The scheduler (Celery beat) moves elections by their calendars and sweeps for closed
    contests not yet counted and ingest runs whose task was lost, every
    ``STACKVOTE_SCHEDULER_INTERVAL`` seconds. Entries an
    operator adds in ``CELERY_BEAT_SCHEDULE`` are kept; these cannot be dropped."""
    interval = scheduler_interval()
    sender.conf.beat_schedule = {
        **(sender.conf.beat_schedule or {}),
        "elections-advance": {"task": "elections.advance_elections", "schedule": interval},
        "results-tally-closed-contests": {
            "task": "results.tally_closed_contests",
            "schedule": interval,
        },
        "accounts-requeue-stale-ingest-runs": {
            "task": "accounts.requeue_stale_ingest_runs",
            "schedule": interval,
        },
        "voting-destroy-spent-keys": {"task": "voting.destroy_spent_keys", "schedule": interval},
    }


@app.task(name="stackvote.ping")
def ping() -> str:
    """Round trip used by the health check and the tests: proves a worker answers."""
    return "pong"


# How much a worker lowers its CPU priority, by default (``STACKVOTE_WORKER_NICENESS``).
WORKER_NICENESS = 10


def background_priority() -> int:
    """Lower this process's CPU priority by ``STACKVOTE_WORKER_NICENESS`` (0: leave it), and
    return the niceness it runs at.

    A worker's tasks (seals, counts, files, mail) are background work; the web server's
    are voters waiting. On a machine that runs both, a million-ballot seal at the same
    priority takes a core away from casting in every other contest for as long as it runs,
    and casts queue behind it; at a lower priority it takes what the web server leaves.
    Children of a prefork worker inherit the parent's priority."""
    return os.nice(max(int(getattr(settings, "STACKVOTE_WORKER_NICENESS", WORKER_NICENESS)), 0))


@worker_init.connect
def _worker_background_priority(**kwargs: Any) -> None:
    niceness = background_priority()
    logger.info("Worker runs at niceness %s (STACKVOTE_WORKER_NICENESS).", niceness)


@worker_init.connect
def patient_result_store(sender: Any, **kwargs: Any) -> None:
    """A worker retries the result store as Celery does by default (twenty tries, about 19 s):
    it stores results and joins a chunked count's chord there, and a Redis restart must not
    fail them. Web processes give up in about half a second (settings:
    ``CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS``): their work is kept in the database and the
    scheduler queues it again."""
    worker_app = getattr(sender, "app", None) or app
    options = dict(worker_app.conf.result_backend_transport_options or {})
    options.pop("retry_policy", None)
    worker_app.conf.result_backend_transport_options = options
