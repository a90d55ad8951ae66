"""How many SQL statements each use case sends, reminders re-planned included.

Counts are deterministic, unlike timings: a change that reads the same facts twice, or
one row at a time, shows up here as a failing number rather than as a slower benchmark
(bench figures 1 and 4a). Raise a number only with a reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from sqlalchemy import event, select

from lifecycle.persistence.tables import Officer, Reminder
from lifecycle.services import Services
from lifecycle.services import officers as act
from notifications import reminders_view
from tests.support import (
    COORDINATOR,
    DIVISION,
    INDUCTION,
    SUPERVISOR,
    nominate,
    seed_programme,
    to_placement,
)


@contextmanager
def counting(services: Services) -> Iterator[list[str]]:
    """Every statement sent to the database inside the block (BEGIN/COMMIT aside)."""
    sent: list[str] = []

    def record(*args: object) -> None:
        sent.append(str(args[2]))

    with listening(services, record):
        yield sent


@contextmanager
def executing(services: Services) -> Iterator[list[tuple[str, int]]]:
    """Each statement's verb and how many times the server runs it (an executemany's
    parameter sets: pipelined on PostgreSQL, but still one execution each)."""
    runs: list[tuple[str, int]] = []

    def record(*args: Any) -> None:
        runs.append((str(args[2]).split()[0], len(args[3]) if args[5] else 1))

    with listening(services, record):
        yield runs


@contextmanager
def listening(services: Services, record: Callable[..., None]) -> Iterator[None]:
    """``record`` called with every statement sent inside the block."""
    event.listen(services.db.engine, "before_cursor_execute", record)
    try:
        yield
    finally:
        event.remove(services.db.engine, "before_cursor_execute", record)


def statements(services: Services, action: Callable[[], object]) -> int:
    with counting(services) as sent:
        action()
    return len(sent)


def test_an_advance_reads_each_fact_once(services: Services) -> None:
    """accept and start_induction: the actor, the officer, its facts (one query for
    transitions, ticks, sign-offs and placement, shared by the guards and the planner),
    the audit INSERT and the officer UPDATE, the reminder rows (locked) and one write."""
    seed_programme(services)
    (ref,) = nominate(services)
    counts = [
        statements(services, partial(act.advance, services, ref, trigger, actor=COORDINATOR))
        for trigger in ("accept", "start_induction")
    ]
    # accept inserts the welcome reminder; start_induction cancels it.
    assert [7, 7] == counts


def test_every_step_to_placement_stays_within_its_count(services: Services) -> None:
    """Ticks, the placement and start_placement: each re-plans from one read of the facts;
    the coordinators are read only when a rule writes to them."""
    seed_programme(services)
    (ref,) = nominate(services)
    act.advance(services, ref, "accept", actor=COORDINATOR)
    act.advance(services, ref, "start_induction", actor=COORDINATOR)
    counts = {
        item: statements(services, partial(act.tick, services, ref, item, actor=COORDINATOR))
        for item in INDUCTION
    }
    counts["place"] = statements(
        services,
        lambda: act.place(
            services, ref, division=DIVISION, supervisor=SUPERVISOR, actor=COORDINATOR
        ),
    )
    counts["start_placement"] = statements(
        services, lambda: act.advance(services, ref, "start_placement", actor=COORDINATOR)
    )
    # tick: actor, officer, ticks (already ticked?), INSERT tick, UPDATE officer, facts,
    # reminder rows. place: actor, officer, division, supervisor, open placement, INSERT
    # placement, UPDATE officer, facts, reminder rows. start_placement: the advance's 6
    # plus the coordinators (the sign-off escalations), one INSERT of every reminder and
    # one of what the officer now waits on (its sign-offs' deadlines: officer_attention).
    expected = dict.fromkeys(INDUCTION, 7) | {"place": 9, "start_placement": 9}
    assert expected == counts


def test_replanning_a_batch_reads_in_sets(services: Services) -> None:
    """Re-planning many officers at once costs a handful of statements, not a handful per
    officer: their facts, their reminder rows, and one UPDATE of every moved row."""
    seed_programme(services)
    refs = nominate(services, 5)
    for ref in refs:
        act.advance(services, ref, "accept", actor=COORDINATOR)
    with services.transaction() as session:
        officers = list(session.scalars(select(Officer).where(Officer.ref.in_(refs))))
        officers[0].batch.start_date = date(2023, 2, 8)  # every welcome moves a week
        with executing(services) as runs:
            services.officers_changed(session, officers)
    # The batch, the five officers' version bumps (one UPDATE, every row's version
    # checked: not one per officer), the facts and the reminder rows of all five, and
    # one executemany moving each officer's welcome.
    expected = [("UPDATE", 1), ("UPDATE", 1), ("SELECT", 1), ("SELECT", 1), ("UPDATE", 5)]
    assert expected == runs
    with services.db.reading() as session:
        moved = session.scalars(
            select(Reminder.send_at).where(Reminder.rule == "induction_welcome")
        )
        assert {datetime(2023, 2, 1, 2, 0, tzinfo=UTC)} == set(moved)


def test_previewing_a_batch_costs_the_same_few_statements_whatever_its_size(
    services: Services,
) -> None:
    """`reminders preview` reads the batch, its officers, the reminders already done with,
    and all the officers' facts at once: a batch of two officers or of six, one count."""
    seed_programme(services)
    counts = []
    for added, country in ((2, "LA"), (4, "VN")):  # LA and VN have no quota
        for ref in nominate(services, added, country=country):
            to_placement(services, ref)
        with counting(services) as sent:
            rows = reminders_view.preview(services, "JD17", None)
        assert 2 + 4 * len(counts) == len({row["officer"] for row in rows})
        counts.append(len(sent))
    assert counts[0] == counts[1]
