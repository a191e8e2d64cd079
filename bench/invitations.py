"""Invitations to 5,000 electors through a real SMTP server, and the same under faults.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stackvote .venv/bin/python bench/invitations.py

All on this machine, on loopback: a scratch database ``<name>_invitations`` on DATABASE_URL's
server (replaced at each run, dropped at the end unless ``--keep``), a PRIVATE Redis on a
free port (the script stops it mid-batch, so the shared one is never touched), an SMTP
server on loopback (``tests/smtpsink.py``, real SMTP over TCP, keeping every message) and
the default deployment's worker: ``celery -A config worker`` (prefork, one process per core).

1. **Throughput.** An election whose vote has ``--electors`` people on its roll (half with an
   account, half only an address) opens its polls; the clock runs from the commit that
   queues the invitations until every one is stamped sent. Then: every elector got exactly
   one mail, and nobody else any.
2. **Faults.** A second election with ``--drill-electors`` opens its polls. A quarter of the
   way through, Redis is stopped (the tasks still queued in it are lost: it keeps nothing on
   disk), then started again empty; half way through, the worker is killed with SIGKILL and
   a new one started. The scheduler's sweep (``invitations_requeue_stale``, which runs every
   few minutes and takes up rows queued more than 15 minutes ago) is run with the clock
   moved on instead of waiting. Then: every elector got exactly one mail.

It prints the figures and ends with ``goals met`` or ``goals missed: ...`` (the goal: 5,000
invitations in under 60 s; none lost, none doubled). It exits non-zero when a mail is lost
or doubled.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from faults import PrivateRedis, free_port, wait_for, worker_answers  # noqa: E402
from load_vote import HOST, ROOT, scratch_database  # noqa: E402

from tests.smtpsink import SmtpSink  # noqa: E402

GOAL_SECONDS = 60.0
BENCH_REASON = "bench: invitations"


def start_worker(env: dict[str, str], name: str, log: IO[bytes]) -> subprocess.Popen[bytes]:
    """The default deployment's worker (README: ``celery -A config worker -l info``)."""
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "info", "-n",
               f"{name}@invitations", "--without-mingle", "--without-gossip"]  # fmt: skip
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
    )


def kill(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=30)


def build_election(electors: int, run: str, label: str) -> tuple[Any, list[str]]:
    """An election in nominations with one community vote whose roll is ``electors`` people,
    hand-added: every other one also has an account holding the address."""
    from allauth.account.models import EmailAddress

    from accounts.models import ExtraVoter, ExtraVoterSource, User
    from elections.actions import contest_create, option_create
    from elections.models import Phase
    from elections.scenarios import scenario_election, scenario_move

    # Hand-added voters count in every later all-repository roll: the previous part's go.
    ExtraVoter.objects.filter(reason=BENCH_REASON).delete()
    emails = [f"{label}-{run}-{index}@example.org" for index in range(electors)]
    User.objects.bulk_create(
        [User(email=e, password="!", full_name=f"Elector {i}") for i, e in enumerate(emails[::2])],
        batch_size=2000,
    )
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=user, email=user.email, verified=True, primary=True)
            for user in User.objects.filter(email__in=emails[::2])
        ],
        batch_size=2000,
    )
    ExtraVoter.objects.bulk_create(
        [ExtraVoter(email=e, reason=BENCH_REASON, source=ExtraVoterSource.MANUAL) for e in emails],
        batch_size=2000,
    )
    election = scenario_election(
        official=None,
        name=f"Invitations {label} {run}",
        slug=f"invitations-{label}-{run}",
        opens=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1),
    )
    contest = contest_create(
        election=election, actor=None, kind="community", name=f"Vote {label}", slug="vote"
    )
    for option in ("Yes", "No"):
        option_create(contest=contest, actor=None, name=option)
    election = scenario_move(election, Phase.NOMINATIONS, actor=None, reason="bench")
    return election, emails


