"""Speed and memory of the Condorcet tally.

    .venv/bin/python bench/tally.py [--repeat 5] [--reference-sample 5000] [--threads N]

Prints ballots/s for 10k×10, 100k×20 and 1M×20 random ballots (ties and truncation, fixed
seed), the speed ratio to the plain-Python reference at 100k×20 (the reference is timed on a
sample and extrapolated linearly, as the output says), and peak memory for 1M×20.

Timings are medians of --repeat runs after the first; the first run of each size is shown
separately because it pays for fresh memory pages (slow in a VM).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from elections.condorcet import ENGINE_VERSION, pairwise_counts, tally  # noqa: E402
from elections.condorcet.pairwise import available_threads  # noqa: E402
from elections.condorcet.reference import (  # noqa: E402
    reference_pairwise,
    reference_schulze_ranking,
)

SEED = 20260401
SIZES = [(10_000, 10), (100_000, 20), (1_000_000, 20)]


def random_ballots(count: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Ranks 1..size drawn independently (so equal ranks, i.e. ties, are common), each
    ballot truncated at a random depth: ranks beyond it become 0 (unranked)."""
    ranks = rng.integers(1, size + 1, size=(count, size), dtype=np.uint8)
    depth = rng.integers(1, size + 1, size=(count, 1), dtype=np.uint8)
    ranks[ranks > depth] = 0
    return ranks


def timed(function, repeat: int) -> tuple[float, float]:
    """(first run, median of the next ``repeat`` runs) in seconds."""
    start = time.perf_counter()
    function()
    first = time.perf_counter() - start
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        runs.append(time.perf_counter() - start)
    return first, statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reference-sample", type=int, default=5_000)
    parser.add_argument("--threads", type=int, default=None)
    options = parser.parse_args()
    rng = np.random.default_rng(SEED)
    threads = options.threads or available_threads()
    print(
        f"stackvote Condorcet engine {ENGINE_VERSION}; numpy {np.__version__}; Python "
        f"{platform.python_version()}; {threads} thread(s) of {os.cpu_count()} CPUs"
    )
    print(
        f"Random ballots (seed {SEED}): ranks 1..C drawn independently (ties), truncated at a "
        "random depth (0 = unranked), uint8\n"
    )
    header = (
        f"{'ballots × candidates':>22} {'distinct':>9} {'tally() median':>15} "
        f"{'ballots/s':>12} {'pairwise only':>14} {'first tally()':>14}"
    )
    print(header)
    print("-" * len(header))
    elections = {}
    timings = {}
    for count, size in SIZES:
        ballots = random_ballots(count, size, rng)
        elections[count, size] = ballots
        names = [f"candidate {number}" for number in range(1, size + 1)]
        distinct = len(np.unique(ballots, axis=0)) if count <= 100_000 else None
        first, median = timed(
            lambda b=ballots, n=names: tally(n, b, threads=options.threads), options.repeat
        )
        _, pairwise_median = timed(
            lambda b=ballots: pairwise_counts(b, threads=options.threads), options.repeat
        )
        timings[count, size] = median
        print(
            f"{f'{count:,} × {size}':>22} {distinct if distinct is not None else 'n/a':>9} "
            f"{median * 1000:>12.1f} ms {count / median:>12,.0f} "
            f"{pairwise_median * 1000:>11.1f} ms {first * 1000:>11.1f} ms"
        )

    print(
        "\nMerging identical ballots (merge_identical: auto = the engine's cost rule, see "
        "elections/condorcet/pairwise.py)"
    )
    kinds = rng.integers(0, 61, size=(2_000, 60), dtype=np.uint8)
    repeated = kinds[rng.integers(0, len(kinds), size=200_000)]
    cases = [
        ("1,000,000 × 20, random", elections[1_000_000, 20]),
        ("200,000 × 60, 2,000 kinds", repeated),
    ]
    for label, ballots in cases:
        figures = []
        for merge in (False, True, None):
            _, median = timed(
                lambda b=ballots, m=merge: pairwise_counts(
                    b, threads=options.threads, merge_identical=m
                ),
                options.repeat,
            )
            figures.append(f"{median * 1000:.1f} ms")
        print(
            f"  {label:<26} never merge {figures[0]:>9}   always merge {figures[1]:>9}   "
            f"auto {figures[2]:>9}"
        )

    sample_size = options.reference_sample
    ballots = elections[100_000, 20]
    sample = ballots[:sample_size]
    names = [f"candidate {number}" for number in range(1, 21)]
    start = time.perf_counter()
    reference_matrix = reference_pairwise(sample.tolist())
    reference_schulze_ranking(names, reference_matrix)
    sample_seconds = time.perf_counter() - start
    if reference_matrix != pairwise_counts(sample).tolist():
        raise SystemExit("the engine and the reference disagree on the sample")
    extrapolated = sample_seconds * len(ballots) / sample_size
    engine = timings[100_000, 20]
    print(
        f"\nPlain-Python reference (reference_pairwise + reference_schulze_ranking) timed on "
        f"the first {sample_size:,} of the 100,000 × 20 ballots: {sample_seconds:.2f} s; "
        f"extrapolated linearly to 100,000: {extrapolated:.1f} s"
    )
    print(
        f"Engine tally() at 100,000 × 20: {engine * 1000:.1f} ms  ->  "
        f"{extrapolated / engine:,.0f}x the reference (same matrix on the sample)"
    )

    ballots = elections[1_000_000, 20]
    names = [f"candidate {number}" for number in range(1, 21)]
    tracemalloc.start()
    tally(names, ballots, threads=options.threads)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nPeak memory, tally() of 1,000,000 × 20: {peak / 2**20:.0f} MiB allocated during "
        f"the call (tracemalloc; the input itself is {ballots.nbytes / 2**20:.0f} MiB); "
        f"process peak RSS over the whole run {rss:.0f} MiB (ru_maxrss)"
    )


if __name__ == "__main__":
    main()
