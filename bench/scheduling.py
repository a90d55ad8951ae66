"""Figure 4a: scheduling 50,000 reminders, ours against one APScheduler job each.

Ours: what a coordinator's change to a batch does (dating its study visit, say): every
officer of the batch re-planned and their reminder rows synced in one transaction
(``Services.officers_changed``: the officers' facts and rows read in a few set-based
queries, the new rows written in one INSERT). Officers mid-placement, with their study
visit dated, each need a few dozen reminders; a batch is BATCH officers. The baseline
is what one would otherwise build: a date job per reminder in APScheduler's
``SQLAlchemyJobStore`` on the same database engine. Its ``add_job`` commits each job on
its own (it has no bulk call), so it is given a sample: the reminders of one officer
per batch, added right beside that batch's re-planning (before it or after, in turn),
so both see the same machine; the figures are medians of the cost per reminder.
"""

from __future__ import annotations

import statistics
import uuid
from datetime import UTC, datetime

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from bench import population as pop
from bench.context import Bench
from bench.report import Result, duration, skipped
from bench.timing import stopwatch
from lifecycle.clock import FakeClock
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import Batch, Officer, Reminder
from lifecycle.services import Services

NAME = "4a. scheduling reminders"
GOAL = 20
BATCH = 20  # officers per batch: a full batch, as in figures 3 and 5a


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
            services, prototype, officers, first_batch=2, per_batch=BATCH, with_reminders=False
        )
        batches = [copies.ids[i : i + BATCH] for i in range(0, len(copies.ids), BATCH)]
        store = SQLAlchemyJobStore(engine=services.db.engine)
        scheduler = BackgroundScheduler(jobstores={"default": store}, timezone=UTC)
        scheduler.start(paused=True)  # stores jobs, never runs them
        stride = max(1, len(batches) * per_officer // sizes.apscheduler_jobs)
        bench.log(
            f"{NAME} on {backend}: {len(batches):,} batches of {BATCH} officers re-planned, "
            f"APScheduler given one officer's reminders {_every(stride)}"
        )
        ours: list[float] = []  # seconds per reminder, one sample per batch
        theirs: list[float] = []
        made = 0
        try:
            for n, ids in enumerate(batches):
                sampled = n % stride == 0
                if sampled and (n // stride) % 2:  # alternate which goes first; before
                    # this batch is planned, the previous batch's officer stands in
                    theirs.append(_add_jobs(scheduler, _jobs(services, batches[n - 1][0])))
                seconds = _replan(services, ids)
                rows = _rows(services, ids)
                made += rows
                ours.append(seconds / rows)
                if sampled and not (n // stride) % 2:
                    theirs.append(_add_jobs(scheduler, _jobs(services, ids[0])))
        finally:
            scheduler.shutdown(wait=False)
    finally:
        services.db.dispose()
    per_reminder, per_job = statistics.median(ours), statistics.median(theirs)
    ratio = per_job / per_reminder
    return Result(
        NAME,
        backend,
        f"{1 / per_reminder:,.0f} reminders/s; {sizes.scheduled:,} in "
        f"{duration(per_reminder * sizes.scheduled)}",
        f"APScheduler SQLAlchemyJobStore: {1 / per_job:,.0f} jobs/s; {sizes.scheduled:,} "
        f"in {duration(per_job * sizes.scheduled)}",
        ratio,
        f">= {GOAL}x faster",
        ratio >= GOAL,
        f"ours: {officers:,} officers re-planned a batch of {BATCH} per transaction, "
        f"{made:,} rows; APScheduler: the reminders of one officer {_every(stride)} as "
        f"date jobs, one commit each, {len(theirs)} samples taken next to ours; "
        "medians of the cost per reminder",
    )


def _every(stride: int) -> str:
    return "per batch" if stride == 1 else f"every {stride} batches"


def _replan(services: Services, officer_ids: list[int]) -> float:
    """What a change to a batch does (``setup.set_milestone``): its officers read and
    re-planned in one transaction. ``officer_ids`` are one batch's officers."""
    with services.db.reading() as session:
        batch_id = session.get_one(Officer, officer_ids[0]).batch_id
    with stopwatch() as watch, services.transaction() as session:
        officers = repo.officers(session, session.get_one(Batch, batch_id))
        assert sorted(officer_ids) == sorted(o.id for o in officers)
        services.officers_changed(session, officers)
    return watch.seconds


def _rows(services: Services, officer_ids: list[int]) -> int:
    with services.db.reading() as session:
        query = select(func.count()).select_from(Reminder)
        return session.scalar(query.where(Reminder.officer_id.in_(officer_ids))) or 0


def _jobs(services: Services, officer_id: int) -> list[tuple[str, datetime]]:
    with services.db.reading() as session:
        query = select(Reminder.key, Reminder.send_at).where(Reminder.officer_id == officer_id)
        return list(session.execute(query.order_by(Reminder.id)).tuples())


def _add_jobs(scheduler: BackgroundScheduler, jobs: list[tuple[str, datetime]]) -> float:
    """Seconds per job to add one date job per reminder (an id of its own each time)."""
    with stopwatch() as watch:
        for key, send_at in jobs:
            # Dated decades ahead: a paused scheduler still fires past-due jobs while
            # shutting down. The date does not change the cost.
            at = send_at.replace(year=send_at.year + 50)
            job_id = f"{key}#{uuid.uuid4().hex[:8]}"
            scheduler.add_job(deliver, "date", run_date=at, id=job_id, args=[key])
    return watch.seconds / len(jobs)
