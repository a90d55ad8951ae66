"""Figure 5a: ``reminders preview`` of a full batch over its whole year.

The preview re-plans every officer of the batch from today's facts (no rows written).
No goal is set; the baseline is reading the same batch's stored pending reminders with
one plain query, so the ratio is what planning costs over reading what was planned.
"""

from __future__ import annotations

from sqlalchemy import select

from bench import population as pop
from bench.context import Bench
from bench.report import Result, duration, skipped
from bench.timing import interleave, timed
from lifecycle.clock import FakeClock
from lifecycle.persistence.tables import Batch, Officer, Reminder
from lifecycle.services import Services
from notifications import reminders_view

NAME = "5a. reminders preview, batch year"
BATCH = 2


def run(bench: Bench) -> list[Result]:
    return [_measure(bench, backend) for backend in bench.backends]


def _measure(bench: Bench, backend: str) -> Result:
    if problem := bench.unavailable(backend):
        return skipped(NAME, backend, problem)
    officers = bench.sizes.preview_officers
    services = pop.open_services(bench.staffed(backend), FakeClock(pop.START))
    try:
        _, (prototype,) = pop.add_batch(services, 1, 1)
        pop.walk(services, prototype, "placement")
        pop.copy_officer(services, prototype, officers, first_batch=BATCH, per_batch=officers)
        batch = f"JD{BATCH}"
        lines = len(reminders_view.preview(services, batch, None))
        bench.log(f"{NAME} on {backend}: {officers} officers, {lines} reminders")
        paired = interleave(
            bench.sizes.repeats,
            lambda _: timed(lambda: reminders_view.preview(services, batch, None)),
            lambda _: timed(lambda: _stored(services)),
        )
    finally:
        services.db.dispose()
    return Result(
        NAME,
        backend,
        f"preview: {duration(paired.candidate.median)}",
        f"reading the stored rows: {duration(paired.baseline.median)}",
        paired.ratio,
        "",
        None,
        f"batch of {officers} officers mid-placement, {lines} reminders to come; "
        f"median of {bench.sizes.repeats}",
    )


def _stored(services: Services) -> list[object]:
    with services.db.reading() as session:
        query = (
            select(Reminder, Officer.ref)
            .join(Officer)
            .join(Batch)
            .where(Batch.number == BATCH, Reminder.status == "pending")
            .order_by(Reminder.send_at, Reminder.id)
        )
        return list(session.execute(query).all())
