"""Figure 5b: a simulated programme year of 1,000 officers through every stage.

Everything goes through the services under a ``FakeClock`` set to each step's day:
nomination, acceptance, induction and its checklist, placement, diplomatic training,
both supervisor sign-offs, travel documents, the study visit and its report,
graduation and the alumni network; reminders are planned at every step. No goal is
set; the baseline is the same year for a tenth of the officers, so the ratio of the
cost per officer shows whether a larger programme costs more per head.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

from bench import population as pop
from bench.context import Bench
from bench.report import Result, duration, skipped
from bench.timing import stopwatch
from lifecycle.clock import FakeClock
from lifecycle.services import Services, setup
from lifecycle.services import officers as act
from notifications.planner import JAKARTA

NAME = "5b. programme year"
PER_BATCH = 20


def run(bench: Bench) -> list[Result]:
    return [_measure(bench, backend) for backend in bench.backends]


def _measure(bench: Bench, backend: str) -> Result:
    if problem := bench.unavailable(backend):
        return skipped(NAME, backend, problem)
    sizes = bench.sizes
    if backend not in sizes.year_backends:
        return skipped(NAME, backend, "minutes long: run with --year-everywhere")
    small, large = sizes.year_baseline_officers, sizes.year_officers
    bench.log(f"{NAME} on {backend}: {small} then {large} officers")
    seconds = {n: _year(bench, backend, n) for n in (small, large)}
    per_head = {n: seconds[n] / n for n in seconds}
    steps = len(_officer_steps()) + 1  # and the nomination
    return Result(
        NAME,
        backend,
        f"{large:,} officers: {duration(seconds[large])} "
        f"({duration(per_head[large])} per officer)",
        f"{small:,} officers: {duration(seconds[small])} "
        f"({duration(per_head[small])} per officer)",
        per_head[large] / per_head[small],
        "",
        None,
        f"{steps} service calls per officer ({steps * large:,} transactions), batches of "
        f"{PER_BATCH}; one run each (a year is long), so noisier than the other figures",
    )


def _year(bench: Bench, backend: str, officers: int) -> float:
    clock = FakeClock(pop.START)
    services = pop.open_services(bench.staffed(backend), clock)
    try:
        with stopwatch() as watch:
            refs = _nominate(services, officers)
            for day, step in _officer_steps():
                clock.set(datetime.combine(day, time(9, 0), JAKARTA))
                for ref in refs:
                    step(services, ref)
        return watch.seconds
    finally:
        services.db.dispose()


def _nominate(services: Services, officers: int) -> list[str]:
    refs: list[str] = []
    for start in range(0, officers, PER_BATCH):
        batch = setup.create_batch(
            services, track=pop.TRACK, number=len(refs) // PER_BATCH + 1,
            start=pop.BATCH_START, end=pop.BATCH_END, optional_stages=["diplomatic_training"],
            milestones={"study_visit": pop.STUDY_VISIT},
        )  # fmt: skip
        refs += [
            setup.nominate(
                services, batch=batch, name=f"Officer {n} ឈី រដ្ឋា", country="KH",
                ministry="Ministry of Foreign Affairs", email=f"o{n}@mfa.example",
                actor=pop.COORDINATOR,
            ).ref
            for n in range(start, min(officers, start + PER_BATCH))
        ]  # fmt: skip
    return refs


Step = Callable[[Services, str], object]


def _advance(trigger: str) -> Step:
    return lambda services, ref: act.advance(services, ref, trigger, actor=pop.COORDINATOR)


def _tick(item: str) -> Step:
    return lambda services, ref: act.tick(services, ref, item, actor=pop.COORDINATOR)


def _sign(name: str) -> Step:
    return lambda services, ref: act.sign_off(
        services, ref, name, actor=pop.SUPERVISOR, approve=True
    )


def _place(services: Services, ref: str) -> object:
    return act.place(
        services, ref, division=pop.DIVISION, supervisor=pop.SUPERVISOR, actor=pop.COORDINATOR
    )


def _officer_steps() -> list[tuple[date, Step]]:
    """Every officer's year after nomination, in order, on the day each happens."""
    return [
        (date(2023, 1, 9), _advance("accept")),
        (date(2023, 1, 25), _advance("start_induction")),
        *[(date(2023, 1, 26), _tick(item)) for item in pop.INDUCTION],
        (date(2023, 1, 27), _place),
        (date(2023, 2, 1), _advance("start_placement")),
        (date(2023, 7, 3), _sign("placement.midterm")),
        (date(2023, 9, 4), _advance("start_training")),
        (date(2023, 9, 15), _advance("end_training")),
        (date(2023, 11, 6), _sign("placement.final")),
        *[(date(2023, 11, 20), _tick(item)) for item in pop.TRAVEL],
        (date(2023, 12, 4), _advance("start_study_visit")),
        (date(2023, 12, 14), _tick("visit_report")),
        (date(2024, 1, 24), _advance("graduate")),
        (date(2024, 1, 31), _advance("join_alumni")),
    ]
