"""Load test: every elector of a contest casts a ballot through gunicorn, many at a time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stackvote \
    REDIS_URL=redis://127.0.0.1:6379/9 \
    .venv/bin/python bench/load_vote.py --voters 5000 --concurrency 200

What it does, all on this machine (loopback only, bounded in count and time):

1. creates a scratch database on DATABASE_URL's server, named after its database with
   ``_load`` added (``stackvote_load``: the named database itself is not touched; an earlier
   run's scratch database is replaced, and this one is dropped at the end unless ``--keep``),
   migrates it and builds a community vote in polling whose electorate is ``--voters`` new
   accounts with verified addresses, through the real actions (hand-added voters, the
   election calendar);
2. gives each voter a signed-in session (a session row, as the sign-in form would create:
   the password hasher's cost is not what this measures); once gunicorn runs, the first 20
   voters sign in through the sign-in form itself instead;
3. starts gunicorn in production mode (``config/gunicorn.py``, ``--workers``);
4. each voter loads their ballot page (for the CSRF token), then two measurements:
   - **throughput**: all of them cast at once, ``--concurrency`` at a time. This gives the
     most ballots per second; the latency it shows is mostly queueing (Little's law: 200 in
     flight at 300/s wait 0.67 s on average);
   - **latency**: the same voters cast in a second contest of the election, arriving
     ``--rate`` per second (default 300, the goal's load; still at most ``--concurrency`` in
     flight). Each cast's time counts from its arrival, so waiting for a free slot, when the
     server falls behind, is included;
5. checks, after each measurement, that ballots stored = voter records = voters, and that
   every ballot, found by the hash of the receipt its voter was shown, holds exactly the
   ranks that voter sent;
6. closes, tallies and publishes the first contest, then times ``--readers`` concurrent
   readers of the results page and both feeds.

It prints throughput and p50/p95/p99 latencies, then each goal (on 2 cores: at least 300
ballots/s; p99 under 250 ms at 300 arrivals/s) as met or missed. It exits non-zero when a
ballot is lost, doubled or altered, or any request fails; a missed goal is reported, not an
error, since the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import hashlib
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
OPTIONS = ("Ada", "Brian", "Carol", "Dennis", "Edsger", "Frances")
RECEIPT = re.compile(r"\b([A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5})\b")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REQUEST_TIMEOUT = 60.0
BENCH_REASON = "Load test elector"
PACED_SLUG = "mascot"
GOAL_RATE = 300.0
# The first voters sign in through the sign-in form (allauth: verified address, password);
# the rest get their session row directly (the password hasher's cost, ~0.3 s of CPU per
# sign-in by design, is not what this measures).
FORM_SIGN_INS = 20
PASSWORD = "bench passphrase for a load test"  # noqa: S105
GOAL_P99_MS = 250.0


# --- A small HTTP/1.1 client on asyncio streams (keeps the client cheap next to the server) ---


@dataclass
class Response:
    status: int
    headers: dict[str, list[str]]
    body: bytes

    def cookies(self) -> dict[str, str]:
        jar: dict[str, str] = {}
        for raw in self.headers.get("set-cookie", []):
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(raw)
            jar.update({name: morsel.value for name, morsel in cookie.items()})
        return jar


async def request(
    port: int,
    method: str,
    path: str,
    *,
    cookies: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    source: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """One request on a new connection, from the loopback address ``source`` if given."""
    local = (source, 0) if source else None
    reader, writer = await asyncio.open_connection(HOST, port, local_addr=local)
    try:
        body = urlencode(form).encode() if form is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close"]
        if cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if form is not None:
            lines += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
                f"Origin: http://{HOST}:{port}",
                f"Referer: http://{HOST}:{port}{path}",
            ]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), REQUEST_TIMEOUT)
    finally:
        writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, list[str]] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    if "chunked" in headers.get("transfer-encoding", [""])[0]:
        payload = _unchunk(payload)
    return Response(int(status_line.split()[1]), headers, payload)


def _unchunk(payload: bytes) -> bytes:
    out, rest = b"", payload
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2 :]
    return out


# --- Setting up the electorate --------------------------------------------------------------


@dataclass
class Voter:
    user_id: int
    email: str
    session_key: str = ""
    cookies: dict[str, str] = field(default_factory=dict)
    csrf_token: str = ""
    ranks: dict[str, int] = field(default_factory=dict)
    receipt: str = ""


def build_poll(
    voter_count: int, run: str, second_contest: str = ""
) -> tuple[int, str, str, list[Voter]]:
    """A community vote in polling with ``voter_count`` electors; returns contest id, slugs.

    With ``second_contest`` (a slug) the election holds a second vote with the same options
    and electorate, so that the same voters can cast again in another measurement.
    """
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.utils import timezone

    from accounts.models import ExtraVoter, ExtraVoterSource, User
    from elections.actions import contest_create, option_create
    from elections.models import Phase
    from elections.scenarios import scenario_election, scenario_move

    # Hand-added voters count in every later roll: those of earlier runs would swell this
    # run's electorate, so they go (their frozen rolls keep their addresses).
    ExtraVoter.objects.filter(reason=BENCH_REASON).delete()
    emails = [f"bench-{run}-{index}@example.org" for index in range(voter_count)]
    # One real password, hashed once (the hasher's cost is deliberate), for those who sign in
    # through the form; the others get no usable password.
    hashed = make_password(PASSWORD)
    User.objects.bulk_create(
        [
            User(email=email, password=hashed if i < FORM_SIGN_INS else "!", full_name=f"Voter {i}")
            for i, email in enumerate(emails)
        ],
        batch_size=2000,
    )
    users = list(User.objects.filter(email__in=emails).order_by("pk"))
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
        batch_size=2000,
    )
    # Hand-added voters, exactly as voter_add() writes them, in bulk for speed.
    ExtraVoter.objects.bulk_create(
        [
            ExtraVoter(email=u.email, reason=BENCH_REASON, source=ExtraVoterSource.MANUAL)
            for u in users
        ],
        batch_size=2000,
    )
    election = scenario_election(
        official=None,
        name=f"Load test {run}",
        slug=f"load-{run}",
        opens=timezone.now() - datetime.timedelta(hours=1),
    )
    contest = contest_create(
        election=election, actor=None, kind="community", name="Release name", slug="release"
    )
    for option in OPTIONS:
        option_create(contest=contest, actor=None, name=option)
    if second_contest:
        other = contest_create(
            election=election, actor=None, kind="community", name="Mascot", slug=second_contest
        )
        for option in OPTIONS:
            option_create(contest=other, actor=None, name=option)
    election = scenario_move(election, Phase.NOMINATIONS, actor=None, reason="bench")
    scenario_move(election, Phase.POLLING, actor=None, reason="bench")

    # Polls open days after the roll is frozen, by when autovacuum has analysed the new rows.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    voters = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        voters.append(Voter(user.pk, user.email, session_key=store.session_key or ""))
    return contest.pk, election.slug, contest.slug, voters


# --- The run --------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def report(label: str, latencies: list[float], elapsed: float) -> str:
    ms = [value * 1000 for value in latencies]
    return (
        f"{label:<34} {len(ms):>6} req  {len(ms) / elapsed:>8.1f}/s  "
        f"p50 {percentile(ms, 0.50):>7.1f} ms  p95 {percentile(ms, 0.95):>7.1f} ms  "
        f"p99 {percentile(ms, 0.99):>7.1f} ms"
    )


async def bounded(
    concurrency: int,
    jobs: list,  # noqa: ANN001
    worker,  # noqa: ANN001
    rate: float = 0,
) -> tuple[list[float], float, int]:
    """Run ``worker`` on every job, at most ``concurrency`` at a time.

    With a ``rate`` (jobs per second) job i is due at i / rate seconds (voters arriving at
    that pace) and its latency counts from when it was due, so that time spent waiting for a
    free slot, when the server falls behind, is counted too.
    """
    semaphore = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    failures = 0
    started = time.perf_counter()

    async def one(index: int, job: object) -> None:
        nonlocal failures
        due = started + index / rate if rate else 0.0
        if rate:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
        async with semaphore:
            began = due or time.perf_counter()
            try:
                ok = await worker(job)
            except (TimeoutError, OSError, ValueError) as error:
                print(f"  request failed: {type(error).__name__}: {error}", file=sys.stderr)
                ok = False
            latencies.append(time.perf_counter() - began)
            failures += 0 if ok else 1

    await asyncio.gather(*(one(index, job) for index, job in enumerate(jobs)))
    return latencies, time.perf_counter() - started, failures


async def sign_in(port: int, voters: list[Voter]) -> int:
    """Sign ``voters`` in through the sign-in form; their sessions replace the prepared ones.

    Each comes from an address of its own in 127.0.0.0/8, as voters do from their own
    machines: the form allows only so many sign-ins a minute from one address.
    """
    failures = 0
    network = random.randrange(1, 255)
    for index, voter in enumerate(voters):
        source = f"127.{network}.{index // 250}.{index % 250 + 1}"
        page = await request(port, "GET", "/accounts/login/", source=source)
        match = CSRF_INPUT.search(page.body.decode())
        cookies = page.cookies()
        if page.status != 200 or not match:
            failures += 1
            continue
        form = {"csrfmiddlewaretoken": match.group(1), "login": voter.email, "password": PASSWORD}
        answer = await request(
            port, "POST", "/accounts/login/", cookies=cookies, form=form, source=source
        )
        session = answer.cookies().get("sessionid", "")
        if answer.status != 302 or not session:
            failures += 1
            continue
        voter.session_key = session
    return failures


async def load_ballots(port: int, contest_id: int, voters: list[Voter], concurrency: int) -> int:
    async def load(voter: Voter) -> bool:
        voter.cookies = {"sessionid": voter.session_key}
        response = await request(port, "GET", f"/vote/{contest_id}/", cookies=voter.cookies)
        match = CSRF_INPUT.search(response.body.decode())
        if response.status != 200 or not match:
            return False
        voter.cookies.update(response.cookies())
        voter.csrf_token = match.group(1)
        return True

    latencies, elapsed, failures = await bounded(concurrency, voters, load)
    print(report("ballot page (GET)", latencies, elapsed))
    return failures


async def cast_ballots(
    port: int,
    contest_id: int,
    keys: list[str],
    voters: list[Voter],
    concurrency: int,
    seed: int,
    rate: float = 0,
) -> tuple[int, list[float], float]:
    rng = random.Random(seed)
    for voter in voters:
        voter.receipt = ""
        # Ranks with ties and unranked choices, as real ballots have.
        voter.ranks = {key: rng.randint(1, len(keys)) for key in keys if rng.random() < 0.8}
        if not voter.ranks:  # a blank ballot is refused by design: rank one at least
            voter.ranks = {rng.choice(keys): 1}

    async def cast(voter: Voter) -> bool:
        form = {"csrfmiddlewaretoken": voter.csrf_token, "step": "confirm"}
        form.update({f"rank-{key}": str(rank) for key, rank in voter.ranks.items()})
        response = await request(
            port, "POST", f"/vote/{contest_id}/", cookies=voter.cookies, form=form
        )
        match = RECEIPT.search(response.body.decode())
        if response.status != 200 or not match:
            return False
        voter.receipt = match.group(1)
        return True

    latencies, elapsed, failures = await bounded(concurrency, voters, cast, rate)
    return failures, latencies, elapsed


def dense(ranks: dict[str, int]) -> dict[str, int]:
    levels = {rank: index for index, rank in enumerate(sorted(set(ranks.values())), start=1)}
    return {key: levels[rank] for key, rank in ranks.items()}


def ballots_by_receipt_hash(contest_id: int) -> dict[str, dict[str, int]]:
    """Every ballot of the contest by receipt hash: from its open ballot box, decrypted with
    the contest key as only the key's holder can, or from the sealed ballots."""
    from elections.voting.actions.boxes import box_rows
    from elections.voting.boxcrypt import open_ballot
    from elections.voting.keys import key_load
    from elections.voting.models import Ballot, BallotBox

    rows = box_rows(contest_id)
    if not rows:
        return dict(
            Ballot.objects.filter(contest_id=contest_id).values_list("receipt_hash", "ranks")
        )
    key = key_load(BallotBox.objects.get(contest_id=contest_id).key_id)
    opened = (
        open_ballot(key, contest_id=contest_id, lookup=lookup, blob=blob) for lookup, blob in rows
    )
    return {ballot.receipt_hash: ballot.ranks for ballot in opened}


