"""Figure 4a: scheduling 50,000 reminders, ours against one APScheduler job each.

Ours: the planner re-plans an officer and syncs its reminder rows in one transaction,
as after any change (``Services.officer_changed``); officers mid-placement, with their
study visit dated, each need a few dozen. The baseline is what one would otherwise
build: a date job per reminder in APScheduler's ``SQLAlchemyJobStore`` on the same
database engine. It commits each job on its own, so it is timed on a sample of jobs
and scaled up to 50,000 (its cost per job does not grow with the count).
"""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import delete, func, select

from bench import population as pop
from bench.context import Bench
from bench.report import Result, duration, rate, skipped
from bench.timing import interleave, stopwatch
from lifecycle.clock import FakeClock
from lifecycle.persistence.tables import Officer, Reminder

NAME = "4a. scheduling reminders"
GOAL = 20


def deliver(key: str) -> None:
    """What each APScheduler job would call (never called: the scheduler is paused)."""


def run(bench: Bench) -> list[Result]:
    return [_measure(bench, backend) for backend in bench.backends]


def _measure(bench: Bench, backend: str) -> Result:
    if problem := bench.unavailable(backend):
        return skipped(NAME, backend, problem)
    sizes = bench.sizes
    services = pop.open_services(bench.staffed(backend), FakeClock(pop.START))
    try:
        _, (prototype,) = pop.add_batch(services, 1, 1)
        pop.walk(services, prototype, "placement")
        with services.db.reading() as session:
            per_officer = session.scalar(
                select(func.count()).select_from(Reminder).join(Officer).where(
                    Officer.ref == prototype, Reminder.status == "pending"
                )
            ) or 1  # fmt: skip
        officers = -(-sizes.scheduled // per_officer)
        copies = pop.copy_officer(
            services, prototype, officers, first_batch=2, with_reminders=False
        )
        rows: list[int] = []
        jobs: list[tuple[str, datetime]] = []

        def ours(_round: int) -> float:
            with services.db.engine.begin() as conn:
                conn.execute(delete(Reminder).where(Reminder.officer_id.in_(copies.ids)))
            with stopwatch() as watch:
                for officer_id in copies.ids:
                    with services.transaction() as session:
                        officer = session.get(Officer, officer_id)
                        assert officer is not None
                        services.officer_changed(session, officer)
            with services.db.reading() as session:
                query = select(Reminder.key, Reminder.send_at).where(
                    Reminder.officer_id.in_(copies.ids)
                )
                planned = session.execute(query.order_by(Reminder.id)).tuples().all()
            rows.append(len(planned))
            jobs[:] = planned[: sizes.apscheduler_jobs]
            return watch.seconds

        def apscheduler(round_number: int) -> float:
            store = SQLAlchemyJobStore(
                engine=services.db.engine, tablename=f"apscheduler_jobs_{round_number}"
            )
            scheduler = BackgroundScheduler(jobstores={"default": store}, timezone=UTC)
            scheduler.start(paused=True)  # stores jobs, never runs them
            try:
                with stopwatch() as watch:
                    for key, send_at in jobs:
                        # Dated decades ahead: a paused scheduler still fires past-due
                        # jobs while shutting down. The date does not change the cost.
                        at = send_at.replace(year=send_at.year + 50)
                        scheduler.add_job(deliver, "date", run_date=at, id=key, args=[key])
            finally:
                scheduler.shutdown(wait=False)
            return watch.seconds / len(jobs) * rows[-1]  # scaled to as many as ours made

        bench.log(
            f"{NAME} on {backend}: {sizes.scheduling_repeats} rounds, {officers} officers "
            f"re-planned, {sizes.apscheduler_jobs:,} APScheduler jobs"
        )
        # Round 0 plans first (ABBA), so the baseline knows which jobs to add.
        paired = interleave(sizes.scheduling_repeats, ours, apscheduler)
    finally:
        services.db.dispose()
    made = rows[-1]
    ratio = paired.baseline.median / paired.candidate.median
    scale = sizes.scheduled / made
    return Result(
        NAME,
        backend,
        f"{rate(made, paired.candidate.median, 'reminders')}; "
        f"{sizes.scheduled:,} in {duration(paired.candidate.median * scale)}",
        f"APScheduler SQLAlchemyJobStore: {rate(made, paired.baseline.median, 'jobs')}; "
        f"{sizes.scheduled:,} in {duration(paired.baseline.median * scale)}",
        ratio,
        f">= {GOAL}x faster",
        ratio >= GOAL,
        f"ours: {officers:,} officers re-planned, {made:,} rows, one transaction per "
        f"officer; APScheduler: {len(jobs):,} jobs added per round (one commit each), "
        f"time scaled to {made:,}; median of {sizes.scheduling_repeats} rounds",
    )
