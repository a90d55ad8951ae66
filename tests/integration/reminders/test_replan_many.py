"""Re-planning many officers at once (``ReminderPlanner.replan_many``) leaves exactly the
reminder rows that re-planning them one by one leaves."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from lifecycle.attention import Attention
from lifecycle.clock import FakeClock
from lifecycle.demo import load_demo
from lifecycle.errors import Conflict
from lifecycle.persistence import outbox, reminder_rows
from lifecycle.persistence.database import Database
from lifecycle.persistence.tables import AlumniSurvey, Batch, Officer, OfficerAttention, Reminder
from lifecycle.services import Services
from notifications.planner import ReminderPlanner
from notifications.wiring import with_reminders
from tests.conftest import BACKENDS, seeded_copy
from tests.support import nominate, seed_programme, to_placement

# Every column but the id (new rows are numbered in the order they are inserted).
COLUMNS = [c for c in Reminder.__table__.columns if c.name != "id"]
Change = Callable[[Session], None]


def planner_of(services: Services) -> ReminderPlanner:
    return next(p for p in services.listeners if isinstance(p, ReminderPlanner))


def replanned(services: Services, change: Change, *, together: bool) -> list[tuple[Any, ...]]:
    """Every reminder row after ``change`` and a re-plan of every officer, rolled back."""
    planner = planner_of(services)
    with services.db.reading() as session:
        change(session)
        session.flush()
        officers = list(session.scalars(select(Officer).order_by(Officer.id)))
        now = services.now()
        if together:
            planner.replan_many(session, officers, now)
        else:
            for officer in officers:
                planner.officer_changed(session, officer, now)
        rows = [tuple(row) for row in session.execute(select(*COLUMNS).order_by(Reminder.key))]
        waits = session.execute(select(OfficerAttention).order_by(OfficerAttention.officer_id))
        return rows + [_attention(a) for a in waits.scalars()]


def _attention(row: OfficerAttention) -> tuple[Any, ...]:
    return (row.officer_id, row.attention_from, row.first_deadline, row.returned, row.waits_on)


def test_what_each_officer_waits_on_is_what_a_fresh_plan_says(demo: Services) -> None:
    """After a year of service calls (the demo), the stored officer_attention of every
    officer is what re-planning it now computes: no change path left it stale."""
    planner = planner_of(demo)
    with demo.db.reading() as session:
        officers = list(session.scalars(select(Officer).order_by(Officer.id)))
        stored = {a.officer_id: _attention(a) for a in session.scalars(select(OfficerAttention))}
        fresh: dict[int, Attention] = {}
        planner.wanted_many(session, officers, fresh)
    assert {oid for oid, waits in fresh.items() if not waits.empty} == set(stored)
    for officer_id, (_, attention_from, first, returned, waits_on) in stored.items():
        waits = fresh[officer_id]
        assert Attention.from_json(waits_on) == waits
        assert (attention_from, first, returned) == (
            waits.attention_from, waits.first_deadline, bool(waits.returned)
        )
    assert any(returned for *_, returned, _ in stored.values())  # the demo returns one


# The demo programme (both batches walked through 2023, officers in every stage) as
# loaded on this day: loaded once per backend (seconds), each test on a copy of it.
DEMO_AT = datetime(2023, 1, 2, 2, 0, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def demo_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from seeded_copy(request, tmp_path, load_demo, DEMO_AT)


@pytest.fixture
def demo(demo_url: str, clock: FakeClock) -> Iterator[Services]:
    clock.set(DEMO_AT)
    database = Database(demo_url)
    yield with_reminders(Services(database, clock))
    database.dispose()


def test_the_demo_replanned_together_or_one_by_one_is_the_same(
    demo: Services, clock: FakeClock
) -> None:
    """At several moments of the programme year, with the study visit moved (reminders
    added, moved and cancelled), both ways leave the same rows, and rows do change."""
    before = replanned(demo, lambda _: None, together=False)

    def move_visit(session: Session) -> None:
        for batch in session.scalars(select(Batch)):
            batch.milestones = {**batch.milestones, "study_visit": "2023-11-20"}

    for day in (date(2023, 3, 1), date(2023, 8, 15), date(2023, 11, 10), date(2024, 9, 1)):
        clock.set(datetime.combine(day, datetime.min.time(), UTC))
        for change in (lambda _: None, move_visit):
            assert replanned(demo, change, together=False) == replanned(demo, change, together=True)
    assert before != replanned(demo, move_visit, together=False)


@st.composite
def changes(draw: st.DrawFn) -> tuple[datetime, list[Change]]:
    """A moment, and changes behind the planner's back: a batch's dates moved, rows
    sent, failed or cancelled by hand, survey rounds answered by every alumnus."""
    now = draw(
        st.datetimes(min_value=datetime(2022, 12, 1), max_value=datetime(2026, 6, 30))
    ).replace(tzinfo=UTC)
    picked: list[Change] = []
    shift = draw(st.integers(min_value=-60, max_value=40))
    if shift:

        def move(session: Session) -> None:
            for batch in session.scalars(select(Batch)):
                visit = date(2023, 12, 4) + timedelta(days=shift)
                batch.milestones = {**batch.milestones, "study_visit": visit.isoformat()}

        picked.append(move)
    for status in draw(st.lists(st.sampled_from(outbox.STATUSES), max_size=3)):
        nth = draw(st.integers(min_value=0, max_value=400))

        def mark(session: Session, status: str = status, nth: int = nth) -> None:
            ids = list(session.scalars(select(Reminder.id).order_by(Reminder.id)))
            if ids:
                session.execute(
                    update(Reminder)
                    .where(Reminder.id == ids[nth % len(ids)])
                    .values(status=status, attempts=1)
                )

        picked.append(mark)
    answered = draw(st.sets(st.sampled_from((6, 12, 24)), max_size=2))
    if answered:

        def answer(session: Session) -> None:  # graduation opened every round
            session.execute(
                update(AlumniSurvey)
                .where(AlumniSurvey.round_months.in_(answered))
                .values(answered_at=now)
            )

        picked.append(answer)
    return now, picked


@settings(
    max_examples=12,
    deadline=None,
    # Each example works in a session that is rolled back: the demo stays as loaded.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=changes())
def test_any_change_replanned_together_or_one_by_one_is_the_same(
    demo: Services, clock: FakeClock, case: tuple[datetime, list[Change]]
) -> None:
    """Whatever changed and whenever, both ways leave the same rows."""
    now, picked = case
    clock.set(now)

    def change(session: Session) -> None:
        for each in picked:
            each(session)

    assert replanned(demo, change, together=False) == replanned(demo, change, together=True)


def test_a_batch_planned_from_scratch_gets_every_row_once(services: Services) -> None:
    """Officers whose rows are all gone get their pending ones back in one bulk write
    (past reminder_rows.COPY_FROM rows: COPY on PostgreSQL, values converted once each on
    SQLite), stored exactly as one-by-one planning stored them."""
    seed_programme(services)
    refs = nominate(services, 6)
    for ref in refs:
        to_placement(services, ref)
    columns = [c for c in COLUMNS if c.name not in ("created_at", "updated_at")]
    pending = select(*columns).where(Reminder.status == outbox.PENDING).order_by(Reminder.key)
    # As stored, too: SQLite keeps the instants as integer microseconds (UTCInstant,
    # migration 0016), which the sweeps compare as they are.
    stored = text(
        "SELECT key, CAST(due_at AS TEXT), CAST(send_at AS TEXT), CAST(expires_at AS TEXT),"
        " CAST(next_attempt_at AS TEXT) FROM reminders WHERE status = 'pending' ORDER BY key"
    )
    with services.db.reading() as session:
        planned = session.execute(pending).all()
        planned_text = session.execute(stored).all()
    assert len(planned) >= reminder_rows.COPY_FROM
    with services.transaction() as session:
        session.execute(delete(Reminder))
        officers = list(session.scalars(select(Officer).order_by(Officer.id)))
        services.officers_changed(session, officers)
    with services.db.reading() as session:
        assert planned == session.execute(select(*columns).order_by(Reminder.key)).all()
        assert planned_text == session.execute(stored).all()


def test_a_key_taken_meanwhile_is_a_conflict(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bulk write meeting a key another transaction took first (a concurrent re-plan of
    the same officer, after this one's locked read) is refused as a Conflict, nothing
    written, as a plain INSERT's would be."""
    seed_programme(services)
    refs = nominate(services, 6)  # past reminder_rows.COPY_FROM rows
    for ref in refs:
        to_placement(services, ref)
    with services.transaction() as session:
        session.execute(delete(Reminder))  # all of them to be written again, in bulk
    insert_rows = reminder_rows.insert_rows
    taken: list[str] = []

    def meanwhile(connection: Any, rows: list[reminder_rows.NewRow]) -> None:
        # The rival's row, as its re-plan wrote it: the same officer, the same key.
        first = dict(zip(reminder_rows.NEW_COLUMNS, rows[0], strict=True))
        connection.execute(insert(Reminder).values(first))
        taken.append(first["key"])
        insert_rows(connection, rows)

    monkeypatch.setattr(reminder_rows, "insert_rows", meanwhile)
    with pytest.raises(Conflict), services.transaction() as session:
        officers = list(session.scalars(select(Officer).order_by(Officer.id)))
        services.officers_changed(session, officers)
    assert len(taken) == 1
    with services.db.reading() as session:
        assert [] == list(session.scalars(select(Reminder.key)))
