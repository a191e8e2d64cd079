"""Close to published on PostgreSQL: a closed contest sealed, read, counted and its files
written, in one process and fanned out in chunks, against the engine's own count.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stackvote \\
        .venv/bin/python bench/results_tally.py --ballots 100000 1000000

Works in a scratch database (``test_<name>``, created, migrated and dropped), never in the one
``DATABASE_URL`` names. Tasks run in-process (the chord too), so the figures are the work of
one worker; with N workers the chunks' reads and pairwise counts run in parallel. For each
size it prints the seconds spent sealing the ballot box (decrypt, sort, COPY of blocks), reading the
ballots into the rank matrix (and the rate), the engine's own count of that matrix, writing
the published files, the tally in one process (``results.tally_contest``: read, count, files,
Result), close to published (seal + tally), the chunked tally, the peak memory of this
process during the pipeline, and the time the pipeline spent in its binary COPYs (the box
read out, the blocks and the files written in), PostgreSQL's share of it. The last line is
``goals met`` or ``goals missed: ...``:

- close to published ≤ 20 s for 1,000,000 ballots × 20 candidates, ≤ 2 s for 100,000;
- peak memory ≤ 1.5 GiB;
- close to published ≤ 50 × the engine's own count of the same ballots in this run;
- the ballots read at ≥ 5 million a second (the best of three reads).

Options: ``--ballots 100000 1000000 --candidates 20 --chunk 250000``. The ballot boxes are
filled directly, encrypted as casts would (without voter records or an electorate: the
bench measures what follows the close, not the casting).
"""

from __future__ import annotations

import argparse
import base64
import io
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

# Celery logs every task it runs in-process ("Task ... succeeded"): not the bench's figures.
logging.getLogger("celery.app.trace").setLevel(logging.WARNING)

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402

GIB = 1 << 30
GOAL_SECONDS = {1_000_000: 20.0, 100_000: 2.0}
GOAL_PEAK_BYTES = int(1.5 * GIB)
GOAL_RATIO = 50.0
GOAL_READ_RATE = 5_000_000


def closed_contest(candidates: int, ballots: int, seed: int, slug: str) -> object:
    """A closed TC contest with random ballots (ties and truncation): built by the shared
    scenario builder up to polling, then its ballot box filled directly (the bench measures
    what follows the close, not the casting), then closed. The close's queued seal-and-count
    goes to an in-memory queue no worker reads, so that the bench times each step itself."""
    from accounts.models import User
    from config.celery import app
    from elections.models import Phase
    from elections.results.scenarios import scenario_build, scenario_move

    official = User.objects.filter(email="bench-official@example.org").first()
    if official is None:
        official = User.objects.create_superuser(email="bench-official@example.org")
    scenario = scenario_build(
        official=official,
        slug=slug,
        phase=Phase.POLLING,
        candidates=[f"Candidate {number:02d}" for number in range(candidates)],
        ballots=(),
        extra_electors=0,
        seats=4,
        tie_seed="bench",
    )
    contest = scenario.contest
    fill_ballot_box(contest, random_ballots(candidates, ballots, seed))
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        scenario_move(scenario.election, Phase.CLOSED, actor=official)
    finally:
        app.conf.task_always_eager = eager
    contest.refresh_from_db()
    return contest


def random_ballots(candidates: int, ballots: int, seed: int) -> np.ndarray:
    """``ballots`` random rank rows over ``candidates`` columns, by name: each ranks from one
    to all candidates, one in five tied with the one before (dense ranks, 0 = unranked)."""
    draw = np.random.default_rng(seed)
    order = np.argsort(draw.random((ballots, candidates)), axis=1)
    ranked = draw.integers(1, candidates + 1, size=ballots)
    steps = (draw.random((ballots, candidates)) > 0.2).astype(np.int64)
    steps[:, 0] = 1
    levels = np.cumsum(steps, axis=1)
    levels[np.arange(candidates)[None, :] >= ranked[:, None]] = 0
    ranks = np.zeros((ballots, candidates), dtype=np.int64)
    np.put_along_axis(ranks, order, levels, axis=1)
    return ranks


