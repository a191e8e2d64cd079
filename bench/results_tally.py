"""Tally speed on PostgreSQL: a closed contest counted in one process and fanned out in chunks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stackvote \\
        .venv/bin/python bench/results_tally.py

Works in a scratch database (``test_<name>``, created, migrated and dropped), never in the one
``DATABASE_URL`` names. Tasks run in-process (the chord too), so the figures are the work of
one worker; with N workers the chunks' pairwise counts run in parallel. For each size it
prints the seconds spent sealing the ballot box (decrypt, shuffle, store), reading the
ballots, counting in one process (``result_tally``: read, count, write the files and the
Result), and the chunked tally (``results.tally_contest`` above the chunk size).

Options: ``--ballots 10000 100000 --candidates 12 --chunk 25000``.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402


def closed_contest(candidates: int, ballots: int, seed: int, slug: str) -> object:
    """A closed TC contest with random ballots (ties and truncation): built by the shared
    scenario builder up to polling, then its ballots written directly (the bench measures the
    count, not the casting), then closed. The close's queued seal-and-count goes to an
    in-memory queue no worker reads, so that the bench times each step itself."""
    from accounts.models import Contribution, ContributionKind, User
    from config.celery import app
    from elections.models import Phase
    from elections.results.scenarios import (
        CONTRIBUTED_AT,
        scenario_build,
        scenario_move,
        scenario_team,
    )

    # An electorate as large as the ballots: one contribution per elector, written in bulk as
    # an ingest would, before the builder freezes the roll.
    repository = scenario_team(name=f"Team {slug}", slug=f"team-{slug}").repositories.get()
    Contribution.objects.bulk_create(
        (
            Contribution(
                repository=repository,
                kind=ContributionKind.COMMIT,
                source="git",
                ref=f"{number:040x}",
                email=f"elector{number}@{slug}.example.org",
                name=f"Elector {number}",
                date=CONTRIBUTED_AT,
            )
            for number in range(ballots)
        ),
        batch_size=5000,
    )
    official = User.objects.filter(email="bench-official@example.org").first()
    if official is None:
        official = User.objects.create_superuser(email="bench-official@example.org")
    scenario = scenario_build(
        official=official,
        slug=slug,
        phase=Phase.POLLING,
        candidates=[f"Candidate {number}" for number in range(candidates)],
        ballots=(),
        extra_electors=0,
        seats=4,
        tie_seed="bench",
    )
    contest = scenario.contest
    # By name, so that two contests built from one seed hold the same ballots.
    keys = [choice.key for choice in sorted(contest.ballot_choices(), key=lambda c: c.label)]
    draw = random.Random(seed)  # noqa: S311 - synthetic bench data
    ballots_in_box: list[dict[str, int]] = []
    for _ in range(ballots):
        ranked = draw.sample(keys, draw.randint(1, len(keys)))
        ranks: dict[str, int] = {}
        rank = 0
        for key in ranked:
            if not ranks or draw.random() > 0.2:  # one in five ties with the previous
                rank += 1
            ranks[key] = rank
        ballots_in_box.append(ranks)
    fill_ballot_box(contest, ballots_in_box)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        scenario_move(scenario.election, Phase.CLOSED, actor=official)
    finally:
        app.conf.task_always_eager = eager
    contest.refresh_from_db()
    return contest


def fill_ballot_box(contest: object, rankings: list[dict[str, int]]) -> None:
    """Put ``rankings`` in the contest's ballot box encrypted, as casts would (without the
    voter records: the bench measures the seal and the count, not the casting)."""
    from django.db import transaction
    from psycopg2.extras import execute_values

    from elections.voting.actions.boxes import box_key
    from elections.voting.boxcrypt import box_lookup, box_table, seal_ballot
    from elections.voting.receipts import ballot_tracker, new_receipt_code, receipt_hash

    contest_id = contest.pk  # type: ignore[attr-defined]
    with transaction.atomic():
        key = box_key(contest_id, None)
        rows = []
        for number, ranks in enumerate(rankings):
            code = new_receipt_code()
            lookup = box_lookup(key, number, code)
            blob = seal_ballot(
                key,
                contest_id=contest_id,
                lookup=lookup,
                ranks=ranks,
                receipt_hash=receipt_hash(code),
                tracker=ballot_tracker(code, ranks),
            )
            rows.append((lookup, blob))
        with connection.cursor() as cursor:
            execute_values(
                cursor.cursor,
                f"INSERT INTO {box_table(contest_id)} (lookup, sealed) VALUES %s",  # noqa: S608
                rows,
                page_size=5000,
            )


def by_name(result: object) -> dict[tuple[str, str], int]:
    names = result.names  # type: ignore[attr-defined]
    matrix = result.pairwise  # type: ignore[attr-defined]
    return {(a, b): matrix[i][j] for i, a in enumerate(names) for j, b in enumerate(names)}


def timed(label: str, work: object) -> object:
    started = time.perf_counter()
    value = work()  # type: ignore[operator]
    print(f"  {label:<34} {time.perf_counter() - started:8.2f} s")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--candidates", type=int, default=12)
    parser.add_argument("--chunk", type=int, default=25_000)
    options = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL (DATABASE_URL=postgres://...).")
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # The builder's candidacy mails are not the bench's business.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"scratch database {test_name} ({os.cpu_count()} cores)")
    try:
        from elections.results import selectors
        from elections.results.models import Result
        from elections.results.tasks import tally_contest
        from elections.voting.actions import ballots_seal

        for count in options.ballots:
            print(f"{count} ballots × {options.candidates} candidates")
            single = closed_contest(options.candidates, count, seed=1, slug=f"single-{count}")
            chunked = closed_contest(options.candidates, count, seed=1, slug=f"chunked-{count}")
            for contest in (single, chunked):
                timed("seal (decrypt, shuffle, store)", lambda c=contest: ballots_seal(contest=c))
            timed(
                "read ballots as a rank matrix", lambda c=single: selectors.contest_ballot_matrix(c)
            )
            settings.STACKVOTE_TALLY_CHUNK_SIZE = count + 1
            timed("tally in one process", lambda c=single: tally_contest.delay(c.pk).get())
            settings.STACKVOTE_TALLY_CHUNK_SIZE = options.chunk
            timed(
                f"tally in chunks of {options.chunk}",
                lambda c=chunked: tally_contest.delay(c.pk).get(),
            )
            one = Result.objects.get(contest=single)
            many = Result.objects.get(contest=chunked)
            same = one.ranking == many.ranking and by_name(one) == by_name(many)
            size = len(one.files.get(kind="ballots_csv").content) / 1e6
            print(f"  identical results: {same}; ballot file {size:.1f} MB")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