def check_ballots(contest_id: int, voters: list[Voter]) -> list[str]:
    from elections.voting.models import VoterRecord

    problems = []
    by_hash = ballots_by_receipt_hash(contest_id)
    stored = len(by_hash)
    records = VoterRecord.objects.filter(contest_id=contest_id).count()
    cast = sum(1 for voter in voters if voter.receipt)
    print(
        f"ballots stored {stored}, voter records {records}, "
        f"confirmed casts {cast}, voters {len(voters)}"
    )
    if not stored == records == cast == len(voters):
        problems.append("counts differ")
    altered = 0
    for voter in voters:
        if not voter.receipt:
            continue
        digest = hashlib.sha256(voter.receipt.encode()).hexdigest()
        if dense(by_hash.get(digest) or {}) != dense(voter.ranks):
            altered += 1
    print(f"ballots exactly as cast: {cast - altered} of {cast}")
    if altered:
        problems.append(f"{altered} ballots missing or altered")
    return problems


def publish(contest_id: int) -> None:
    from elections.actions import election_phase_move
    from elections.models import Contest, Phase
    from elections.results.actions import result_publish, result_tally
    from elections.voting.actions import ballots_seal

    contest = Contest.objects.select_related("election").get(pk=contest_id)
    election_phase_move(
        election=contest.election, to_phase=Phase.CLOSED, actor=None, reason="bench"
    )
    contest.refresh_from_db()
    ballots_seal(contest=contest)
    started = time.perf_counter()
    result = result_tally(contest=Contest.objects.get(pk=contest_id))
    print(f"tally of {result.ballot_count} ballots: {time.perf_counter() - started:.2f} s")
    result_publish(result=result, actor=None)