def fill_ballot_box(contest: object, ranks: np.ndarray) -> None:
    """Put the ballots in the contest's ballot box encrypted, as casts would, with real
    receipts and trackers (without the voter records: the bench measures what follows)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from django.db import transaction

    from elections.voting.actions.boxes import box_key, box_order
    from elections.voting.boxcrypt import (
        FORMAT_PACKED,
        NONCE_BYTES,
        _associated,
        _derive,
        box_lookup,
        box_table,
        pack_ranks,
    )
    from elections.voting.receipts import ballot_tracker, receipt_hash

    contest_id = contest.pk  # type: ignore[attr-defined]
    names = {choice.label: choice.key for choice in contest.ballot_choices()}  # type: ignore[attr-defined]
    by_name = [names[name] for name in sorted(names)]
    with transaction.atomic():
        key = box_key(contest_id, None)
        order = box_order(contest_id, key, None)
        assert order is not None
        sealer = AESGCM(_derive(key, b"seal"))
        prefix = _associated(contest_id, "", FORMAT_PACKED)
        lines = io.StringIO()
        codes = base64.b32encode(os.urandom(ranks.shape[0] * 15)).decode("ascii")
        for number, row in enumerate(ranks.tolist()):
            raw = codes[number * 24 : number * 24 + 20]
            code = "-".join(raw[start : start + 5] for start in range(0, 20, 5))
            ballot = {by_name[column]: rank for column, rank in enumerate(row) if rank}
            lookup = box_lookup(key, number, code)
            plaintext = (
                receipt_hash(code).encode("ascii")
                + ballot_tracker(code, ballot).encode("ascii")
                + pack_ranks(order, ballot)
            )
            nonce = os.urandom(NONCE_BYTES)
            sealed = nonce + sealer.encrypt(nonce, plaintext, prefix + lookup.encode("ascii"))
            lines.write(f"{lookup}\t\\\\x{sealed.hex()}\n")
        lines.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {box_table(contest_id)} (lookup, sealed) FROM STDIN", lines
            )


def by_name(result: object) -> dict[tuple[str, str], int]:
    names = result.names  # type: ignore[attr-defined]
    matrix = result.pairwise  # type: ignore[attr-defined]
    return {(a, b): matrix[i][j] for i, a in enumerate(names) for j, b in enumerate(names)}


def peak_reset() -> None:
    """Start measuring this process's peak resident memory afresh (Linux: VmHWM)."""
    Path("/proc/self/clear_refs").write_text("5")


def peak_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


class CopyClock:
    """Time spent in the pipeline's binary COPYs (the box read out, the blocks and the files
    written in): PostgreSQL's share, which no change in this process makes shorter."""

    TARGETS = (
        ("elections.voting.actions.sealing", "box_rows_fixed"),
        ("elections.voting.actions.sealing", "copy_binary_in"),
        ("elections.results.actions.tally", "copy_binary_in"),
    )

    def __init__(self) -> None:
        self.seconds = 0.0
        self._saved: list[tuple[object, str, object]] = []

    def __enter__(self) -> CopyClock:
        import importlib

        for module_name, name in self.TARGETS:
            module = importlib.import_module(module_name)
            original = getattr(module, name)
            self._saved.append((module, name, original))
            setattr(module, name, self._clocked(original))
        return self

    def __exit__(self, *_: object) -> None:
        for module, name, original in self._saved:
            setattr(module, name, original)

    def _clocked(self, function: object) -> object:
        def clocked(*args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)  # type: ignore[operator]
            finally:
                self.seconds += time.perf_counter() - started

        return clocked


