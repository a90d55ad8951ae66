"""Figure 4b: dispatching 1,000 due reminders out of 1,000,000 pending, against the same
1,000 out of 10,000.

The sweep asks for due rows through an index on (status, next attempt), so the backlog
of reminders due later should cost nothing. The path is the real one
(``notifications.dispatch.Dispatcher``: expire, claim, render, finish) with a channel
that builds each message and drops it, since delivery is not what is measured. The due
rows belong to officers mid-placement (copied with their real reminder rows); between
rounds they are made due again, untimed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select, update

from bench import population as pop
from bench.context import Bench
from bench.report import Result, duration, skipped
from bench.timing import interleave, stopwatch
from lifecycle.clock import FakeClock
from lifecycle.persistence.tables import Reminder
from lifecycle.services import Services
from notifications.dispatch import Dispatcher, DispatchSettings
from notifications.message import Mailbox, OutgoingMessage
from notifications.rendering import TemplateRenderer

NAME = "4b. dispatch vs pending backlog"
IDLE_NAME = "4c. idle dispatch pass vs pending backlog"
IDLE_REPEATS = 7
GOAL = 1.5
SENDER = Mailbox("Attache", "attache@asean.example")


class NullChannel:
    """Builds the message as a channel would, then drops it."""

    def __init__(self) -> None:
        self.sent = 0

    def send(self, message: OutgoingMessage) -> None:
        message.to_bytes(pop.START)
        self.sent += 1


def run(bench: Bench) -> list[Result]:
    return [result for backend in bench.backends for result in _measure(bench, backend)]


def _measure(bench: Bench, backend: str) -> list[Result]:
    if problem := bench.unavailable(backend):
        return [skipped(NAME, backend, problem), skipped(IDLE_NAME, backend, problem)]
    sizes = bench.sizes
    due, small, large = sizes.dispatch_due, sizes.dispatch_small, sizes.dispatch_large
    bench.log(f"{NAME} on {backend}: loading {small:,} and {large:,} pending reminders")
    databases = [backlog(bench, backend, due, pending) for pending in (small, large)]
    try:
        runs = [_dispatch_round(services, due_ids) for services, due_ids in databases]
        bench.log(f"{NAME} on {backend}: {sizes.dispatch_repeats} rounds of {due:,} sends")
        paired = interleave(sizes.dispatch_repeats, runs[1], runs[0])
        # The scheduler runs a pass every minute, mostly with nothing due.
        idle = [_idle_pass(services) for services, _ in databases]
        idle_paired = interleave(IDLE_REPEATS, idle[1], idle[0])
    finally:
        for services, _ in databases:
            services.db.dispose()
    dispatching = Result(
        NAME,
        backend,
        f"{due:,} of {large:,}: {duration(paired.candidate.median)}",
        f"{due:,} of {small:,}: {duration(paired.baseline.median)}",
        paired.ratio,
        f"<= {GOAL}",
        paired.ratio <= GOAL,
        f"one Dispatcher.run_once() sending {due:,} due reminders (claimed in batches of "
        f"{DispatchSettings(SENDER).batch_size}); median of {sizes.dispatch_repeats} "
        "rounds on each database, alternating",
    )
    idling = Result(
        IDLE_NAME,
        backend,
        f"{large:,} pending: {duration(idle_paired.candidate.median)}",
        f"{small:,} pending: {duration(idle_paired.baseline.median)}",
        idle_paired.ratio,
        "",
        None,
        f"one Dispatcher.run_once() with nothing due (what the scheduler does every "
        f"minute); median of {IDLE_REPEATS} on each database, alternating",
    )
    return [dispatching, idling]


def _idle_pass(services: Services) -> Callable[[int], float]:
    dispatcher = Dispatcher(services, NullChannel(), TemplateRenderer(), DispatchSettings(SENDER))

    def one_pass(_round: int) -> float:
        with stopwatch() as watch:
            report = dispatcher.run_once()
        assert not report.sent, report.summary
        return watch.seconds

    return one_pass


def backlog(bench: Bench, backend: str, due: int, pending: int) -> tuple[Services, list[int]]:
    """A database with ``pending`` pending reminders of which ``due`` are due now."""
    services = pop.open_services(bench.staffed(backend), FakeClock(pop.START))
    _, (prototype,) = pop.add_batch(services, 1, 1)
    pop.walk(services, prototype, "placement")
    with services.db.reading() as session:
        per_officer = len(session.scalars(select(Reminder.id)).all())
    copies = pop.copy_officer(services, prototype, -(-due // per_officer), first_batch=2)
    with services.db.engine.begin() as conn:
        due_ids = list(
            conn.scalars(
                select(Reminder.id)
                .where(Reminder.officer_id.in_(copies.ids))
                .order_by(Reminder.id)
                .limit(due)
            )
        )
        existing = len(conn.scalars(select(Reminder.id)).all())
    pop.add_future_reminders(services, max(0, pending - existing), copies.ids)
    pop.analyse(services)
    return services, due_ids


def _dispatch_round(services: Services, due_ids: list[int]) -> Callable[[int], float]:
    dispatcher = Dispatcher(services, NullChannel(), TemplateRenderer(), DispatchSettings(SENDER))

    def one_round(_round: int) -> float:
        make_due(services, due_ids)
        with stopwatch() as watch:
            report = dispatcher.run_once()
        assert len(report.sent) == len(due_ids), report.summary
        return watch.seconds

    return one_round


def make_due(services: Services, ids: list[int]) -> None:
    now = services.now()
    with services.db.engine.begin() as conn:
        conn.execute(
            update(Reminder)
            .where(Reminder.id.in_(ids))
            .values(
                status="pending", attempts=0, claimed_by=None, claimed_until=None,
                sent_at=None, last_error=None, send_at=now - timedelta(hours=1),
                next_attempt_at=now - timedelta(hours=1), expires_at=now + timedelta(days=7),
            )
        )  # fmt: skip