async def read_pages(port: int, paths: list[str], readers: int, reads: int) -> int:
    failures_total = 0
    for path in paths:

        async def read(_: int, path: str = path) -> bool:
            return (await request(port, "GET", path)).status == 200

        latencies, elapsed, failures = await bounded(readers, list(range(reads)), read)
        print(report(f"GET {path}", latencies, elapsed))
        failures_total += failures
    return failures_total


def server_times(access_log: Path, path: str, method: str) -> list[float]:
    """Seconds each ``method path`` request spent in gunicorn, from its access log."""
    times = []
    for line in access_log.read_text().splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == method and parts[1] == path:
            times.append(int(parts[3]) / 1000)
    return times


def start_gunicorn(
    port: int,
    workers: int,
    env: dict[str, str],
    log: IO[bytes] | None = None,
    access_log: Path | None = None,
) -> subprocess.Popen[bytes]:
    """gunicorn on ``port``; its own output goes to ``log`` (default: this terminal), and
    with ``access_log`` each request's method, path, status and time in the server (ms)."""
    command = [
        sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.py"),
        "--bind", f"{HOST}:{port}", "--workers", str(workers),
        "--access-logfile", str(access_log or "/dev/null"),
        "--access-logformat", "%(m)s %(U)s %(s)s %(M)s",
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument(
        "--rate",
        type=float,
        default=GOAL_RATE,
        help=(
            "voters arriving per second in the second measurement (default: %(default)g, "
            "the goal's load; 0 skips it)"
        ),
    )
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) + 1)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--reads", type=int, default=2000, help="requests per page read")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch database afterwards, to look"
    )
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL server (the run works in <name>_load on it)")
        print("and REDIS_URL to Redis.")
        return 2
    # Every run starts from an empty database: earlier runs' accounts and rolls would slow it.
    server_url = os.environ["DATABASE_URL"]
    import psycopg2

    try:
        os.environ["DATABASE_URL"] = scratch_database(server_url)
    except psycopg2.Error as error:
        print(f"Cannot create the scratch database on DATABASE_URL's server: {error}")
        print("The run needs a role that may create databases (CREATEDB).")
        return 2
    print(f"scratch database {urlsplit(os.environ['DATABASE_URL']).path.lstrip('/')}")
    try:
        return measure(args)
    finally:
        from django.conf import settings

        if settings.configured:
            from django.db import connections

            connections.close_all()
        if not args.keep:
            scratch_database(server_url, drop_only=True)


