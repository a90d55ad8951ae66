"""Setting up the data a figure needs: a few officers through the real services, many
more copied from them with SQLAlchemy Core.

Loading 100,000 officers one service call at a time would take the better part of an
hour; the figures are about what happens once they are there. So a *prototype* officer
is walked to a stage through the services (its audit events, ticks, sign-offs, placement
and reminder rows are what the engine really writes), then copied row for row: every
copy is consistent with the schema and with the planner by construction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, text

from lifecycle.clock import FakeClock
from lifecycle.persistence.database import Database
from lifecycle.persistence.tables import (
    AuditEvent,
    Batch,
    ChecklistTick,
    Officer,
    OfficerAttention,
    Placement,
    Reminder,
    Signoff,
    Track,
)
from lifecycle.services import Services, setup
from lifecycle.services import officers as act
from notifications.wiring import with_reminders

COORDINATOR = "coordinator@bench.example"
SUPERVISOR = "supervisor@bench.example"
DIVISION = "Political Cooperation Division"
TRACK = "junior-diplomats"
INDUCTION = ("asean_introduction", "rules_briefing", "jakarta_visits")
TRAVEL = ("passport", "visa", "itinerary")
BATCH_START, BATCH_END = date(2023, 2, 1), date(2024, 1, 31)
STUDY_VISIT = date(2023, 12, 4)
# 09:00 Jakarta on Monday 2 January 2023, a month before the batches start.
START = datetime(2023, 1, 2, 2, 0, tzinfo=UTC)
# The stages a prototype can be walked to, in order.
STAGES = ("nominated", "accepted", "induction", "placement", "study_visit", "graduated")

OFFICER, BATCH = cast(Table, Officer.__table__), cast(Table, Batch.__table__)
CHILDREN = tuple(
    cast(Table, model.__table__)
    for model in (AuditEvent, ChecklistTick, Signoff, Placement, Reminder, OfficerAttention)
)


def open_services(url: str, clock: FakeClock, *, reminders: bool = True) -> Services:
    services = Services(Database(url), clock)
    return with_reminders(services) if reminders else services


def seed_staff(services: Services) -> None:
    """The people every figure needs: a coordinator, a supervisor, a division."""
    setup.add_user(services, name="Siti Rahmawati", email=COORDINATOR, role="coordinator")
    setup.add_user(services, name="Maria Santos", email=SUPERVISOR, role="supervisor")
    setup.add_division(services, name=DIVISION, department="APSC")


def add_batch(services: Services, number: int, officers: int) -> tuple[str, list[str]]:
    """A batch (study visit dated) with ``officers`` nominated through the services."""
    ref = setup.create_batch(
        services, track=TRACK, number=number, start=BATCH_START, end=BATCH_END,
        milestones={"study_visit": STUDY_VISIT},
    )  # fmt: skip
    refs = [
        setup.nominate(
            services, batch=ref, name=f"Officer {number}-{i} ឈី រដ្ឋា", country="KH",
            ministry="Ministry of Foreign Affairs", email=f"o{i}.b{number}@mfa.example",
            actor=COORDINATOR,
        ).ref
        for i in range(officers)
    ]  # fmt: skip
    return ref, refs


def walk(services: Services, ref: str, stage: str) -> None:
    """Take a nominated officer through every step up to ``stage``, as a coordinator,
    supervisor and officer would."""
    steps = _steps(services, ref)
    for step_stage, step in steps:
        if STAGES.index(step_stage) > STAGES.index(stage):
            return
        step()


def _steps(services: Services, ref: str) -> Iterator[tuple[str, Any]]:
    def advance(trigger: str) -> Any:
        return lambda: act.advance(services, ref, trigger, actor=COORDINATOR)

    def tick(item: str) -> Any:
        return lambda: act.tick(services, ref, item, actor=COORDINATOR)

    def sign(name: str) -> Any:
        return lambda: act.sign_off(services, ref, name, actor=SUPERVISOR, approve=True)

    place = lambda: act.place(  # noqa: E731
        services, ref, division=DIVISION, supervisor=SUPERVISOR, actor=COORDINATOR
    )
    yield "accepted", advance("accept")
    yield "induction", advance("start_induction")
    for item in INDUCTION:
        yield "placement", tick(item)
    yield "placement", place
    yield "placement", advance("start_placement")
    yield "study_visit", sign("placement.midterm")
    yield "study_visit", sign("placement.final")
    for item in TRAVEL:
        yield "study_visit", tick(item)
    yield "study_visit", advance("start_study_visit")
    yield "graduated", tick("visit_report")
    yield "graduated", advance("graduate")


@dataclass(frozen=True)
class Copies:
    refs: list[str]
    ids: list[int]


def copy_officer(
    services: Services,
    prototype: str,
    count: int,
    *,
    first_batch: int,
    per_batch: int = 100,
    with_reminders: bool = True,
) -> Copies:
    """``count`` copies of the prototype officer and all its rows, ``per_batch`` to a
    batch numbered from ``first_batch`` (batches copied from the prototype's).

    The copying is ``INSERT ... SELECT`` inside the database, so a million rows take
    seconds, not the many minutes of sending them one by one from Python.
    """
    children = [t for t in CHILDREN if with_reminders or t.name != "reminders"]
    last_batch = first_batch + (count - 1) // per_batch
    with services.db.engine.begin() as conn:
        found = conn.execute(select(OFFICER).where(OFFICER.c.ref == prototype))
        proto = dict(found.mappings().one())
        track_id = conn.scalar(select(BATCH.c.track_id).where(BATCH.c.id == proto["batch_id"]))
        prefix = conn.scalar(select(Track.ref_prefix).where(Track.id == track_id))
        _copy_batches(conn, proto["batch_id"], first_batch, last_batch - first_batch + 1)
        conn.execute(
            text(_COPY_OFFICERS),
            {"count": count, "first": first_batch, "per": per_batch, "prefix": prefix,
             "track": track_id, "proto": proto["id"]},
        )  # fmt: skip
        new_batches = select(BATCH.c.id).where(
            BATCH.c.track_id == track_id, BATCH.c.number.between(first_batch, last_batch)
        )
        for table in children:
            conn.execute(
                text(_copy_children(table)),
                {"proto": proto["id"], "ref": proto["ref"], "email": proto["email"],
                 "track": track_id, "first": first_batch, "last": last_batch},
            )  # fmt: skip
        copied = conn.execute(
            select(OFFICER.c.id, OFFICER.c.ref)
            .where(OFFICER.c.batch_id.in_(new_batches))
            .order_by(OFFICER.c.id)
        ).all()
    return Copies([ref for _, ref in copied], [id_ for id_, _ in copied])


_COPY_OFFICERS = """
INSERT INTO officers (ref, batch_id, seq, definition_id, name, country, ministry, position,
                      email, timezone, state, state_since, nominated_at, updated_at, version)
WITH RECURSIVE n(i) AS (
    SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < CAST(:count AS INTEGER)
), numbered AS (
    SELECT i, CAST(:first AS INTEGER) + i / CAST(:per AS INTEGER) AS number,
           i % CAST(:per AS INTEGER) + 1 AS seq
    FROM n
), named AS (
    SELECT numbered.*,
           CAST(:prefix AS VARCHAR(8)) || CAST(number AS VARCHAR(12)) || '-'
           || CASE WHEN seq < 10 THEN '0' ELSE '' END || CAST(seq AS VARCHAR(12)) AS ref
    FROM numbered
)
SELECT named.ref, b.id, named.seq, p.definition_id, 'Bench Officer ' || named.ref, p.country,
       p.ministry, p.position, lower(named.ref) || '@bench.example', p.timezone, p.state,
       p.state_since, p.nominated_at, p.updated_at, p.version
FROM named
JOIN batches b ON b.track_id = CAST(:track AS INTEGER) AND b.number = named.number
JOIN officers p ON p.id = CAST(:proto AS INTEGER)
ORDER BY named.i
"""


def _copy_children(table: Table) -> str:
    columns = [c.name for c in table.columns if c.name not in ("id", "officer_id")]
    values = {name: f"r.{name}" for name in columns}
    if table.name == "reminders":  # key "<ref>/<rule>/<occurrence>/<email>"; recipient
        own = "r.recipient_email = CAST(:email AS VARCHAR(320))"
        ref_len = "length(CAST(:ref AS VARCHAR(16)))"
        email_len = "length(CAST(:email AS VARCHAR(320)))"
        values["key"] = (
            f"CASE WHEN {own} THEN o.ref || substr(r.key, {ref_len} + 1, "
            f"length(r.key) - {ref_len} - {email_len}) || o.email "
            f"ELSE o.ref || substr(r.key, {ref_len} + 1) END"
        )
        values["recipient_email"] = f"CASE WHEN {own} THEN o.email ELSE r.recipient_email END"
        values["recipient_name"] = f"CASE WHEN {own} THEN o.name ELSE r.recipient_name END"
    return (
        f"INSERT INTO {table.name} (officer_id, {', '.join(columns)}) "
        f"SELECT o.id, {', '.join(values[c] for c in columns)} "
        f"FROM {table.name} r JOIN officers o ON o.batch_id IN ("
        "SELECT id FROM batches WHERE track_id = CAST(:track AS INTEGER) "
        "AND number BETWEEN CAST(:first AS INTEGER) AND CAST(:last AS INTEGER)) "
        "WHERE r.officer_id = CAST(:proto AS INTEGER) "
        + ("ORDER BY o.id, r.id" if "id" in table.columns else "ORDER BY o.id")
    )


def _copy_batches(conn: Connection, batch_id: int, first: int, count: int) -> None:
    found = conn.execute(select(BATCH).where(BATCH.c.id == batch_id))
    batch = _without_id(dict(found.mappings().one()))
    conn.execute(insert(BATCH), [batch | {"number": first + i} for i in range(count)])


def _without_id(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "id"}


def add_future_reminders(services: Services, count: int, officer_ids: Sequence[int]) -> None:
    """``count`` pending reminders that fall due only in ten years: the backlog a sweep
    must not walk through. Spread over ``officer_ids`` (consecutive ids) like any
    officer's rows."""
    first, spread = officer_ids[0], len(officer_ids)
    assert list(officer_ids) == list(range(first, first + spread)), "ids must be consecutive"
    far = START + timedelta(days=3650)
    instant = Reminder.__table__.c.send_at.type
    statement = text(_FUTURE_REMINDERS).bindparams(
        # Bound as the columns store them (integers on SQLite: UTCInstant).
        bindparam("far", type_=instant), bindparam("expires", type_=instant),
        bindparam("created", type_=instant),
    )  # fmt: skip
    with services.db.engine.begin() as conn:
        conn.execute(
            statement,
            {"count": count, "first": first, "spread": spread, "far": far,
             "expires": far + timedelta(days=14), "created": START},
        )  # fmt: skip


_FUTURE_REMINDERS = """
INSERT INTO reminders (key, officer_id, rule, occurrence, kind, template, about,
                       recipient_role, recipient_email, recipient_name, recipient_timezone,
                       due_at, send_at, expires_at, status, next_attempt_at, attempts,
                       created_at, updated_at)
WITH RECURSIVE n(i) AS (
    SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < CAST(:count AS INTEGER)
)
SELECT 'backlog/' || CAST(i AS VARCHAR(12)),
       CAST(:first AS INTEGER) + i % CAST(:spread AS INTEGER), 'activity_report', i + 1,
       'reminder', 'activity_report_due', NULL, 'officer', 'backlog@bench.example', 'Backlog',
       'Asia/Jakarta', :far, :far, :expires, 'pending', :far, 0, :created, :created
FROM n
"""


def analyse(services: Services) -> None:
    """After a bulk load, refresh PostgreSQL's planner statistics, as autovacuum would
    within a minute or so on a live server. SQLite is left as an installation has it."""
    if services.db.dialect == "postgresql":
        with services.db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