def open_polls(election: Any) -> Any:
    from elections.models import Phase
    from elections.scenarios import scenario_move

    return scenario_move(election, Phase.POLLING, actor=None, reason="bench")


def sent_count(election: Any) -> int:
    from elections.models import Invitation, InvitationState

    return Invitation.objects.filter(contest__election=election, state=InvitationState.SENT).count()


def sending_count(election: Any) -> int:
    from elections.models import Invitation, InvitationState

    return Invitation.objects.filter(
        contest__election=election, state=InvitationState.SENDING
    ).count()


def settled(election: Any) -> bool:
    """No row claimed, and nothing sent for a second: the workers have nothing left to do."""
    before = sent_count(election)
    time.sleep(1.0)
    return not sending_count(election) and sent_count(election) == before


def latest_queueing(election: Any) -> datetime.datetime:
    from django.db.models import Max

    from elections.models import Invitation

    latest = Invitation.objects.filter(contest__election=election).aggregate(Max("queued_at"))
    return latest["queued_at__max"]


def delivery(sink: SmtpSink, emails: list[str]) -> tuple[int, int, int, int]:
    """(missing, doubled, strangers, repeats) among the messages the SMTP server accepted.

    A message is its recipient and ``Message-ID``: one accepted twice with the same id (the
    one in flight when a worker was killed, sent again) is a repeat, which mail systems show
    once; two different messages to one elector would be doubled."""
    wanted = set(emails)
    messages: collections.Counter[tuple[str, str]] = collections.Counter()
    strangers = 0
    for received in list(sink.received):
        message_id = received.message()["Message-ID"] or ""
        for address in received.recipients:
            if address.lower() in wanted:
                messages[(address.lower(), message_id)] += 1
            else:
                strangers += 1
    per_elector = collections.Counter(address for address, _ in messages)
    missing = sum(1 for e in emails if per_elector[e] == 0)
    doubled = sum(count - 1 for count in per_elector.values() if count > 1)
    repeats = sum(count - 1 for count in messages.values() if count > 1)
    return missing, doubled, strangers, repeats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--electors", type=int, default=5000)
    parser.add_argument("--drill-electors", type=int, default=2000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL server (the run works in <name>_invitations).")
        return 2
    server_url = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = scratch_database(server_url, suffix="_invitations")
    try:
        with tempfile.TemporaryDirectory(prefix="stackvote-invitations-") as tmp:
            return measure(args, Path(tmp))
    finally:
        from django.conf import settings

        if settings.configured:
            from django.db import connections

            connections.close_all()
        if not args.keep:
            scratch_database(server_url, drop_only=True, suffix="_invitations")


def measure(args: argparse.Namespace, tmp: Path) -> int:
    sink = SmtpSink(host=HOST).start()
    redis = PrivateRedis(tmp, free_port())
    redis.start()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-" + "k" * 50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "REDIS_URL": redis.url,
        "EMAIL_URL": f"smtp://{HOST}:{sink.port}",
        "STACKVOTE_SITE_URL": "https://vote.example.org",
    }
    os.environ.update(env)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT,
                   env=env, check=True)  # fmt: skip
    import django

    django.setup()
    from elections.actions import STALE_INVITATION_AGE, invitations_requeue_stale

    log = (tmp / "worker.log").open("ab")
    workers = [start_worker(env, "first", log)]
    problems: list[str] = []
    goals_missed: list[str] = []
    try:
        if not worker_answers(timeout=60):
            raise SystemExit("the worker did not start")
        run = datetime.datetime.now(datetime.UTC).strftime("%H%M%S")

        # 1. Throughput.
        election, emails = build_election(args.electors, run, "throughput")
        sink.received.clear()
        started = time.perf_counter()
        open_polls(election)
        done = wait_for(lambda: sent_count(election) >= args.electors, timeout=300, interval=0.2)
        elapsed = time.perf_counter() - started
        missing, doubled, strangers, repeats = delivery(sink, emails)
        print(f"throughput: {args.electors} invitations sent in {elapsed:.1f} s "
              f"({args.electors / elapsed:.0f}/s) by {os.cpu_count()} worker processes; "
              f"{missing} missing, {doubled} doubled, {repeats} repeated, "
              f"{strangers} to anyone else")  # fmt: skip
        if not done or missing or doubled or strangers or repeats:
            problems.append(f"throughput: {missing} missing, {doubled} doubled")
        if elapsed >= GOAL_SECONDS:
            goals_missed.append(f"{args.electors} invitations took {elapsed:.1f} s (goal < 60 s)")

        # 2. Faults: Redis stopped, then a worker killed, mid-batch.
        election, emails = build_election(args.drill_electors, run, "drill")
        sink.received.clear()
        sink.delay = 0.004  # slow enough to stop things mid-batch
        open_polls(election)
        wait_for(
            lambda: sent_count(election) >= args.drill_electors // 4, timeout=120, interval=0.05
        )
        redis.stop()
        at_redis_stop = sent_count(election)
        time.sleep(2)
        redis.start()  # empty: the queued tasks are gone
        # The worker finishes the batch it holds (it needs no Redis for that); then the
        # sweep, as the scheduler would run it 15 minutes later, finds the rest.
        wait_for(lambda: not sending_count(election), timeout=60, interval=0.1)
        moment = datetime.datetime.now(datetime.UTC)
        moment += datetime.timedelta(minutes=16)
        requeued = wait_for(lambda: invitations_requeue_stale(now=moment), timeout=30)
        wait_for(
            lambda: sent_count(election) >= args.drill_electors // 2, timeout=120, interval=0.05
        )
        kill(workers.pop())
        killed_at = datetime.datetime.now(datetime.UTC)
        at_kill = sent_count(election)
        workers.append(start_worker(env, "second", log))
        worker_answers(timeout=60)
        # Only the dead worker's claims are old enough (the new worker's came after).
        moment = killed_at + STALE_INVITATION_AGE + datetime.timedelta(milliseconds=200)
        requeued_again = invitations_requeue_stale(now=moment)
        sink.delay = 0.0
        # The dead worker had also reserved queued tasks (lost with it): their rows wait for
        # the sweeps that come 15 minutes after they were queued. Each sweep runs while no
        # live worker holds a claim, so it takes up only rows nobody is sending.
        sweeps = 1
        while sent_count(election) < args.drill_electors and sweeps < 6:
            wait_for(lambda: settled(election), timeout=120, interval=0.3)
            if sent_count(election) >= args.drill_electors:
                break
            moment = (
                latest_queueing(election) + STALE_INVITATION_AGE + datetime.timedelta(seconds=1)
            )
            requeued_again += invitations_requeue_stale(now=moment)
            sweeps += 1
        done = wait_for(
            lambda: sent_count(election) >= args.drill_electors, timeout=120, interval=0.2
        )
        missing, doubled, strangers, repeats = delivery(sink, emails)
        print(f"faults: {args.drill_electors} electors; Redis stopped after {at_redis_stop} sent "
              f"(sweep re-queued {requeued}), worker SIGKILLed after {at_kill} sent (sweep "
              f"re-queued {requeued_again} in {sweeps} sweeps); SMTP accepted "
              f"{len(sink.recipients())}: {missing} missing, {doubled} doubled, "
              f"{strangers} to anyone else; {repeats} accepted "
              "twice with one Message-ID (in flight at the kill, sent again)")  # fmt: skip
        if not done or missing or doubled or strangers:
            problems.append(f"faults: {missing} missing, {doubled} doubled")
    finally:
        for process in workers:
            kill(process, signal.SIGTERM)
        redis.stop()
        sink.stop()
        log.close()
    goals_missed += problems
    if goals_missed:
        print("goals missed: " + "; ".join(goals_missed))
    else:
        print("goals met")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
