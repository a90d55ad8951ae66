"""Figure 3: how much more memory a process needs when the database holds 100,000
officers than when it holds next to none.

Each measurement is a fresh process (``bench.memory_probe``) doing what a CLI command
or a web request does: list batches, list and show a batch, its board, advance a few
officers, preview the batch's reminders. Its peak RSS is compared with the same probe
against an empty database; fresh processes keep this run's own allocations out of it.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from bench import population as pop
from bench.context import Bench
from bench.report import Result, megabytes, skipped
from lifecycle.clock import FakeClock

NAME = "3. memory growth with population"
GOAL_MB = 50
ADVANCED_PER_PROBE = 5
PROBE_BATCH = 3  # the latency figure's batches, 1 and 2, share the populated database


def run(bench: Bench) -> list[Result]:
    return [_measure(bench, backend) for backend in bench.backends]


def _measure(bench: Bench, backend: str) -> Result:
    if problem := bench.unavailable(backend):
        return skipped(NAME, backend, problem)
    sizes = bench.sizes
    repeats = sizes.memory_repeats
    empty = bench.staffed(backend)
    full = bench.populated(backend, sizes.population)
    batch_size = max(sizes.memory_batch, repeats * ADVANCED_PER_PROBE)
    setups = {url: _probe_batch(url, batch_size) for url in (empty, full)}
    peaks: dict[str, list[float]] = {empty: [], full: []}
    bench.log(f"{NAME} on {backend}: {repeats} probe processes on each database")
    for round_number in range(repeats):
        order = [empty, full] if round_number % 2 == 0 else [full, empty]
        for url in order:
            batch, refs = setups[url]
            first = round_number * ADVANCED_PER_PROBE
            peaks[url].append(_probe(url, batch, refs[first : first + ADVANCED_PER_PROBE]))
    small, large = statistics.median(peaks[empty]), statistics.median(peaks[full])
    growth = large - small
    return Result(
        NAME,
        backend,
        f"{sizes.population:,} officers: {megabytes(large)} peak RSS",
        f"empty: {megabytes(small)} peak RSS",
        large / small,
        f"growth < {GOAL_MB} MB",
        growth < GOAL_MB,
        f"growth {megabytes(growth)}; median of {repeats} fresh processes each, listing "
        f"batches, listing/showing/boarding a batch of {batch_size}, advancing "
        f"{ADVANCED_PER_PROBE} officers, previewing the batch's reminders",
    )


def _probe_batch(url: str, officers: int) -> tuple[str, list[str]]:
    """The probe's batch of nominated officers, ready to be advanced."""
    services = pop.open_services(url, FakeClock(pop.START))
    try:
        return pop.add_batch(services, PROBE_BATCH, officers)
    finally:
        services.db.dispose()


def _probe(url: str, batch: str, refs: list[str]) -> float:
    root = Path(__file__).resolve().parent.parent
    completed = subprocess.run(
        [sys.executable, "-m", "bench.memory_probe", url, batch, *refs],
        capture_output=True, text=True, check=True, cwd=root,
    )  # fmt: skip
    return float(json.loads(completed.stdout.splitlines()[-1])["peak_mb"])
