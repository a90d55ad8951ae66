"""How big each figure is: the sizes the issue names, and a quick pass that only checks
the benchmark code still runs (its numbers mean little)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    repeats: int  # rounds of baseline and candidate, side by side
    throughput_rounds: int  # each round advances one officer (twice) on each side
    latency_small: int  # officers in the small database; each is advanced once
    population: int  # officers in the large database (the latency and memory figures)
    memory_repeats: int
    memory_batch: int  # officers in the batch the probe lists, boards and previews
    scheduled: int  # reminders to schedule
    apscheduler_jobs: int  # about this many jobs are given to APScheduler, as samples
    dispatch_due: int
    dispatch_small: int  # pending reminders in the database, the due ones included
    dispatch_large: int
    dispatch_repeats: int
    preview_officers: int  # a full batch
    year_officers: int
    year_baseline_officers: int
    year_backends: tuple[str, ...]
    startup_repeats: int  # fresh processes of each command, side by side
    console_page: int  # officers on the baseline page (one batch, one page)
    console_board: int  # officers in the batch whose board is opened
    console_attention: int  # officers besides those, 100 to a batch, all late


FULL = Sizes(
    repeats=5,
    throughput_rounds=200,
    latency_small=100,
    population=100_000,
    memory_repeats=3,
    memory_batch=20,
    scheduled=50_000,
    apscheduler_jobs=2_000,
    dispatch_due=1_000,
    dispatch_small=10_000,
    dispatch_large=1_000_000,
    dispatch_repeats=3,  # each round sends 1,000 reminders twice over: minutes
    preview_officers=20,
    year_officers=1_000,
    year_baseline_officers=100,
    # A year of 1,000 officers is ~18,000 transactions: minutes on each backend. SQLite
    # only by default; --year-everywhere runs it on PostgreSQL too.
    year_backends=("sqlite",),
    startup_repeats=21,
    console_page=20,
    console_board=500,
    console_attention=5_000,
)

QUICK = Sizes(
    repeats=3,
    throughput_rounds=6,
    latency_small=5,
    population=300,
    memory_repeats=1,
    memory_batch=3,
    scheduled=100,
    apscheduler_jobs=60,
    dispatch_due=5,
    dispatch_small=50,
    dispatch_large=300,
    dispatch_repeats=1,
    preview_officers=2,
    year_officers=2,  # the ratio needs two sizes
    year_baseline_officers=1,
    year_backends=("sqlite",),
    startup_repeats=3,
    console_page=5,
    console_board=30,
    console_attention=60,
)
