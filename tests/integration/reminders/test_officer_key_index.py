"""The reminders' keys and an officer's rows share one index (migration 0017).

``uq_reminders_officer_key (officer_id, key)`` replaced the unique index on ``key`` and
the index on ``officer_id``: every read of one officer's (or a few officers') rows must
still go by it, never walk the sweep index or the table; a key must still be taken once
per officer and once among the rows of no officer; and the keys an officer's rows are
given must begin with its ref and a slash, which keeps them apart from every other
officer's without an index over the key alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.exc import IntegrityError

from lifecycle.errors import Conflict
from lifecycle.persistence import outbox
from lifecycle.persistence.tables import Officer, Reminder
from lifecycle.services import Services, inbox, remind_now
from tests.support import COORDINATOR, nominate, seed_programme, to_placement

OFFICER_INDEX = "uq_reminders_officer_key"


@contextmanager
def reminder_reads(services: Services) -> Iterator[list[tuple[str, Any]]]:
    """Every statement sent inside the block that reads reminders by officer, with its
    parameters, to be explained afterwards."""
    sent: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        statement, parameters, executemany = str(args[2]), args[3], args[5]
        text = " ".join(statement.split())
        if not executemany and text.startswith("SELECT") and "reminders.officer_id" in text:
            sent.append((statement, parameters))

    event.listen(services.db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(services.db.engine, "before_cursor_execute", record)


def plan_of(services: Services, statement: str, parameters: Any) -> str:
    """The plan the database chooses for ``statement``. PostgreSQL, whose tables here are
    too small for an index to pay, is asked for its best plan without sequential scans:
    the index must be one it can take (its statistics choose between them in use)."""
    with services.db.engine.connect() as connection:
        if services.db.dialect == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return "\n".join(str(row[-1]) for row in rows)
        connection.exec_driver_sql("SET enable_seqscan = off")
        rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        return "\n".join(str(row[0]) for row in rows)


def placed(services: Services, n: int) -> list[str]:
    seed_programme(services)
    refs = nominate(services, n)
    for ref in refs:
        to_placement(services, ref)
    return refs


def test_every_read_of_an_officers_reminders_goes_by_the_officer_key_index(
    services: Services,
) -> None:
    """The re-plan's locked read (one officer and many), the deadlines, send-now and the
    listing of one officer's pending rows: each reads reminders through
    uq_reminders_officer_key, none walks the sweep index or the table (SQLite, without
    statistics, would take the sweep index for an officer's pending rows unhinted)."""
    refs = placed(services, 3)
    with services.db.reading() as session:
        officers = list(session.scalars(select(Officer).where(Officer.ref.in_(refs))))
        ids = [o.id for o in officers]
    with reminder_reads(services) as reads:
        with services.transaction() as session:
            services.officers_changed(session, list(session.scalars(select(Officer))))
            services.officer_changed(session, session.get_one(Officer, ids[0]))
        with services.db.reading() as session:
            inbox.deadline(session, ids[0], "monthly_report")
            inbox.deadlines(session, select(Officer.id).where(Officer.id.in_(ids)))
            outbox.listing(session, officer_id=ids[1], statuses=[outbox.PENDING])
        remind_now.send_now(services, refs[2], actor=COORDINATOR)
    assert len(reads) >= 6
    for statement, parameters in reads:
        plan = plan_of(services, statement, parameters)
        assert OFFICER_INDEX in plan, (statement, plan)
        assert "ix_reminders_sweep" not in plan, (statement, plan)


def test_a_key_is_taken_once_per_officer_and_once_among_rows_of_no_officer(
    services: Services,
) -> None:
    """A second row of the same officer with a key it has is refused, as is a second row
    of no officer with a taken key; add_if_absent finds the one it added."""
    (ref,) = placed(services, 1)
    now = services.now()
    with services.db.reading() as session:
        officer = session.scalars(select(Officer).where(Officer.ref == ref)).one()
        mine = session.scalars(
            select(Reminder).where(Reminder.officer_id == officer.id).limit(1)
        ).one()
        copied = {c: getattr(mine, c) for c in outbox.reminder_rows.NEW_COLUMNS}
    with pytest.raises(Conflict), services.transaction() as session:
        session.execute(insert(Reminder).values(copied))
    digest = outbox.WantedReminder(
        "digest/2023-01-02/coord@asean.example", "coordinator_digest", 1, "digest",
        "coordinator_digest", None, "coordinator", COORDINATOR, "Coordinator",
        "Asia/Jakarta", now, now, now + timedelta(hours=20),
    )  # fmt: skip
    with services.transaction() as session:
        assert outbox.add_if_absent(session, digest, now)
    with services.transaction() as session:
        assert not outbox.add_if_absent(session, digest, now)
    unowned = dict(copied, key=digest.key, officer_id=None)
    with pytest.raises(IntegrityError), services.db.engine.begin() as connection:
        connection.execute(insert(Reminder).values(unowned))
    with services.db.reading() as session:
        assert 1 == len(session.scalars(select(Reminder).where(Reminder.key == digest.key)).all())


def test_an_officers_keys_begin_with_its_ref_and_a_slash(services: Services) -> None:
    """What keeps two officers' keys apart (no index spans the key alone any more): every
    key of an officer's rows begins with that officer's ref and a slash, and no ref holds
    a slash, so one officer's keys are never a prefix-match for another's."""
    placed(services, 3)
    with services.db.reading() as session:
        rows = session.execute(
            select(Officer.ref, Reminder.key).join(Officer, Reminder.officer_id == Officer.id)
        ).all()
    assert rows
    assert all("/" not in ref and key.startswith(f"{ref}/") for ref, key in rows)