def measure(args: argparse.Namespace) -> int:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-" + "k" * 50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_CONN_MAX_AGE": "60",
    }
    os.environ.update(env)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    run = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d%H%M%S")
    started = time.perf_counter()
    contest_id, election_slug, contest_slug, voters = build_poll(args.voters, run, PACED_SLUG)
    from elections.models import Contest

    keys = [choice.key for choice in Contest.objects.get(pk=contest_id).ballot_choices()]
    paced = Contest.objects.get(election__slug=election_slug, slug=PACED_SLUG)
    paced_keys = [choice.key for choice in paced.ballot_choices()]
    print(f"electorate of {len(voters)} built in {time.perf_counter() - started:.1f} s")

    if not args.port:
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            args.port = probe.getsockname()[1]
    access_log = Path(tempfile.mkdtemp()) / "access.log"
    server = start_gunicorn(args.port, args.workers, env, access_log=access_log)
    problems: list[str] = []
    verdicts: list[str] = []
    try:
        print(f"gunicorn: {args.workers} workers; at most {args.concurrency} casts in flight")
        signed_in = voters[:FORM_SIGN_INS]
        if asyncio.run(sign_in(args.port, signed_in)):
            problems.append("some voters could not sign in through the form")
        else:
            print(
                f"{len(signed_in)} voters signed in through the sign-in form, the rest by session"
            )
        if asyncio.run(load_ballots(args.port, contest_id, voters, args.concurrency)):
            problems.append("some ballot pages failed to load")

        print(f"\n1. Throughput: all {len(voters)} voters cast at once in {contest_slug!r}")
        failures, latencies, elapsed = asyncio.run(
            cast_ballots(args.port, contest_id, keys, voters, args.concurrency, args.seed)
        )
        throughput = len(voters) / elapsed
        print(report("cast (POST, confirmed receipt)", latencies, elapsed))
        # Seen by the client, a cast's time includes waiting for a free worker: with 200 casts
        # in flight it is about 200 / throughput (Little's law). The server's own time is this:
        in_server = server_times(access_log, f"/vote/{contest_id}/", "POST")
        if in_server:
            print(report("cast, time in the server", in_server, elapsed))
        print(f"throughput: {throughput:.1f} ballots/s")
        if failures:
            problems.append(f"{failures} casts failed")
        problems += check_ballots(contest_id, voters)
        verdicts.append(
            f"{'met' if throughput >= GOAL_RATE else 'MISSED'}: >= {GOAL_RATE:g} ballots/s "
            f"({throughput:.1f}/s, all at once)"
        )

        if args.rate:
            print(
                f"\n2. Latency: the same voters cast in {PACED_SLUG!r}, arriving at {args.rate:g}/s"
            )
            failures, latencies, elapsed = asyncio.run(
                cast_ballots(
                    args.port,
                    paced.pk,
                    paced_keys,
                    voters,
                    args.concurrency,
                    args.seed + 1,
                    args.rate,
                )
            )
            print(report("cast (POST, confirmed receipt)", latencies, elapsed))
            in_server = server_times(access_log, f"/vote/{paced.pk}/", "POST")
            if in_server:
                print(report("cast, time in the server", in_server, elapsed))
            if failures:
                problems.append(f"{failures} paced casts failed")
            problems += check_ballots(paced.pk, voters)
            p99 = percentile(latencies, 0.99) * 1000
            if args.rate < GOAL_RATE:
                verdict = f"not measured: ran at {args.rate:g}/s"
            else:
                verdict = "met" if p99 < GOAL_P99_MS else "MISSED"
            verdicts.append(
                f"{verdict}: p99 < {GOAL_P99_MS:g} ms at {GOAL_RATE:g} arrivals/s "
                f"(p99 {p99:.1f} ms at {args.rate:g}/s)"
            )

        print("\n3. Readers")
        publish(contest_id)
        paths = [
            f"/results/{election_slug}/{contest_slug}/",
            "/results/feed.rss",
            f"/results/{election_slug}/feed.atom",
        ]
        if asyncio.run(read_pages(args.port, paths, args.readers, args.reads)):
            problems.append("some page reads failed")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    print("\nGoals (2 cores):")
    for verdict in verdicts:
        print(f"  {verdict}")
    if problems:
        print("FAILED: " + "; ".join(problems))
        return 1
    print("OK: zero lost, duplicated or altered ballots")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
