"""Fault drills: Redis stopped, a worker killed mid-tally, PostgreSQL restarted mid-casting.

    .venv/bin/python bench/faults.py [--voters 300]

Everything runs on this machine, on loopback, against PRIVATE servers that the script starts
in a temporary directory and tears down at the end (also on failure): a PostgreSQL cluster
(initdb + pg_ctl, run as the ``postgres`` user, trust auth) and a Redis, each on a free port.
The machine's shared PostgreSQL and Redis are never touched. gunicorn and the Celery workers
are real subprocesses pointed at those private servers; mail goes to files
(``EMAIL_URL=filemail://...``) so every delivered message can be counted.

1. Redis stopped during polling. While Redis is down: polling opens (the electorate's mail is
   queued), half the electorate casts through gunicorn, the reminders are queued. Casting
   must work (ballots live in PostgreSQL) and queueing must be logged, not raised. Redis comes
   back; the scheduler (``elections.advance_elections``, on the real worker) queues again the
   mail whose queueing was lost, fifteen minutes later (the script ages the rows instead of
   waiting): each elector gets exactly one "polling is open" and each non-voter exactly one
   reminder. Redis stops again: the election is closed, and an official presses "close and
   tally" on a second contest (its tally is recorded as queued, the message is lost). Redis
   returns: ``results.tally_closed_contests`` (twice) leaves exactly one Result for the first
   contest, and once the lost run is stale (the script ages it) one for the second, each
   counting every ballot.
2. A worker killed with SIGKILL mid-tally: a contest counted in chunks by a worker whose chunk
   hangs; the worker is killed, a new one is started, the tally completes with one Result.
3. PostgreSQL restarted during casting: ballots are cast at a steady rate while
   ``pg_ctl restart -m fast`` runs. Every cast shown a receipt must be stored (found by the
   SHA-256 of the receipt, ranks as sent); every other cast must have told the voter to try
   again (a "not recorded" page) or failed visibly (a connection error); the voters whose
   cast failed then try again, and must all succeed.

It prints one PASS/FAIL line per scenario with the counts, and exits non-zero on any failure.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime
import logging
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fault_services import (  # noqa: E402
    PrivatePostgres,
    PrivateRedis,
    Processes,
    QueueFailures,
    cast_once,
    cast_through_restart,
    cast_voters,
    free_port,
    mail_delivered,
    queue,
    results_of,
    wait_for,
    worker_answers,
)
from load_client import HOST, load_ballots, request  # noqa: E402
from load_poll import ballots_by_receipt_hash, build_poll, check_ballots, dense  # noqa: E402
from load_server import ROOT  # noqa: E402

# What the drill's monitoring sends to read /healthz in detail (a fresh one each run).
HEALTH_TOKEN = secrets.token_hex(32)


# --- Scenario 1: Redis stopped during polling ---------------------------------------------------


def scenario_redis(
    args: argparse.Namespace, procs: Processes, redis: PrivateRedis, port: int, mail_dir: Path,
    queue_failures: QueueFailures, run: str,
) -> list[str]:  # fmt: skip
    from django.db.models import F

    from accounts.models import RollEntry
    from elections.actions import election_phase_move, election_queue_reminders
    from elections.models import (
        Contest,
        Invitation,
        InvitationKind,
        InvitationState,
        Phase,
    )
    from elections.results import actions as results_actions
    from elections.results import conf as results_conf
    from elections.results.models import TallyRun
    from elections.results.tasks import tally_closed_contests
    from elections.tasks import advance_elections

    problems: list[str] = []
    worker = procs.worker("worker-redis")
    if not worker_answers(30):
        return ["the worker did not start"]
    # A second, small poll whose tally an official starts while Redis is down (below).
    other_id, _, _, others = build_poll(args.tally_voters, run + "o")
    if cast_voters(port, other_id, others, args.seed + 3):
        return ["casts failed before the outage"]
    other = Contest.objects.select_related("election").get(pk=other_id)

    print("  Redis stopped (outage 1: polling)")
    redis.stop()
    # Only monitoring's token reads the parts (anyone else gets the database's status alone).
    monitoring = {"Authorization": f"Bearer {HEALTH_TOKEN}"}
    health = asyncio.run(request(port, "GET", "/healthz", headers=monitoring))
    print(f"  /healthz during the outage: {health.status} {health.body.decode()[:120]}")
    if health.status != 503:
        problems.append("/healthz did not report the outage")
    web = asyncio.run(request(port, "GET", "/healthz/web"))
    print(f"  /healthz/web (load balancers) during the outage: {web.status}")
    if web.status != 200:
        problems.append("/healthz/web would take the web processes out of service")
    queued_before = queue_failures.count
    contest_id, _, _, voters = build_poll(args.voters, run + "r")
    contest = Contest.objects.select_related("election").get(pk=contest_id)
    election = contest.election
    voting = voters[: len(voters) // 2]
    failed = cast_voters(port, contest_id, voting, args.seed)
    print(f"  casts during the outage: {len(voting) - failed} receipts of {len(voting)}")
    if failed:
        problems.append(f"{failed} requests failed while Redis was down")
    problems += check_ballots(contest_id, voting)
    reminders = election_queue_reminders(election=election)
    # Hand-added voters are site-wide: the electorate also holds the other poll's voters.
    electorate = set(RollEntry.objects.filter(roll=contest.roll).values_list("email", flat=True))
    lost = queue_failures.count - queued_before
    pending = Invitation.objects.filter(contest=contest, state=InvitationState.PENDING)
    print(f"  mail queued while down: {pending.count()} invitations "
          f"({reminders} reminders), {lost} queueings logged as failed, none raised")  # fmt: skip
    if reminders != len(electorate) - len(voting):
        problems.append(f"{reminders} reminders queued, expected {len(electorate) - len(voting)}")
    if lost == 0:
        problems.append("no queueing failure was logged while the broker was down")

    redis.start()
    back = time.perf_counter()
    if worker_answers(60):
        waited = time.perf_counter() - back
        print(f"  Redis back; the worker reconnected by itself after {waited:.1f} s")
    else:
        print("  Redis back; the worker did not reconnect within 60 s: restarting it")
        procs.end(worker)
        worker = procs.worker("worker-redis-2")
        if not worker_answers(30):
            return [*problems, "no worker after Redis came back"]
    sent_early = Invitation.objects.filter(contest=contest, state=InvitationState.SENT)
    if sent_early.exists():
        problems.append("mail whose queueing failed was sent before the scheduler re-queued it")
    # The scheduler re-queues mail left untried for 15 minutes; age the rows instead of waiting.
    pending.update(queued_at=F("queued_at") - datetime.timedelta(minutes=16))
    queue(advance_elections)
    queue(advance_elections)  # a second scheduler tick before the first batch is sent
    # "Polling is open" rows stay as sent; a sent reminder's row is deleted (it would list
    # who had not voted), so the reminders are done when none is left waiting.
    expected = len(electorate)
    sent = Invitation.objects.filter(
        contest=contest, kind=InvitationKind.POLLING_OPEN, state=InvitationState.SENT
    )
    waiting_reminders = Invitation.objects.filter(
        contest=contest,
        kind=InvitationKind.POLLING_REMINDER,
        state__in=[InvitationState.PENDING, InvitationState.SENDING],
    )
    wait_for(
        lambda: sent.count() >= expected and not waiting_reminders.exists(),
        timeout=90,
        interval=0.5,
    )
    time.sleep(2)  # let any duplicate batch finish before counting the files
    delivered = mail_delivered(mail_dir)
    emails = electorate
    voted = {voter.email for voter in voting}
    # Only this poll's mail (the other poll's electorate got its own "polling is open").
    opening = f"Vote now: {contest.name} ({election.name})"
    opens = {to: n for (to, subject), n in delivered.items() if subject == opening}
    nudges = {to: n for (to, subject), n in delivered.items() if subject.startswith("Reminder")}
    missing = len(emails - set(opens)) + len(emails - voted - set(nudges))
    doubled = sum(n - 1 for n in [*opens.values(), *nudges.values()] if n > 1)
    wrong = len(voted & set(nudges))
    print(
        f"  mail after Redis returned: {sum(opens.values())} 'polling is open' for "
        f"{len(emails)} electors, {sum(nudges.values())} reminders for "
        f"{len(emails - voted)} non-voters; {missing} missing, {doubled} doubled, "
        f"{wrong} reminders to voters; invitations sent {sent.count()} of {expected}"
    )
    failed_mail = Invitation.objects.filter(contest=contest, state=InvitationState.FAILED)
    if failed_mail.exists():
        problems.append(f"{failed_mail.count()} invitations failed")
    if missing or doubled or wrong or sent.count() != expected:
        problems.append(f"mail: {missing} missing, {doubled} doubled, {wrong} misdirected")

    print("  Redis stopped (outage 2: the close)")
    redis.stop()
    closes_before = queue_failures.count
    for closing in (election, other.election):
        election_phase_move(election=closing, to_phase=Phase.CLOSED, actor=None, reason="drill")
    # Each close queues its contest's seal and count, which cannot reach the broker either:
    # logged, and left to the sweep (the closed, uncounted contest is the row it finds).
    lost_at_close = queue_failures.count - closes_before
    if lost_at_close != 2:
        problems.append(f"{lost_at_close} queueing failures logged for two closes")
    contest.refresh_from_db()
    queued_before = queue_failures.count
    # An official presses "close and tally" on the other contest: the run is recorded as
    # queued, but its message never reaches the broker.
    pressed = time.perf_counter()
    results_actions.contest_close_and_tally(contest=other)
    pressed = time.perf_counter() - pressed
    lost = queue_failures.count - queued_before
    print(f"  while down: both elections closed (contest {contest.state}); an official's "
          f"tally of the other contest returned in {pressed:.1f} s, {lost} queueing logged "
          f"as failed")  # fmt: skip
    if lost != 1:
        problems.append(f"{lost} queueing failures logged for one tally")
    redis.start()
    print("  Redis back")
    if not worker_answers(60):
        procs.end(worker)
        worker = procs.worker("worker-redis-3")
        worker_answers(30)
    queue(tally_closed_contests)
    wait_for(lambda: results_of(contest_id), timeout=60)
    queue(tally_closed_contests)  # the next beat tick finds nothing more to count
    time.sleep(3)
    results = results_of(contest_id)
    counted = results[0].ballot_count if results else None
    waiting = len(results_of(other_id))
    print(f"  beat task after Redis returned: {len(results)} Result(s), counting {counted} "
          f"ballots of {len(voting)} cast; the official's lost tally: {waiting} Result(s) "
          f"(its run is queued and not yet stale)")  # fmt: skip
    if len(results) != 1 or counted != len(voting):
        problems.append(f"{len(results)} results counting {counted} ballots")
    # A queued run with no news for longer than the tally lock lives was lost: due again.
    stale = datetime.timedelta(seconds=results_conf.tally_lock_seconds() + 60)
    TallyRun.objects.filter(contest_id=other_id).update(updated_at=F("updated_at") - stale)
    queue(tally_closed_contests)
    wait_for(lambda: results_of(other_id), timeout=60)
    queue(tally_closed_contests)
    time.sleep(3)
    others_results = results_of(other_id)
    counted = others_results[0].ballot_count if others_results else None
    first = len(results_of(contest_id))
    print(f"  once that run is stale: {len(others_results)} Result(s), counting {counted} "
          f"ballots of {len(others)} cast; the first contest still has {first}")  # fmt: skip
    if len(others_results) != 1 or counted != len(others):
        problems.append(f"lost tally: {len(others_results)} results counting {counted} ballots")
    if first != 1:
        problems.append("the first contest was counted again")
    procs.end(worker)
    return problems


# --- Scenario 2: a worker killed mid-tally --------------------------------------------------------


def scenario_kill(args: argparse.Namespace, procs: Processes, port: int, run: str) -> list[str]:
    from config.celery import app
    from elections.actions import election_phase_move
    from elections.models import Contest, Phase
    from elections.results import actions
    from elections.results.models import TallyRun, TallyRunState
    from elections.results.tasks import tally_closed_contests

    problems: list[str] = []
    contest_id, _, _, voters = build_poll(args.tally_voters, run + "k")
    failed = cast_voters(port, contest_id, voters, args.seed + 1)
    if failed:
        return [f"{failed} casts failed before the tally"]
    contest = Contest.objects.select_related("election").get(pk=contest_id)
    election_phase_move(election=contest.election, to_phase=Phase.CLOSED, actor=None,
                        reason="drill")  # fmt: skip
    app.control.purge()  # this drill's worker must take the tally first
    chunk = max(1, -(-len(voters) // 3))
    marker = procs.logs / f"chunk-started-{run}"
    worker_env = {"STACKVOTE_TALLY_CHUNK_SIZE": str(chunk), "CELERY_VISIBILITY_TIMEOUT": "2"}
    app_module = "tests.elections.results.worker_app"  # the project's app, restore every second
    doomed = procs.worker("worker-doomed", app_module, SLOW_CHUNK_MARKER=str(marker),
                          **worker_env)  # fmt: skip
    actions.contest_close_and_tally(contest=Contest.objects.get(pk=contest_id))
    if not wait_for(marker.exists, timeout=60):
        procs.end(doomed, signal.SIGKILL)
        return ["the worker never started a chunk"]
    run_row = TallyRun.objects.get(contest_id=contest_id)
    print(f"  worker pid {doomed.pid} counting chunk 1 of {run_row.chunks_total} "
          f"({chunk} ballots each); run {run_row.state}: SIGKILL")  # fmt: skip
    procs.end(doomed, signal.SIGKILL)
    if results_of(contest_id):
        problems.append("a result was stored before the tally could finish")
    started = time.perf_counter()
    replacement = procs.worker("worker-replacement", app_module, **worker_env)
    results = wait_for(lambda: results_of(contest_id), timeout=60)
    finished = time.perf_counter() - started
    queue(tally_closed_contests)
    time.sleep(3)
    results = results_of(contest_id)
    run_row.refresh_from_db()
    counted = results[0].ballot_count if results else None
    print(f"  replacement worker: {len(results)} Result(s) after {finished:.1f} s, counting "
          f"{counted} of {len(voters)} ballots; run {run_row.state}, chunks "
          f"{run_row.chunks_done}/{run_row.chunks_total}")  # fmt: skip
    if len(results) != 1 or counted != len(voters):
        problems.append(f"{len(results)} results counting {counted} ballots")
    if run_row.state != TallyRunState.SUCCEEDED or run_row.chunks_total < 2:
        problems.append(f"tally run {run_row.state}, {run_row.chunks_total} chunks")
    procs.end(replacement)
    return problems


# --- Scenario 3: PostgreSQL restarted during casting ---------------------------------------------


def scenario_postgres(
    args: argparse.Namespace, pg: PrivatePostgres, port: int, run: str
) -> list[str]:
    from django.db import connections

    from elections.models import Contest
    from elections.voting.models import VoterRecord
    from elections.voting.receipts import receipt_hash

    problems: list[str] = []
    contest_id, _, _, voters = build_poll(args.voters, run + "p")
    keys = [choice.key for choice in Contest.objects.get(pk=contest_id).ballot_choices()]
    if asyncio.run(load_ballots(port, contest_id, voters, 50)):
        return ["ballot pages failed to load before the restart"]
    rng = random.Random(args.seed + 2)
    for voter in voters:
        voter.ranks = {key: rng.randint(1, len(keys)) for key in keys if rng.random() < 0.8}
        voter.ranks = voter.ranks or {keys[0]: 1}
    connections.close_all()
    outcomes, restart_at, took = asyncio.run(
        cast_through_restart(port, contest_id, voters, args.rate, pg.restart)
    )
    first = collections.Counter(outcomes.values())
    print(f"  {len(voters)} casts at {args.rate:.0f}/s; pg_ctl restart -m fast at "
          f"{restart_at:.2f} s took {took:.2f} s")  # fmt: skip
    print("  outcomes: " + ", ".join(f"{n} {what}" for what, n in sorted(first.items())))
    told = ("receipt", "503 not recorded, try again", "connection error")
    odd = {what: n for what, n in first.items() if what not in told}
    if odd:
        problems.append(f"casts neither confirmed nor told to try again: {odd}")
    failed_first = sum(n for what, n in first.items() if what != "receipt")
    if not failed_first:
        problems.append("no cast met the restart (nothing proven); raise --rate or --voters")

    # The voters told to try again do so, until every one has a receipt or is told they voted.
    retry_outcomes: collections.Counter[str] = collections.Counter()
    stored_unconfirmed = 0
    for _round in range(5):
        waiting = [v for v in voters if not v.receipt and outcomes[v.user_id] != "already voted"]
        if not waiting:
            break
        time.sleep(1)
        for voter in waiting:
            outcome = asyncio.run(cast_once(port, contest_id, voter))
            outcomes[voter.user_id] = outcome
            retry_outcomes[outcome] += 1
    stored_unconfirmed = sum(1 for v in voters if outcomes[v.user_id] == "already voted")
    never = sum(1 for v in voters if not v.receipt and outcomes[v.user_id] != "already voted")
    print("  retries: " + (", ".join(f"{n} {w}" for w, n in sorted(retry_outcomes.items()))
                           or "none needed"))  # fmt: skip
    if never:
        problems.append(f"{never} voters could still not cast after the restart")

    connections.close_all()
    by_hash = ballots_by_receipt_hash(contest_id)
    records = VoterRecord.objects.filter(contest_id=contest_id).count()
    confirmed = [v for v in voters if v.receipt]
    missing = sum(1 for v in confirmed if receipt_hash(v.receipt) not in by_hash)
    altered = sum(
        1 for v in confirmed
        if receipt_hash(v.receipt) in by_hash
        and dense(by_hash[receipt_hash(v.receipt)]) != dense(v.ranks)
    )  # fmt: skip
    print(f"  stored {len(by_hash)} ballots, {records} voter records; {len(confirmed)} "
          f"receipts shown, {missing} of them missing, {altered} altered; "
          f"{stored_unconfirmed} stored though the voter was told to try again")  # fmt: skip
    if missing or altered:
        problems.append(f"{missing} confirmed ballots missing, {altered} altered")
    if not len(by_hash) == records == len(confirmed) + stored_unconfirmed:
        problems.append("ballots, voter records and receipts do not add up")
    return problems


# --- The run --------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=300, help="electorate of scenarios 1, 3")
    parser.add_argument("--tally-voters", type=int, default=60, help="ballots of scenario 2")
    parser.add_argument("--rate", type=float, default=100.0, help="casts/s in scenario 3")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) + 1)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--keep", action="store_true", help="keep the logs directory")
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="stackvote-faults-"))
    base.chmod(0o755)
    logs, mail_dir = base / "logs", base / "mail"
    logs.mkdir()
    mail_dir.mkdir()
    pg = PrivatePostgres(base, free_port())
    redis = PrivateRedis(base, free_port())
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "faults-" + "k" * 50,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "STACKVOTE_HEALTH_TOKEN": HEALTH_TOKEN,
        "DATABASE_CONN_MAX_AGE": "60",
        "DATABASE_URL": pg.url,
        "REDIS_URL": redis.url,
        "EMAIL_URL": f"filemail:///{mail_dir}",  # four slashes: an absolute path
    }
    procs = Processes(logs, env)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    verdicts: list[tuple[str, list[str]]] = []
    try:
        pg.start()
        redis.start()
        print(f"private PostgreSQL on {HOST}:{pg.port}, Redis on {HOST}:{redis.port}; "
              f"logs in {logs}")  # fmt: skip
        os.environ.update(env)
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                       check=True)  # fmt: skip

        import django

        django.setup()
        root = logging.getLogger()
        for handler in list(root.handlers):
            root.removeHandler(handler)
        root.addHandler(logging.FileHandler(logs / "bench.log"))
        queue_failures = QueueFailures()
        logging.getLogger("config.queue").addHandler(queue_failures)

        port = free_port()
        procs.gunicorn(port, args.workers)
        run = datetime.datetime.now(datetime.UTC).strftime("%H%M%S")
        scenarios: list[tuple[str, Callable[[], list[str]]]] = [
            ("1 Redis stopped during polling",
             lambda: scenario_redis(args, procs, redis, port, mail_dir, queue_failures, run)),
            ("2 worker killed mid-tally", lambda: scenario_kill(args, procs, port, run)),
            ("3 PostgreSQL restarted during casting",
             lambda: scenario_postgres(args, pg, port, run)),
        ]  # fmt: skip
        for name, scenario in scenarios:
            print(f"\n== {name}")
            if redis.process is None:  # a failed drill may have left it stopped
                redis.start()
            started = time.perf_counter()
            try:
                problems = scenario()
            except Exception as error:  # noqa: BLE001 - a crashed drill is a failed drill
                logging.getLogger(__name__).exception("scenario %s crashed", name)
                problems = [f"crashed: {type(error).__name__}: {error}"]
            verdicts.append((name, problems))
            verdict = "PASS" if not problems else "FAIL: " + "; ".join(problems)
            print(f"{verdict.split(':')[0]} scenario {name} ({time.perf_counter() - started:.0f} s)"
                  + ("" if not problems else ": " + "; ".join(problems)))  # fmt: skip
    finally:
        procs.end_all()
        redis.stop()
        pg.stop()
        shutil.rmtree(pg.root, ignore_errors=True)
        failed = not verdicts or any(problems for _, problems in verdicts)
        if args.keep or failed:
            print(f"logs kept in {logs}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    print()
    for name, problems in verdicts:
        print(f"{'PASS' if not problems else 'FAIL'}  {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
