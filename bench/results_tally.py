"""Tally speed on PostgreSQL: a closed contest counted in one process and fanned out in chunks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stackvote \\
        .venv/bin/python bench/results_tally.py

Works in a scratch database (``test_<name>``, created, migrated and dropped), never in the one
``DATABASE_URL`` names. Tasks run in-process (the chord too), so the figures are the work of
one worker; with N workers the chunks' pairwise counts run in parallel. For each size it
prints the seconds spent sealing the ballot box (the voting app's rewrite), reading the
ballots, counting in one process (``result_tally``: read, count, write the files and the
Result), and the chunked tally (``results.tally_contest`` above the chunk size).

Options: ``--ballots 10000 100000 --candidates 12 --chunk 25000``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402


def closed_contest(candidates: int, ballots: int, seed: int, slug: str) -> object:
    """A closed TC contest with random ballots (ties and truncation), written directly: the
    bench measures the count, not the casting."""
    from accounts.models import User
    from elections.models import (
        Candidacy,
        CandidacyState,
        Contest,
        ContestKind,
        ContestState,
        Election,
        Phase,
    )
    from elections.voting.models import Ballot

    now = timezone.now()
    election = Election.objects.create(
        name=f"Bench {slug}",
        slug=slug,
        phase=Phase.CLOSED,
        nominations_opens_at=now - datetime.timedelta(days=40),
        nominations_closes_at=now - datetime.timedelta(days=30),
        polling_opens_at=now - datetime.timedelta(days=30),
        polling_closes_at=now - datetime.timedelta(days=1),
        window_start=(now - datetime.timedelta(days=365)).date(),
        window_end=now.date(),
    )
    contest = Contest.objects.create(
        election=election,
        kind=ContestKind.TC,
        name="Technical Committee",
        slug="tc",
        seats=4,
        tie_seed="bench",
        state=ContestState.CLOSED,
    )
    keys = []
    for number in range(candidates):
        person = User.objects.create_user(
            email=f"{slug}-{number}@example.org", full_name=f"Candidate {number}"
        )
        candidacy = Candidacy.objects.create(
            contest=contest,
            candidate=person,
            platform="-",
            platform_html="-",
            state=CandidacyState.APPROVED,
        )
        keys.append(candidacy.choice_key)
    draw = random.Random(seed)  # noqa: S311 - synthetic bench data
    rows = []
    for _ in range(ballots):
        ranked = draw.sample(keys, draw.randint(1, len(keys)))
        ranks: dict[str, int] = {}
        rank = 0
        for key in ranked:
            if not ranks or draw.random() > 0.2:  # one in five ties with the previous
                rank += 1
            ranks[key] = rank
        rows.append(
            Ballot(id=uuid.uuid4(), contest=contest, ranks=ranks, receipt_hash=uuid.uuid4().hex * 2)
        )
    Ballot.objects.bulk_create(rows, batch_size=5000)
    return contest


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
        from elections.voting.actions import ballots_shuffle_rewrite

        for count in options.ballots:
            print(f"{count} ballots × {options.candidates} candidates")
            single = closed_contest(options.candidates, count, seed=1, slug=f"single-{count}")
            chunked = closed_contest(options.candidates, count, seed=1, slug=f"chunked-{count}")
            for contest in (single, chunked):
                timed(
                    "seal (shuffle rewrite)", lambda c=contest: ballots_shuffle_rewrite(contest=c)
                )
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
