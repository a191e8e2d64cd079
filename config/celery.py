"""The Celery application.

Configuration comes from Django settings under the ``CELERY_`` namespace. With no
``REDIS_URL`` the tasks run in-process (eager), which is the embedded default of the
quick start; with ``REDIS_URL`` they go through Redis to a worker::

    celery -A config worker -l info
"""

from __future__ import annotations

import functools
import logging
import os
from typing import Any

from celery import Celery
from celery.contrib.django.task import DjangoTask
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger(__name__)

# A task whose result is kept (e.g. ``results.tally_contest``) first subscribes to its result
# in Redis, before it is published; with Redis down, Celery's result backend retries and then
# gives up with a RuntimeError carrying this text, not kombu's OperationalError.
RESULT_STORE_GAVE_UP = "Retry limit exceeded while trying to reconnect to the Celery result store"


class StackvoteTask(DjangoTask):
    """Tasks queued once the transaction commits, never failing the request that queued them.

    Work queued from a request (mail, tallies) is also recorded in the database, and the
    scheduler's periodic tasks pick up what is still pending. So if Redis is down when the
    transaction commits, the data is safe and the request must not fail after the fact: the
    failure to queue is logged and the periodic task sends or runs it once Redis is back.
    """

    def delay_on_commit(self, *args: Any, **kwargs: Any) -> None:
        from django.db import transaction

        transaction.on_commit(functools.partial(self._send_or_log, args, kwargs, {}))

    def apply_async_on_commit(self, args: Any = None, kwargs: Any = None, **options: Any) -> None:
        from django.db import transaction

        transaction.on_commit(functools.partial(self._send_or_log, args, kwargs, options))

    def _send_or_log(self, args: Any, kwargs: Any, options: dict[str, Any]) -> None:
        try:
            self.apply_async(args, kwargs, **options)
        except (OperationalError, RuntimeError) as error:
            if isinstance(error, RuntimeError) and RESULT_STORE_GAVE_UP not in str(error):
                raise
            logger.error(
                "Could not queue %s (broker unreachable: %s); the scheduler will retry it.",
                self.name,
                error,
            )


app = Celery("stackvote", task_cls=StackvoteTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def scheduler_interval() -> Any:
    """Seconds between the scheduler's runs (``STACKVOTE_SCHEDULER_INTERVAL``, default 300).

    Its home is here, beside the schedule it sets; ``elections.conf`` re-exports it."""
    from django.conf import settings

    return getattr(settings, "STACKVOTE_SCHEDULER_INTERVAL", 300)


@app.on_after_configure.connect
def schedule_periodic_tasks(sender: Celery, **kwargs: Any) -> None:
    """The scheduler (Celery beat) moves elections by their calendars and sweeps for closed
    contests not yet counted, every ``STACKVOTE_SCHEDULER_INTERVAL`` seconds. Entries an
    operator adds in ``CELERY_BEAT_SCHEDULE`` are kept; these two cannot be dropped."""
    interval = scheduler_interval()
    sender.conf.beat_schedule = {
        **(sender.conf.beat_schedule or {}),
        "elections-advance": {"task": "elections.advance_elections", "schedule": interval},
        "results-tally-closed-contests": {
            "task": "results.tally_closed_contests",
            "schedule": interval,
        },
    }


@app.task(name="stackvote.ping")
def ping() -> str:
    """Round trip used by the health check and the tests: proves a worker answers."""
    return "pong"
