"""The Celery app for the worker subprocesses of ``test_worker.py``.

It is the project's app (``config.celery``), with Redis told to hand an unacknowledged task to
another worker after a few seconds, and, when ``SLOW_CHUNK_MARKER`` names a file, a pairwise
chunk that writes that file and then hangs, so the test can kill the worker mid-tally.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from config.celery import app  # noqa: E402
from elections.results import counting  # noqa: E402

app.conf.broker_transport_options = {
    **(app.conf.broker_transport_options or {}),
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3")),
    # Look for abandoned tasks every second instead of every 100 seconds.
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}

_marker = os.environ.get("SLOW_CHUNK_MARKER")
if _marker:
    _count = counting.pairwise_matrix

    def _hanging_count(ranks: Any) -> Any:
        Path(_marker).write_text(str(os.getpid()))
        time.sleep(300)
        return _count(ranks)

    counting.pairwise_matrix = _hanging_count

__all__ = ["app"]
