"""The load benches' server side: gunicorn started and its access log read, the CPU its
workers and their PostgreSQL backends use, the machine the figures come from, and the
scratch database a run works in."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlsplit, urlunsplit

from load_client import HOST, request

ROOT = Path(__file__).resolve().parent.parent


def server_times(access_log: Path, path: str, method: str) -> list[float]:
    """Seconds each ``method path`` request spent in gunicorn, from its access log."""
    times = []
    for line in access_log.read_text().splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == method and parts[1] == path:
            times.append(int(parts[3]) / 1_000_000)
    return times


def start_gunicorn(
    port: int,
    workers: int,
    env: dict[str, str],
    log: IO[bytes] | None = None,
    access_log: Path | None = None,
) -> subprocess.Popen[bytes]:
    """gunicorn on ``port``; its own output goes to ``log`` (default: this terminal), and
    with ``access_log`` each request's method, path, status and time in the server (µs)."""
    command = [
        sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.py"),
        "--bind", f"{HOST}:{port}", "--workers", str(workers),
        "--access-logfile", str(access_log or "/dev/null"),
        "--access-logformat", "%(m)s %(U)s %(s)s %(D)s",
        "config.wsgi",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if asyncio.run(request(port, "GET", "/healthz/web")).status in (200, 503):
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not start within 30 s")


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) the processes ``pids`` have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def server_processes(master: int) -> list[int]:
    """gunicorn's workers (children of ``master``) and the scratch database's backends."""
    from django.db import connection

    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            workers.append(int(stat.parent.name))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        backends = [pid for (pid,) in cursor.fetchall()]
    return workers + backends


def machine() -> str:
    """What the figures depend on: cores, load from other processes, the interpreter's build,
    PostgreSQL's version and commit setting."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        cursor.execute("SHOW synchronous_commit")
        synchronous = cursor.fetchone()[0]
    optimised = interpreter_build()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"machine: {os.cpu_count()} cores, load average {load} before the run; Python "
        f"{sys.version.split()[0]} ({sys.executable}; built with {optimised}); PostgreSQL "
        f"{server}, synchronous_commit {synchronous}"
    )


def interpreter_build() -> str:
    """How this interpreter was built, as far as it tells: optimisation asked of its configure
    script, and whether libpython is a shared library it loads (calls between its own
    functions then go through the dynamic linker) or linked into the executable. Debian's
    build is optimised by its packaging rather than by configure options, so it shows as
    "no configure optimisation" with libpython linked in."""
    import sysconfig

    flags = str(sysconfig.get_config_var("CONFIG_ARGS") or "")
    asked = [
        name
        for option, name in (("--enable-optimizations", "PGO"), ("--with-lto", "LTO"))
        if option in flags
    ]
    with open("/proc/self/maps", encoding="ascii", errors="replace") as maps:
        shared = "libpython" in maps.read()
    return (", ".join(asked) if asked else "no configure optimisation") + (
        ", libpython shared" if shared else ", libpython linked in"
    )


def scratch_database(url: str, *, drop_only: bool = False, suffix: str = "_load") -> str:
    """Create (afresh) the scratch database ``<name><suffix>`` on DATABASE_URL's server and
    return its URL; with ``drop_only``, drop it. The named database itself is never touched."""
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    scratch = (parts.path.lstrip("/") or "stackvote") + suffix
    server = psycopg2.connect(
        dbname="postgres",
        host=parts.hostname or None,
        port=parts.port or None,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch))
            )
            if not drop_only:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    finally:
        server.close()
    return urlunsplit(parts._replace(path="/" + scratch))
