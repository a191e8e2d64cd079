"""The chunked count on real Celery workers: with N worker processes, reading and counting the
ballots take about 1/N of the time they take with one.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stackvote \\
    REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/tally_workers.py --ballots 1000000 --chunks 8 --workers 1 2

Works in a scratch database (``test_<name>``, created, migrated and dropped). It seals one
closed contest of ``--ballots`` ballots × 20 candidates, then, for each worker count, starts
``celery worker`` (prefork, that many processes; each process is what one machine of a
deployment would run) on the scratch database and Redis, and times the chord's header: the
``results.pairwise_chunk`` tasks, each of which reads its own range of the sealed blocks from
PostgreSQL and counts its pairwise matrix and its ballots' multiset digest. Only the C×C
matrices and two numbers travel back through Redis. Each measurement is repeated
``--repeat`` times and the median kept. Last, the chunks' matrices, ballot count and
multiset digest, summed, are compared with one process's count of every ballot.

The last line is ``goals met`` or ``goals missed: ...``: the chunks on two workers take at
most 1/1.6 of their time on one (a speed-up of at least 1.6: "about 2" on a machine whose two
cores also run PostgreSQL and Redis), and the chunks' sum equals the one-process count.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid

from django.conf import settings
from django.db import connection
from results_tally import closed_contest  # sets up Django

GOAL_SPEEDUP = 1.6


def start_worker(processes: int, database_url: str, chunk: int) -> subprocess.Popen[bytes]:
    """A Celery worker of ``processes`` prefork processes on the scratch database, counting
    in chunks of ``chunk`` ballots, ready."""
    from config.celery import app

    node = f"bench-{processes}-{uuid.uuid4().hex[:6]}@localhost"
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=prefork",
            f"--concurrency={processes}",
            "--prefetch-multiplier=1",
            "--loglevel=ERROR",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            node,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "STACKVOTE_TALLY_CHUNK_SIZE": str(chunk),
        },
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.ping(destination=[node], timeout=1.0) or []
        if replies:
            return worker
        if worker.poll() is not None:
            sys.exit(f"the worker stopped at start (exit {worker.returncode})")
    worker.kill()
    sys.exit("the worker did not answer within 60 s")


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def time_chunks(contest: object, chunks: int) -> tuple[float, list[dict[str, object]]]:
    """Seconds from sending the chunks of one count to having all their matrices back, and
    the matrices."""
    from celery import group

    from elections.results import actions
    from elections.results.tasks import pairwise_chunk

    token = str(uuid.uuid4())
    run = actions.tally_run_start(contest=contest, task_id=token, ballot_count=0)
    actions.tally_run_fan_out(run=run, chunks=chunks)
    header = group(
        pairwise_chunk.s(contest.pk, part, chunks, run.pk, token)  # type: ignore[attr-defined]
        for part in range(chunks)
    )
    started = time.perf_counter()
    # Results are polled: every 5 ms rather than the default half second.
    partials = header.apply_async().get(timeout=600, interval=0.005)
    return time.perf_counter() - started, partials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--chunks", type=int, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        sys.exit("Run it on PostgreSQL and Redis (DATABASE_URL=postgres://..., REDIS_URL=...).")
    from config.celery import app

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    print(
        f"scratch database {test_name}; {os.cpu_count()} cores, "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    missed: list[str] = []
    try:
        missed = run(options, f"{base}/{test_name}", app)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print("goals met" if not missed else "goals missed: " + "; ".join(missed))


def run(options: argparse.Namespace, database_url: str, app: object) -> list[str]:
    """Build and seal; per worker count start a worker, time the chunks, stop it; then check
    the chunks' sum against one process's count of every ballot."""
    from elections.results import counting, selectors
    from elections.voting.actions import ballots_seal

    app.conf.task_always_eager = True  # type: ignore[attr-defined]
    started = time.perf_counter()
    contest = closed_contest(options.candidates, options.ballots, seed=1, slug="chunked")
    # The close queued its seal and count for a worker: the bench seals here and times the
    # chunks itself, so that queued work goes.
    app.conf.task_always_eager = False  # type: ignore[attr-defined]
    app.control.purge()  # type: ignore[attr-defined]
    ballots_seal(contest=contest)
    chunk = -(-options.ballots // options.chunks)
    print(
        f"{options.ballots} ballots × {options.candidates} candidates sealed in "
        f"{time.perf_counter() - started:.1f} s; {options.chunks} chunks of {chunk}",
        flush=True,
    )
    medians: dict[int, float] = {}
    partials: list[dict[str, object]] = []
    for processes in options.workers:
        worker = start_worker(processes, database_url, chunk)
        try:
            time_chunks(contest, options.chunks)  # the processes open their connections
            runs = [time_chunks(contest, options.chunks) for _ in range(options.repeat)]
        finally:
            stop_worker(worker)
        times = [seconds for seconds, _ in runs]
        partials = runs[-1][1]
        medians[processes] = statistics.median(times)
        print(
            f"  chunks (read + pairwise) on {processes} worker process(es): median "
            f"{medians[processes]:.3f} s of {options.repeat} "
            f"({', '.join(f'{t:.3f}' for t in times)})",
            flush=True,
        )
    missed: list[str] = []
    if 1 in medians and 2 in medians:
        speedup = medians[1] / medians[2]
        print(f"  speed-up with 2 worker processes: {speedup:.2f}× (goal ≥ {GOAL_SPEEDUP}×)")
        if speedup < GOAL_SPEEDUP:
            missed.append(f"speed-up with 2 workers {speedup:.2f}× < {GOAL_SPEEDUP}×")
    ranks = selectors.contest_ballot_matrix(contest).ranks
    summed = counting.add_partials(partials, ranks.shape[1])
    same = (
        summed.ballot_count == ranks.shape[0]
        and summed.pairwise == counting.pairwise_matrix(ranks)
        and summed.multiset == selectors.ballot_multiset_sum(ranks)
    )
    print(f"  the chunks' sum equals one process's count of every ballot: {same}")
    if not same:
        missed.append("the chunks' sum differs from one process's count")
    return missed


if __name__ == "__main__":
    main()
