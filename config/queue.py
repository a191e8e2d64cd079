"""Queue work for a worker by the task's name, once the current transaction commits.

Actions never import tasks (tasks import actions): they name the task. Every piece of work
queued here is also a row a periodic sweep finds (a notification still queued, a contest
closed and not counted, an ingest run still queued), so a broker that is down when the
transaction commits delays the work and never loses it: the failure is logged, the request
that queued it does not fail after the fact, and the sweep queues it again.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from django.db import transaction
from kombu.exceptions import OperationalError

from config.celery import RESULT_STORE_GAVE_UP
from config.celery import app as celery_app

logger = logging.getLogger(__name__)


def enqueue_on_commit(name: str, *args: Any, **options: Any) -> None:
    """Queue task ``name`` with positional ``args`` after the commit (at once outside one).

    ``options`` go to ``apply_async`` (``task_id``, ``ignore_result``, ...). In the embedded
    default (no broker) the task runs in-process right after the commit.
    """
    transaction.on_commit(functools.partial(_send_or_log, name, args, options))


def _send_or_log(name: str, args: tuple[Any, ...], options: dict[str, Any]) -> None:
    if name not in celery_app.tasks:
        # The apps' tasks modules are discovered lazily (a web process never starts a worker);
        # an unknown name after that is a programming error: let it raise.
        celery_app.loader.import_default_modules()
    task = celery_app.tasks[name]
    try:
        task.apply_async(args, **options)
    except (OperationalError, RuntimeError) as error:
        if isinstance(error, RuntimeError) and RESULT_STORE_GAVE_UP not in str(error):
            raise
        logger.error(
            "Could not queue %s (broker unreachable: %s); the scheduler will retry it.",
            name,
            error,
        )