def timed(label: str, work: object) -> tuple[object, float]:
    started = time.perf_counter()
    value = work()  # type: ignore[operator]
    seconds = time.perf_counter() - started
    print(f"  {label:<44} {seconds:8.3f} s", flush=True)
    return value, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--chunk", type=int, default=0, help="default: a quarter of the ballots")
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
    from elections.results import selectors

    # The boxes are filled without an electorate behind them (building a roll of a million
    # electors is not what is measured): the results record no turnout.
    selectors.electorate_size = lambda contest: None  # type: ignore[assignment]
    missed: list[str] = []
    try:
        for count in options.ballots:
            missed += run_size(count, options.candidates, options.chunk or max(1, count // 4))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print("goals met" if not missed else "goals missed: " + "; ".join(missed))


def run_size(count: int, candidates: int, chunk: int) -> list[str]:
    from elections import condorcet
    from elections.results import exports, selectors
    from elections.results.models import Result
    from elections.results.tasks import tally_contest, tally_lock_key
    from elections.voting.actions import ballots_seal

    print(f"{count} ballots × {candidates} candidates", flush=True)
    started = time.perf_counter()
    single = closed_contest(candidates, count, seed=1, slug=f"single-{count}")
    chunked = closed_contest(candidates, count, seed=1, slug=f"chunked-{count}")
    print(f"  (two ballot boxes filled in {time.perf_counter() - started:.1f} s)", flush=True)
    # A lock left in the cache by an interrupted run of the bench (the scratch database
    # numbers its contests from 1 again) is not this run's.
    for contest in (single, chunked):
        cache.delete(tally_lock_key(contest.pk))  # type: ignore[attr-defined]
    settings.STACKVOTE_TALLY_CHUNK_SIZE = count + 1
    peak_reset()
    with CopyClock() as copies:
        _, seal = timed(
            "seal (decrypt, sort, COPY of blocks)", lambda: ballots_seal(contest=single)
        )
        _, tally = timed(
            "tally in one process (read, count, files, Result)",
            lambda: tally_contest.delay(single.pk).get(),
        )
    peak = peak_bytes()
    total = seal + tally
    print(f"  {'close to published (seal + tally)':<44} {total:8.3f} s")
    print(f"  {'peak memory of this process':<44} {peak / GIB:8.3f} GiB")
    matrix, read = timed(
        "  of which: read ballots into the rank matrix",
        lambda: selectors.contest_ballot_matrix(single),
    )
    # The rate is the best of three reads: a throughput, not the first read's cold start.
    again = [
        timed("  read again", lambda: selectors.contest_ballot_matrix(single))[1] for _ in range(2)
    ]
    read = min(read, *again)
    rate = count / read if read else float("inf")
    print(f"  {'  read rate':<44} {rate / 1e6:8.2f} M ballots/s")
    names = list(matrix.names)  # type: ignore[attr-defined]
    ranks = matrix.ranks  # type: ignore[attr-defined]
    _, engine = timed(
        "  of which: the engine's own count",
        lambda: condorcet.tally(names, ranks, seats=4, method="schulze", tie_seed="bench"),
    )
    timed(
        "  of which: published files (CSV, PrefLib)",
        lambda: (exports.ballots_csv(names, ranks), exports.ballots_preflib(names, ranks)),
    )
    ratio = total / engine if engine else float("inf")
    print(f"  {'pipeline / engine':<44} {ratio:8.1f} ×")
    share = copies.seconds / engine if engine else float("inf")
    label = "  of which: PostgreSQL's COPYs (box, blocks, files)"
    print(f"  {label:<44} {copies.seconds:8.3f} s = {share:.1f} × the engine")
    timed("seal of the second box", lambda: ballots_seal(contest=chunked))
    settings.STACKVOTE_TALLY_CHUNK_SIZE = chunk
    timed(f"tally in chunks of {chunk} (one worker)", lambda: tally_contest.delay(chunked.pk).get())
    one = Result.objects.get(contest=single)
    many = Result.objects.get(contest=chunked)
    # Two contests of the same ballots by name (their choices' keys, so their column orders,
    # differ): the same ranking, winners and pairwise counts by name.
    same = (
        one.ranking == many.ranking
        and one.winners == many.winners
        and one.ballot_count == many.ballot_count
        and by_name(one) == by_name(many)
    )
    size = len(one.files.get(kind="ballots_csv").content) / 1e6
    print(f"  identical results: {same}; ballot file {size:.1f} MB", flush=True)
    missed: list[str] = []
    if not same:
        missed.append(f"{count}: the chunked tally differs from the single-process tally")
    goal = GOAL_SECONDS.get(count)
    if goal is not None and total > goal:
        missed.append(f"{count}: close to published {total:.1f} s > {goal:.0f} s")
    if peak > GOAL_PEAK_BYTES:
        missed.append(f"{count}: peak memory {peak / GIB:.2f} GiB > 1.5 GiB")
    if ratio > GOAL_RATIO:
        missed.append(f"{count}: pipeline {ratio:.0f}× the engine's count > {GOAL_RATIO:.0f}×")
    if rate < GOAL_READ_RATE:
        missed.append(f"{count}: read {rate / 1e6:.1f} M ballots/s < 5 M/s")
    return missed


if __name__ == "__main__":
    main()
