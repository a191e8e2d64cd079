"""What the fault drills (``bench/faults.py``) run on: private PostgreSQL and Redis servers
on free loopback ports, the subprocesses the drills start and end (gunicorn, Celery workers),
and helpers on the Django side (a worker's ping, queueing while Redis returns, the mail
delivered, the casts, the results)."""

from __future__ import annotations

import asyncio
import collections
import email
import glob
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from load_client import HOST, RECEIPT, Voter, cast_ballots, load_ballots, request
from load_server import ROOT, start_gunicorn

CLIENT_ERRORS = (OSError, TimeoutError, ValueError, IndexError, asyncio.IncompleteReadError)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], Any], *, timeout: float, interval: float = 0.3) -> Any:
    """``condition()``'s first truthy value, or None after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


# --- Private servers ------------------------------------------------------------------------


class PrivatePostgres:
    """A throwaway cluster owned by ``postgres``: trust auth, loopback, its own socket dir."""

    def __init__(self, base: Path, port: int) -> None:
        self.port = port
        self.root = base / "pg"
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.log = self.root / "server.log"
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not binaries:
            raise SystemExit("PostgreSQL server binaries not found in /usr/lib/postgresql/")
        self.bin = Path(binaries[-1]).parent
        self.started = False

    def _run(self, *command: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(
            [*as_postgres, *command], check=True, stdout=subprocess.DEVNULL, cwd=self.root
        )

    def _ctl(self, action: str, *extra: str) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                  *extra, action)  # fmt: skip

    def start(self) -> None:
        self.sockets.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.sockets, "postgres", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U",
                  "postgres", "--no-sync", "-E", "UTF8")  # fmt: skip
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses={HOST}"
        self._ctl("start", "-o", options)
        self.started = True
        self._run(str(self.bin / "createdb"), "-h", HOST, "-p", str(self.port), "-U",
                  "postgres", "stackvote_faults")  # fmt: skip

    def restart(self) -> float:
        """``pg_ctl restart -m fast`` (sessions are ended, open transactions rolled back)."""
        started = time.perf_counter()
        self._ctl("restart", "-m", "fast")
        return time.perf_counter() - started

    def stop(self) -> None:
        if self.started:
            self._ctl("stop", "-m", "immediate")
            self.started = False

    @property
    def url(self) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/stackvote_faults"


class PrivateRedis:
    def __init__(self, base: Path, port: int) -> None:
        self.port = port
        self.base = base
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with (self.base / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", HOST, "--save", "",
                 "--appendonly", "no", "--daemonize", "no"],
                cwd=self.base, stdout=log, stderr=log,
            )  # fmt: skip
        import redis

        client = redis.Redis(host=HOST, port=self.port, socket_connect_timeout=0.5)
        if not wait_for(lambda: _answers(client), timeout=10, interval=0.1):
            raise SystemExit("the private Redis did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"


def _answers(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - not up yet
        return False


class Processes:
    """Subprocesses (each in its own session) that the script started and must end."""

    def __init__(self, logs: Path, env: dict[str, str]) -> None:
        self.logs = logs
        self.env = env
        self.running: list[subprocess.Popen[bytes]] = []

    def _log(self, name: str) -> IO[bytes]:
        return (self.logs / f"{name}.log").open("ab")

    def worker(self, name: str, app: str = "config", **extra: str) -> subprocess.Popen[bytes]:
        command = [
            sys.executable, "-m", "celery", "-A", app, "worker", "-P", "solo", "-l", "info",
            "-n", f"{name}@faults", "--without-mingle", "--without-gossip", "--without-heartbeat",
        ]  # fmt: skip
        with self._log(name) as log:
            process = subprocess.Popen(
                command, cwd=ROOT, env={**self.env, **extra}, stdout=log, stderr=log,
                start_new_session=True,
            )  # fmt: skip
        self.running.append(process)
        return process

    def gunicorn(self, port: int, workers: int) -> subprocess.Popen[bytes]:
        with self._log("gunicorn") as log:
            process = start_gunicorn(port, workers, self.env, log=log)
        self.running.append(process)
        return process

    def end(self, process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
        if process.poll() is None:
            try:
                os.killpg(process.pid, sig) if sig == signal.SIGKILL else process.send_signal(sig)
                process.wait(timeout=20)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
        if process in self.running:
            self.running.remove(process)

    def end_all(self) -> None:
        for process in list(self.running):
            self.end(process)


class QueueFailures(logging.Handler):
    """Counts "Could not queue ..." records: work queued while the broker is down is logged."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("Could not queue"):
            self.count += 1


