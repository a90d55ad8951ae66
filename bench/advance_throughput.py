"""Figure 1: advances per second, ours against the same SQL written by hand.

Ours is ``lifecycle.services.officers.advance`` with the reminder planner plugged in:
role and guard checks, the transition, the audit row and the re-planned reminders, one
transaction. Each round, each side takes one officer of its own through accept and
start_induction (the second cancels the welcome reminder the first planned); rounds are
short and many, so a busy neighbour slows both sides alike rather than one of them.
"""

from __future__ import annotations

from sqlalchemy import select

from bench import population as pop
from bench.context import Bench
from bench.handwritten import advance_by_hand
from bench.report import Result, rate, skipped
from bench.timing import interleave, stopwatch
from lifecycle.clock import FakeClock
from lifecycle.persistence.tables import User
from lifecycle.services import officers as act

NAME = "1. advance throughput"
TRIGGERS = ("accept", "start_induction")


def run(bench: Bench) -> list[Result]:
    return [_measure(bench, backend) for backend in bench.backends]


def _measure(bench: Bench, backend: str) -> Result:
    if problem := bench.unavailable(backend):
        return skipped(NAME, backend, problem)
    sizes = bench.sizes
    services = pop.open_services(bench.staffed(backend), FakeClock(pop.START))
    try:
        _, (prototype,) = pop.add_batch(services, 1, 1)
        rounds = sizes.throughput_rounds
        copies = pop.copy_officer(services, prototype, 2 * rounds, first_batch=2)
        with services.db.reading() as session:
            actor_id = session.scalar(select(User.id).where(User.email == pop.COORDINATOR))
        assert actor_id is not None
        engine, now = services.db.engine, services.now()

        def ours(round_number: int) -> float:
            ref = copies.refs[2 * round_number]
            with stopwatch() as watch:
                for trigger in TRIGGERS:
                    act.advance(services, ref, trigger, actor=pop.COORDINATOR)
            return watch.seconds

        def by_hand(round_number: int) -> float:
            ref = copies.refs[2 * round_number + 1]
            with stopwatch() as watch:
                for trigger in TRIGGERS:
                    advance_by_hand(engine, ref, trigger, actor_id, now)
            return watch.seconds

        bench.log(f"{NAME} on {backend}: {rounds} rounds of {len(TRIGGERS)} advances a side")
        paired = interleave(rounds, ours, by_hand)
    finally:
        services.db.dispose()
    advances = len(TRIGGERS)
    ratio = paired.baseline.median / paired.candidate.median  # our rate over theirs
    return Result(
        NAME,
        backend,
        rate(advances, paired.candidate.median, "advances"),
        "hand-written Core: " + rate(advances, paired.baseline.median, "advances"),
        ratio,
        ">= 0.5",
        ratio >= 0.5,
        f"{rounds} rounds, each side taking one officer through {' and '.join(TRIGGERS)}; "
        "rate from the median round",
    )
