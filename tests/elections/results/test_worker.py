"""Tallies through real Celery workers on Redis (not eager)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from elections.results import actions
from elections.results.models import Result, TallyRun, TallyRunState
from elections.results.tasks import tally_contest
from elections.voting.actions import ballots_seal

from .test_tally import WIKIPEDIA_CANDIDATES, assert_same_count, wikipedia_ballots

pytestmark = pytest.mark.worker
# A worker thread writing beside the test needs PostgreSQL: SQLite's shared in-memory test
# database locks whole tables ("database table is locked").
needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
)

REPO = Path(settings.BASE_DIR)


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def stored_result(contest: Any) -> Result | None:
    return Result.objects.filter(contest=contest).first()


@needs_postgres
def test_small_and_chunked_contests_tally_identically_on_a_real_worker(
    celery_worker: Any, polled_contest: Any, settings: Any
) -> None:
    # Closing each poll is all it takes: the close queues the seal and the count.
    single = polled_contest(candidates=WIKIPEDIA_CANDIDATES, ballots=wikipedia_ballots())
    one = wait_for(lambda: stored_result(single), timeout=30, what="the single tally")
    # The worker runs in this process, so it sees the smaller chunk size.
    settings.STACKVOTE_TALLY_CHUNK_SIZE = 10
    chunked = polled_contest(candidates=WIKIPEDIA_CANDIDATES, ballots=wikipedia_ballots())
    many = wait_for(lambda: stored_result(chunked), timeout=30, what="the chunked tally")
    assert_same_count(one, many)
    run = TallyRun.objects.get(contest=chunked)
    assert run.chunks_total == 5
    wait_for(
        lambda: TallyRun.objects.get(pk=run.pk).state == TallyRunState.SUCCEEDED,
        timeout=10,
        what="the run to finish",
    )
    assert TallyRun.objects.get(pk=run.pk).chunks_done == 5


@needs_postgres
def test_the_task_run_twice_on_a_worker_stores_one_result(
    celery_worker: Any, polled_contest: Any
) -> None:
    contest = polled_contest()
    ballots_seal(contest=contest)
    first = tally_contest.delay(contest.pk)
    second = tally_contest.delay(contest.pk)
    ids = {first.get(timeout=30), second.get(timeout=30)}
    assert len(ids) == 1
    assert Result.objects.filter(contest=contest).count() == 1


def _worker_environment(**extra: str) -> dict[str, str]:
    database = connection.settings_dict
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": (
            f"postgres://{credentials}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        "STACKVOTE_TALLY_CHUNK_SIZE": "4",
        "CELERY_VISIBILITY_TIMEOUT": "2",
    }
    environment.pop("SLOW_CHUNK_MARKER", None)
    environment.update(extra)
    return environment


@pytest.fixture
def worker_process() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start ``celery worker`` subprocesses; any still running at the end are killed."""
    started: list[subprocess.Popen[bytes]] = []

    def start(**environment: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tests.elections.results.worker_app",
                "worker",
                "-P",
                "solo",
                "-l",
                "warning",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ],
            cwd=REPO,
            env=_worker_environment(**environment),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_a_worker_killed_mid_tally_is_replaced_and_the_tally_finishes(
    transactional_db: Any, polled_contest: Any, worker_process: Any, tmp_path: Path
) -> None:
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs PostgreSQL and Redis shared with a worker subprocess")
    from config.celery import app

    # Messages left in the queue by earlier tests must not keep the first worker busy.
    app.control.purge()
    contest = polled_contest(candidates=WIKIPEDIA_CANDIDATES, ballots=wikipedia_ballots()[:12])
    marker = tmp_path / "chunk-started"
    doomed = worker_process(SLOW_CHUNK_MARKER=str(marker))
    actions.contest_close_and_tally(contest=contest)
    wait_for(marker.exists, timeout=30, what="the first worker to start a chunk")
    run = TallyRun.objects.get(contest=contest)
    assert run.state == TallyRunState.RUNNING and run.chunks_total == 3
    os.killpg(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    assert stored_result(contest) is None
    # A new worker takes the abandoned chunk once the visibility timeout has passed.
    worker_process()
    result = wait_for(lambda: stored_result(contest), timeout=25, what="the replacement worker")
    assert result.ballot_count == 12
    assert Result.objects.filter(contest=contest).count() == 1
    wait_for(
        lambda: TallyRun.objects.get(pk=run.pk).state == TallyRunState.SUCCEEDED,
        timeout=10,
        what="the run to be marked done",
    )


def _niceness(pid: int) -> int:
    # /proc/<pid>/stat: the 19th field is the niceness (after the parenthesised name).
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[16])


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_worker_runs_below_the_web_servers_priority(
    worker_process: Callable[..., subprocess.Popen[bytes]],
) -> None:
    """A worker lowers its own CPU priority as it starts (``STACKVOTE_WORKER_NICENESS``,
    10 by default), so that a million-ballot seal on the machine of the web server does not
    take a core from voters casting."""
    own = os.nice(0)
    worker = worker_process()
    wait_for(
        lambda: _niceness(worker.pid) == min(own + 10, 19),
        timeout=60,
        what="the worker to lower its priority",
    )
    milder = worker_process(STACKVOTE_WORKER_NICENESS="3")
    wait_for(
        lambda: _niceness(milder.pid) == min(own + 3, 19),
        timeout=60,
        what="the second worker to lower its priority by 3",
    )
