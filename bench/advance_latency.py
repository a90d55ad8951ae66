"""Figure 2: one advance with 100 officers in the database, and with 100,000.

Officers are never attached to a state machine and every query is by key, so the
latency should not grow with the population. The same advance (accept) runs on the
small and the large database alternately, one officer at a time; the figure is the
median latency on each.
"""

from __future__ import annotations

from bench import population as pop
from bench.context import Bench
from bench.report import Result, duration, skipped
from bench.timing import interleave, timed
from lifecycle.clock import FakeClock
from lifecycle.services import Services
from lifecycle.services import officers as act

NAME = "2. advance latency vs population"
MEASURED_BATCH = 1


def run(bench: Bench) -> list[Result]:
    return [_measure(bench, backend) for backend in bench.backends]


def _measure(bench: Bench, backend: str) -> Result:
    if problem := bench.unavailable(backend):
        return skipped(NAME, backend, problem)
    small, population = bench.sizes.latency_small, bench.sizes.population
    large = population + small
    databases = [bench.staffed(backend), bench.populated(backend, population)]
    clock = FakeClock(pop.START)
    opened = [pop.open_services(url, clock) for url in databases]
    try:
        refs = [_nominated(services, small) for services in opened]
        small_db, large_db = opened

        def on(services: Services, ref: str) -> float:
            return timed(lambda: act.advance(services, ref, "accept", actor=pop.COORDINATOR))

        bench.log(f"{NAME} on {backend}: {small} advances on each")
        paired = interleave(
            small,
            lambda i: on(large_db, refs[1][i]),
            lambda i: on(small_db, refs[0][i]),
        )
    finally:
        for services in opened:
            services.db.dispose()
    return Result(
        NAME,
        backend,
        f"{large:,} officers: {duration(paired.candidate.median)}",
        f"{small:,} officers: {duration(paired.baseline.median)}",
        paired.ratio,
        "<= 1.2",
        paired.ratio <= 1.2,
        f"median of {small} single advances (accept) on each database, alternating; the "
        f"large one holds {population:,} officers mid-placement (audit events, ticks, "
        "placements; their reminder rows are left out to keep loading short) besides "
        f"the {small} measured",
    )


def _nominated(services: Services, count: int) -> list[str]:
    """``count`` nominated officers in a batch of their own: one through the services,
    the rest copied from it."""
    _, (prototype,) = pop.add_batch(services, MEASURED_BATCH, 1)
    copies = pop.copy_officer(
        services, prototype, count - 1, first_batch=MEASURED_BATCH + 1, per_batch=count
    )
    return [prototype, *copies.refs]
