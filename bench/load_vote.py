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
4. each voter loads their ballot page (for the CSRF token), then:
   1. **cost**: ``--cost-sample`` voters each cast in one contest and open their account page
      (``/accounts/profile/``, a minimal signed-in page: one query, a small form, the site's
      frame), the two interleaved, as many at a time as gunicorn has workers; the server's
      p50 time of each (gunicorn's access log, in microseconds) and their ratio;
   2. **throughput**: all of them cast at once in another contest, ``--concurrency`` at a
      time. This gives the most ballots per second; the latency it shows is mostly queueing
      (Little's law: 200 in flight at 300/s wait 0.67 s on average). It also prints the CPU
      a cast cost gunicorn's workers and their PostgreSQL backends, and this client;
   3. **latency**: the same voters cast in a third contest, arriving ``--rate`` per second
      (default 300, the goal's load) or at 80 % of the measured throughput when that is
      lower (faster arrivals than the server takes only queue; the reason is printed). Each
      cast's time counts from its arrival, so waiting for a free slot is included;
   4. with ``--seal-ballots N``: a closed contest of another election, its box filled with N
      ballots × 20 candidates (as ``bench/results_tally.py`` fills them), is sealed in a
      process of its own while voters cast in a fourth contest arriving at 100 a second;
      the latencies of the casts that arrived during the seal;
5. closes the election and seals every contest, then checks that sealed ballots = voter
   records = confirmed casts = voters, and that every ballot, found by the hash of the
   receipt its voter was shown, holds exactly the ranks that voter sent;
6. tallies and publishes the first contest, then times ``--readers`` concurrent readers of
   the results page and both feeds.

It prints the machine (cores, load average, the interpreter's build, PostgreSQL), each
figure, then each goal as met or missed (2 cores: a cast's server time at most twice the
minimal page's; at least 300 ballots/s; p99 under 250 ms at the paced rate; with
``--seal-ballots``, p99 under 250 ms at 100 arrivals/s during the seal) and, last,
``goals met`` or ``goals missed: ...``. It exits non-zero when a ballot is lost, doubled or
altered, or any request fails; a missed goal is reported, not an error, since the figures
depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# The HTTP side and the server side live in modules of their own; bench/faults.py imports
# them from here too.
from load_client import (  # noqa: E402
    HOST,
    RECEIPT,
    Voter,
    bounded,
    cast_ballots,
    cast_one,
    draw_ranks,
    load_ballots,
    percentile,
    read_pages,
    report,
    request,
    sign_in,
)
from load_poll import (  # noqa: E402
    FORM_SIGN_INS,
    SEAL_CANDIDATES,
    build_poll,
    check_ballots,
    closed_box,
    publish,
    seal,
)
from load_server import (  # noqa: E402
    cpu_seconds,
    machine,
    scratch_database,
    server_processes,
    server_times,
    start_gunicorn,
)

__all__ = ["HOST", "RECEIPT", "ROOT", "Voter", "load_ballots", "request", "start_gunicorn"]

PACED_SLUG = "mascot"
COST_SLUG = "motto"
SEAL_SLUG = "anthem"
EXTRA = (PACED_SLUG, COST_SLUG, SEAL_SLUG)
# A minimal signed-in page: the account's own page (one query, a small form, the site's frame).
MINIMAL_PAGE = "/accounts/profile/"
GOAL_COST_RATIO = 2.0
SEAL_RATE = 100.0
GOAL_RATE = 300.0
# The first voters sign in through the sign-in form (allauth: verified address, password);
# the rest get their session row directly (the password hasher's cost, ~0.3 s of CPU per
# sign-in by design, is not what this measures).
GOAL_P99_MS = 250.0


# --- A small HTTP/1.1 client on asyncio streams (keeps the client cheap next to the server) ---


# --- Setting up the electorate --------------------------------------------------------------


# --- The run --------------------------------------------------------------------------------


async def cast_against_page(
    port: int, contest: object, keys: list[str], voters: list[Voter], args: argparse.Namespace
) -> None:
    """Each voter casts in ``contest`` and opens the minimal signed-in page, the two kinds of
    request interleaved, as many at a time as gunicorn has workers (so that the server's
    times are those of the work, not of a queue)."""
    draw_ranks(voters, keys, args.seed + 7)
    contest_id = contest.pk  # type: ignore[attr-defined]
    jobs = [(kind, voter) for voter in voters for kind in ("cast", "page")]

    async def one(job: tuple[str, Voter]) -> bool:
        kind, voter = job
        if kind == "cast":
            return await cast_one(port, contest_id, voter)
        page = await request(port, "GET", MINIMAL_PAGE, cookies=voter.cookies)
        return page.status == 200

    _, _, failures = await bounded(args.workers, jobs, one)
    if failures:
        raise SystemExit(f"{failures} requests failed in the cost measurement")


def paced_rate(requested: float, throughput: float) -> tuple[float, str]:
    """The arrival rate of the latency measurement and why: the goal's rate, or 80 % of the
    measured throughput when that is lower (arrivals above the throughput only queue)."""
    if not requested:
        return 0.0, "skipped"
    ceiling = round(0.8 * throughput, 1)
    if ceiling < requested:
        return ceiling, (
            f"80 % of the measured {throughput:.1f} ballots/s, which is below {requested:g}/s: "
            "arrivals above the throughput would only queue"
        )
    return requested, f"{requested:g}/s, below 80 % of the measured {throughput:.1f} ballots/s"


def cast_during_seal(
    args: argparse.Namespace, contest: object, keys: list[str], voters: list[Voter], big: object
) -> tuple[list[float], float, list[Voter]]:
    """Seal ``big`` in a process of its own while voters cast in ``contest``, arriving at
    SEAL_RATE a second until the seal is done; the latencies of the casts that arrived while
    it ran, its seconds and the voters who cast."""
    draw_ranks(voters, keys, args.seed + 11)
    sealer = subprocess.Popen(
        [sys.executable, __file__, "--seal-only", str(big.pk)],  # type: ignore[attr-defined]
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        text=True,
    )
    arrivals: list[tuple[float, float, bool]] = []
    contest_id = contest.pk  # type: ignore[attr-defined]
    assert sealer.stdout is not None
    begun = float(sealer.stdout.readline() or 0)  # the sealing process has loaded Django

    async def run() -> int:
        semaphore = asyncio.Semaphore(args.concurrency)
        started = time.perf_counter()
        tasks = []

        async def one(due: float, voter: Voter) -> None:
            async with semaphore:
                try:
                    ok = await cast_one(args.port, contest_id, voter)
                except (TimeoutError, OSError, ValueError):
                    ok = False
            wall = time.time() - (time.perf_counter() - due)
            arrivals.append((wall, time.perf_counter() - due, ok))

        for index, voter in enumerate(voters):
            due = started + index / SEAL_RATE
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            if sealer.poll() is not None:
                break
            tasks.append(asyncio.create_task(one(due, voter)))
        await asyncio.gather(*tasks)
        return len(tasks)

    sent = asyncio.run(run())
    output, _ = sealer.communicate(timeout=3600)
    if sealer.returncode != 0 or not begun or not output.strip():
        raise SystemExit("the seal in the during-seal measurement failed")
    ended = float(output.split()[-1])
    during = [latency for wall, latency, _ in arrivals if begun <= wall <= ended]
    failed = sum(1 for _, _, ok in arrivals if not ok)
    if failed:
        raise SystemExit(f"{failed} casts failed during the seal")
    print(f"  seal {ended - begun:.1f} s; {sent} casts sent, {len(during)} arrived during it")
    return during, ended - begun, voters[:sent]


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
    parser.add_argument(
        "--cost-sample",
        type=int,
        default=1000,
        help="voters in the cast-against-page measurement (default: %(default)s)",
    )
    parser.add_argument(
        "--seal-ballots",
        type=int,
        default=0,
        help=(
            "also seal a closed contest of this many ballots × 20 candidates (another "
            f"election) while voters cast at {SEAL_RATE:g}/s (goal 5); 0 (default) skips it"
        ),
    )
    parser.add_argument("--seal-only", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seal_only:
        # The seal of the during-seal measurement, in a process of its own (the scratch
        # database is in DATABASE_URL already).
        import django

        django.setup()
        # At the priority a worker runs at (STACKVOTE_WORKER_NICENESS): in a deployment
        # the seal is a worker's task.
        from config.celery import background_priority

        background_priority()
        print(f"{time.time():.3f}", flush=True)
        seal(args.seal_only)
        print(f"{time.time():.3f}", flush=True)
        return 0

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
    print(machine())
    run = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d%H%M%S")
    started = time.perf_counter()
    contest_id, election_slug, contest_slug, voters = build_poll(args.voters, run, EXTRA)
    from elections.models import Contest

    contests = {
        slug: Contest.objects.get(election__slug=election_slug, slug=slug)
        for slug in (contest_slug, *EXTRA)
    }
    keys = {slug: [c.key for c in contest.ballot_choices()] for slug, contest in contests.items()}
    print(f"electorate of {len(voters)} built in {time.perf_counter() - started:.1f} s")
    big = None
    if args.seal_ballots:
        started = time.perf_counter()
        big = closed_box(args.seal_ballots, args.seed)
        print(
            f"a closed contest of {args.seal_ballots} ballots × {SEAL_CANDIDATES} candidates "
            f"(another election) built in {time.perf_counter() - started:.1f} s"
        )

    if not args.port:
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            args.port = probe.getsockname()[1]
    access_log = Path(tempfile.mkdtemp()) / "access.log"
    server = start_gunicorn(args.port, args.workers, env, access_log=access_log)
    problems: list[str] = []
    verdicts: list[tuple[bool | None, str]] = []
    cast_so_far: dict[str, list[Voter]] = {}

    def cast(slug: str, who: list[Voter], concurrency: int, rate: float = 0) -> list[float]:
        contest = contests[slug]
        failures, latencies, elapsed = asyncio.run(
            cast_ballots(args.port, contest.pk, keys[slug], who, concurrency, args.seed, rate)
        )
        cast_so_far[slug] = [dataclasses.replace(voter) for voter in who]
        print(report("cast (POST, confirmed receipt)", latencies, elapsed))
        in_server = server_times(access_log, f"/vote/{contest.pk}/", "POST")
        if in_server:
            print(report("cast, time in the server", in_server, elapsed))
        if failures:
            problems.append(f"{failures} casts failed in {slug!r}")
        return latencies

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

        sample = voters[: max(1, min(args.cost_sample, len(voters)))]
        print(
            f"\n1. Cost: {len(sample)} voters each cast in {COST_SLUG!r} and open {MINIMAL_PAGE} "
            f"(a minimal signed-in page), interleaved, {args.workers} at a time"
        )
        asyncio.run(
            cast_against_page(args.port, contests[COST_SLUG], keys[COST_SLUG], sample, args)
        )
        cast_so_far[COST_SLUG] = [dataclasses.replace(voter) for voter in sample]
        cost_path = f"/vote/{contests[COST_SLUG].pk}/"
        cast_cost = percentile(server_times(access_log, cost_path, "POST"), 0.5)
        page_cost = percentile(server_times(access_log, MINIMAL_PAGE, "GET"), 0.5)
        ratio = cast_cost / page_cost if page_cost else float("inf")
        print(
            f"server time p50: cast {cast_cost * 1000:.1f} ms, page {page_cost * 1000:.1f} ms, "
            f"ratio {ratio:.2f}"
        )
        verdicts.append(
            (ratio <= GOAL_COST_RATIO, f"a cast's server time <= {GOAL_COST_RATIO:g}x a minimal "
             f"signed-in page's ({ratio:.2f}x: p50 {cast_cost * 1000:.1f} ms against "
             f"{page_cost * 1000:.1f} ms)")
        )  # fmt: skip

        print(f"\n2. Throughput: all {len(voters)} voters cast at once in {contest_slug!r}")
        started = time.perf_counter()
        servers = server_processes(server.pid)
        server_cpu, client_cpu = cpu_seconds(servers), time.process_time()
        cast(contest_slug, voters, args.concurrency)
        elapsed = time.perf_counter() - started
        throughput = len(voters) / elapsed
        server_cpu = cpu_seconds(servers) - server_cpu
        client_cpu = time.process_time() - client_cpu
        print(f"throughput: {throughput:.1f} ballots/s")
        per_cast = (server_cpu + client_cpu) / len(voters)
        print(
            f"CPU per cast: {server_cpu / len(voters) * 1000:.2f} ms in gunicorn and PostgreSQL, "
            f"{client_cpu / len(voters) * 1000:.2f} ms in this client; these processes had "
            f"{(server_cpu + client_cpu) / elapsed:.2f} of the {os.cpu_count()} cores (the "
            f"rest went to other processes or waiting), so the cores to themselves would "
            f"allow about {(os.cpu_count() or 1) / per_cast:.0f} ballots/s"
        )
        verdicts.append(
            (throughput >= GOAL_RATE, f">= {GOAL_RATE:g} ballots/s with {args.concurrency} in "
             f"flight ({throughput:.1f}/s)")
        )  # fmt: skip

        rate, reason = paced_rate(args.rate, throughput)
        if rate:
            print(f"\n3. Latency: the same voters cast in {PACED_SLUG!r}, arriving at {rate:g}/s")
            print(f"   ({reason})")
            latencies = cast(PACED_SLUG, voters, args.concurrency, rate)
            p99 = percentile(latencies, 0.99) * 1000
            verdicts.append(
                (p99 < GOAL_P99_MS, f"p99 < {GOAL_P99_MS:g} ms at {rate:g} arrivals/s "
                 f"({reason}): p99 {p99:.1f} ms")
            )  # fmt: skip

        if big is not None:
            print(
                f"\n4. During a seal of {args.seal_ballots} ballots in another election, voters "
                f"cast in {SEAL_SLUG!r} arriving at {SEAL_RATE:g}/s"
            )
            latencies, seconds, who = cast_during_seal(
                args, contests[SEAL_SLUG], keys[SEAL_SLUG], voters, big
            )
            cast_so_far[SEAL_SLUG] = [dataclasses.replace(voter) for voter in who]
            if latencies:
                p99 = percentile(latencies, 0.99) * 1000
                print(report("cast during the seal", latencies, seconds))
                # The goal's rate is fixed; say when it is close to what this run could take
                # at all, seal or no seal (arrivals near the throughput queue).
                share = SEAL_RATE / throughput
                note = (
                    f"; {SEAL_RATE:g}/s is {share:.0%} of the throughput measured without a "
                    "seal in this run"
                    if share > 0.8
                    else ""
                )
                verdicts.append(
                    (p99 < GOAL_P99_MS, f"p99 < {GOAL_P99_MS:g} ms at {SEAL_RATE:g} arrivals/s "
                     f"during a seal of {args.seal_ballots} ballots ({seconds:.1f} s): p99 "
                     f"{p99:.1f} ms over {len(latencies)} casts{note}")
                )  # fmt: skip
            else:
                problems.append("no cast ran during the seal")

        print("\n5. Sealed (the election closed): every ballot checked by its receipt")
        for slug, who in cast_so_far.items():
            seconds = seal(contests[slug].pk)
            print(f" {slug!r}: sealed in {seconds:.2f} s")
            problems += check_ballots(contests[slug].pk, who)

        print("\n6. Readers")
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
    for met, verdict in verdicts:
        print(f"  {'met' if met else 'MISSED'}: {verdict}")
    if problems:
        print("FAILED: " + "; ".join(problems))
    else:
        print("OK: zero lost, duplicated or altered ballots")
    missed = [verdict for met, verdict in verdicts if not met] + problems
    print("goals met" if not missed else "goals missed: " + "; ".join(missed))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