# --- Helpers on the Django side ---------------------------------------------------------------


def worker_answers(timeout: float) -> bool:
    from config.celery import app

    def ping() -> bool:
        try:
            return bool(app.control.ping(timeout=1.0))
        except Exception:  # noqa: BLE001 - broker still coming back
            return False

    return bool(wait_for(ping, timeout=timeout, interval=0.5))


def queue(task: Any) -> None:
    """``task.delay()``, retried for a few seconds while the producer reconnects to Redis."""
    from kombu.exceptions import OperationalError

    for attempt in range(10):
        try:
            task.delay()
            return
        except OperationalError:
            if attempt == 9:
                raise
            time.sleep(1)


def mail_delivered(mail_dir: Path) -> collections.Counter[tuple[str, str]]:
    """(recipient, subject) → messages written by the file mail backend."""
    delivered: collections.Counter[tuple[str, str]] = collections.Counter()
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                message = email.message_from_string(chunk.strip())
                delivered[(str(message["To"]), str(message["Subject"]))] += 1
    return delivered


def cast_voters(port: int, contest_id: int, voters: list[Voter], seed: int) -> int:
    """Load the ballot pages, then cast; returns the requests that failed (0 = all receipts)."""
    from elections.models import Contest

    keys = [choice.key for choice in Contest.objects.get(pk=contest_id).ballot_choices()]
    failures = asyncio.run(load_ballots(port, contest_id, voters, 50))
    failed, _, _ = asyncio.run(cast_ballots(port, contest_id, keys, voters, 50, seed))
    return failures + failed


def results_of(contest_id: int) -> list[Any]:
    from elections.results.models import Result

    return list(Result.objects.filter(contest_id=contest_id))


# --- Casting through a PostgreSQL restart ----------------------------------------------------


async def cast_once(port: int, contest_id: int, voter: Voter) -> str:
    form = {"csrfmiddlewaretoken": voter.csrf_token, "step": "confirm"}
    form.update({f"rank-{key}": str(rank) for key, rank in voter.ranks.items()})
    try:
        response = await request(port, "POST", f"/vote/{contest_id}/", cookies=voter.cookies,
                                 form=form)  # fmt: skip
    except CLIENT_ERRORS:
        return "connection error"
    body = response.body.decode(errors="replace")
    match = RECEIPT.search(body)
    if response.status == 200 and match:
        voter.receipt = match.group(1)
        return "receipt"
    if response.status == 503 and "not recorded" in body and "try again" in body:
        return "503 not recorded, try again"
    if response.status == 409 and "already voted" in body:
        return "already voted"
    return f"other: {response.status}"


async def cast_through_restart(
    port: int, contest_id: int, voters: list[Voter], rate: float, restart: Callable[[], float]
) -> tuple[dict[int, str], float, float]:
    """Cast at ``rate`` per second; restart PostgreSQL once a quarter of them are launched."""
    semaphore = asyncio.Semaphore(100)
    outcomes: dict[int, str] = {}
    restart_task: asyncio.Task[float] | None = None
    restart_at = 0.0

    async def one(voter: Voter) -> None:
        async with semaphore:
            outcomes[voter.user_id] = await cast_once(port, contest_id, voter)

    started = time.perf_counter()
    tasks = []
    for index, voter in enumerate(voters):
        await asyncio.sleep(max(0.0, started + index / rate - time.perf_counter()))
        if index == len(voters) // 4:
            restart_at = time.perf_counter() - started
            restart_task = asyncio.create_task(asyncio.to_thread(restart))
        tasks.append(asyncio.create_task(one(voter)))
    await asyncio.gather(*tasks)
    took = await restart_task if restart_task else 0.0
    return outcomes, restart_at, took
