"""The Celery application.

Configuration comes from Django settings under the ``CELERY_`` namespace. With no
``REDIS_URL`` the tasks run in-process (eager), which is the embedded default of the
quick start; with ``REDIS_URL`` they go through Redis to a worker::

    celery -A config worker -l info
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("stackvote")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="stackvote.ping")
def ping() -> str:
    """Round trip used by the health check and the tests: proves a worker answers."""
    return "pong"
