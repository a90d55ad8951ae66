"""The migrations build exactly the models' schema, and carry real data forward.

Both checks run on SQLite and PostgreSQL: an autogenerate comparison of the migrated
schema with the models must find nothing, and a database holding a programme's data at
the first revision must upgrade to head with every row intact and usable.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, insert, select, text, update
from sqlalchemy.engine import Connection, make_url

from lifecycle.clock import FakeClock
from lifecycle.persistence.database import Database
from lifecycle.persistence.tables import Base, Reminder
from lifecycle.services import Services, views
from lifecycle.services import officers as act
from notifications import reminders_view
from notifications.wiring import with_reminders
from tests.conftest import BACKENDS, POSTGRES_URL, START
from tests.support import COORDINATOR, SUPERVISOR, nominate, seed_programme, to_placement


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin = request.getfixturevalue("postgres_admin")
    name = f"attache_m_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield str(make_url(POSTGRES_URL).set(database=name))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_migrated_schema_is_exactly_the_models(empty_url: str) -> None:
    database = Database(empty_url)
    try:
        database.upgrade()
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        database.dispose()
    assert [] == differences


def test_data_written_at_the_first_revision_survives_the_upgrade_to_head(
    empty_url: str, services: Services
) -> None:
    # A programme in flight, written by today's services into a database at head...
    seed_programme(services)
    placed, nominated = nominate(services, 2)
    to_placement(services, placed)
    # ...copied, column by column, into a database at revision 0001 (what an early
    # deployment holds), then upgraded.
    old = Database(empty_url)
    try:
        old.upgrade("0001")
        copied = _copy_rows(services.db.url, empty_url)
        assert copied["officers"] == 2 and copied["audit_events"] > 0
        old.upgrade()
        upgraded = with_reminders(Services(old, FakeClock(START)))
        for ref in (placed, nominated):  # state, placement, ticks, history: all kept
            assert views.officer_detail(services, ref) == views.officer_detail(upgraded, ref)
        # The upgraded database is fully usable: a new action, reminders planned for it.
        outcome = act.advance(upgraded, nominated, "accept", actor=COORDINATOR)
        assert "accepted" == outcome.state
        detail = views.officer_detail(upgraded, placed)
        assert SUPERVISOR == detail["placement"]["supervisor"]  # type: ignore[index]
    finally:
        old.dispose()


def test_what_officers_wait_on_is_filled_in_by_the_upgrade_as_the_planner_writes_it(
    empty_url: str, services: Services
) -> None:
    """0014 fills officer_attention in from the reminders, sign-offs and ticks a
    database at 0013 holds: the rows today's planner writes, one returned sign-off too."""
    seed_programme(services)
    placed, returned, _nominated = nominate(services, 3)
    to_placement(services, placed)
    to_placement(services, returned)
    act.sign_off(services, returned, "placement.midterm", actor=SUPERVISOR, approve=False,
                 comment="Please redo the work plan")
    planned = _attention_rows(services.db.url)
    assert {True, False} == {row[3] for row in planned}  # one returned, one not
    old = Database(empty_url)
    try:
        old.upgrade("0013")
        _copy_rows(services.db.url, empty_url)
        old.upgrade()
        assert planned == _attention_rows(empty_url)
    finally:
        old.dispose()


def _attention_rows(url: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as reading:
            table = Base.metadata.tables["officer_attention"]
            return [tuple(r) for r in reading.execute(select(table).order_by(table.c.officer_id))]
    finally:
        engine.dispose()


def _copy_rows(source_url: str, target_url: str) -> dict[str, int]:
    """Copy every row of every table the older schema has, keeping its columns only."""
    source, target = create_engine(source_url), create_engine(target_url)
    counts: dict[str, int] = {}
    try:
        old_schema = MetaData()
        old_schema.reflect(target)
        with source.connect() as reading, target.begin() as writing:
            for table in Base.metadata.sorted_tables:
                if table.name not in old_schema.tables:
                    continue
                old_table = old_schema.tables[table.name]
                columns = [c for c in table.columns if c.name in old_table.columns]
                rows = reading.execute(select(*columns)).mappings().all()
                if rows:
                    writing.execute(insert(old_table), [dict(r) for r in rows])
                counts[table.name] = len(rows)
            if target.dialect.name == "postgresql":
                _reset_sequences(writing, old_schema)
    finally:
        source.dispose()
        target.dispose()
    return counts


def _reset_sequences(connection: Connection, schema: MetaData) -> None:
    # Rows were copied with their ids: move each sequence past them.
    for table in schema.tables.values():
        if "id" in table.columns and table.name != "alembic_version":
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )


def test_the_head_read_from_the_files_is_alembics() -> None:
    """Every command checks the schema against the newest migration, read from the files
    without loading Alembic: it must be the head Alembic itself computes."""
    from alembic.script import ScriptDirectory

    from lifecycle.persistence.database import _alembic_config, head_revision

    assert ScriptDirectory.from_config(_alembic_config()).get_current_head() == head_revision()


def test_the_current_revision_is_read_as_alembic_reads_it(empty_url: str) -> None:
    """None before `attache init`, the head after it: the same answer as Alembic's
    MigrationContext, on both backends."""
    from lifecycle.persistence.database import _current_revision, head_revision

    database = Database(empty_url)
    try:
        answers = []
        for step in ("empty", "upgraded"):
            if step == "upgraded":
                database.upgrade()
            with database.engine.connect() as connection:
                answers.append((
                    MigrationContext.configure(connection).get_current_revision(),
                    _current_revision(connection),
                ))
    finally:
        database.dispose()
    assert [(None, None), (head_revision(), head_revision())] == answers


def test_pending_retries_past_their_expiry_are_clamped_to_it_by_the_upgrade(
    empty_url: str, services: Services
) -> None:
    """0015 drops the expiry index: the expiry pass then finds pending rows through the
    sweep index, which holds only if no pending row's next attempt is after its expiry.
    Rows a database at 0014 holds that way (a retry the backoff put past the expiry) are
    clamped to it; every other row is left as it was."""
    seed_programme(services)
    to_placement(services, nominate(services, 1)[0])
    late = timedelta(days=3)
    engine = create_engine(services.db.url)
    try:
        with engine.begin() as writing:
            ids = list(writing.scalars(select(Reminder.id).order_by(Reminder.id)))
            assert len(ids) >= 4
            for row_id, status in zip(ids, ["pending", "pending", "failed"], strict=False):
                query = select(Reminder.expires_at).where(Reminder.id == row_id)
                expires_at = writing.scalar(query)
                writing.execute(
                    update(Reminder).where(Reminder.id == row_id)
                    .values(status=status, attempts=2, next_attempt_at=expires_at + late)
                )  # fmt: skip
    finally:
        engine.dispose()
    before = _reminder_rows(services.db.url)
    old = Database(empty_url)
    try:
        old.upgrade("0014")
        _copy_rows(services.db.url, empty_url)
        old.upgrade()
        after = _reminder_rows(empty_url)
    finally:
        old.dispose()
    clamped = {
        row_id: (status, expires_at) for row_id, status, expires_at, next_at in before
        if status == "pending" and next_at > expires_at
    }  # fmt: skip
    assert [ids[0], ids[1]] == sorted(clamped)
    assert [
        (i, s, e, e if i in clamped else n) for i, s, e, n in before
    ] == after  # fmt: skip
    assert all(n <= e for _, s, e, n in after if s == "pending")


def _reminder_rows(url: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as reading:
            query = select(
                Reminder.id, Reminder.status, Reminder.expires_at, Reminder.next_attempt_at
            ).order_by(Reminder.id)
            return [tuple(r) for r in reading.execute(query)]
    finally:
        engine.dispose()


_INSTANTS = (
    "due_at", "send_at", "expires_at", "next_attempt_at", "claimed_until", "sent_at",
    "created_at", "updated_at",
)  # fmt: skip


def test_reminder_instants_become_integers_on_sqlite_and_come_back_exactly(
    empty_url: str, services: Services
) -> None:
    """0016 stores the reminders' instants as integer microseconds on SQLite (text
    before; PostgreSQL keeps timestamptz): every instant is the same after the upgrade,
    to the microsecond, the product lists the same reminders, and the downgrade gives
    back exactly the stored values 0015 held."""
    seed_programme(services)
    to_placement(services, nominate(services, 1)[0])
    odd = [  # a fraction of every width, the epoch itself and before it
        datetime(2023, 3, 4, 5, 6, 7, 123456, tzinfo=UTC),
        datetime(2023, 3, 4, 5, 6, 7, 1, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ]
    engine = create_engine(services.db.url)
    try:
        with engine.begin() as writing:
            ids = list(writing.scalars(select(Reminder.id).order_by(Reminder.id)))
            for row_id, at in zip(ids, odd, strict=False):
                writing.execute(
                    update(Reminder).where(Reminder.id == row_id)
                    .values(status="sent", sent_at=at, claimed_until=at, updated_at=at)
                )  # fmt: skip
    finally:
        engine.dispose()
    instants = _reminder_instants(services.db.url)
    listed = reminders_view.listing(services, None, ())
    assert {at for row in instants for at in row[1:]} >= set(odd)
    old = Database(empty_url)
    try:
        old.upgrade("0015")
        _copy_rows(services.db.url, empty_url)
        stored = _stored_instants(empty_url)
        if old.dialect == "sqlite":  # as SQLAlchemy writes a SQLite DATETIME
            assert "2023-03-04 05:06:07.123456" in {v for row in stored for v in row[1:]}
        old.upgrade()
        assert instants == _reminder_instants(empty_url)
        upgraded = with_reminders(Services(old, FakeClock(START)))
        assert listed == reminders_view.listing(upgraded, None, ())
        if old.dialect == "sqlite":
            assert all(
                isinstance(v, int) or v is None for row in _stored_instants(empty_url)
                for v in row[1:]
            )  # fmt: skip
        _downgrade(old, "0015")
        assert stored == _stored_instants(empty_url)
    finally:
        old.dispose()


# SQLite only: PostgreSQL's timestamptz holds only instants, and 0016 changes nothing there.
@pytest.mark.parametrize("empty_url", ["sqlite"], indirect=True)
def test_an_unreadable_instant_stops_the_upgrade_with_nothing_changed(
    empty_url: str, services: Services
) -> None:
    """A value SQLite cannot read as a date (written by hand, say) is named, and the
    database is left at 0015 as it was: never a reminder whose instant became NULL."""
    seed_programme(services)
    to_placement(services, nominate(services, 1)[0])
    old = Database(empty_url)
    try:
        old.upgrade("0015")
        _copy_rows(services.db.url, empty_url)
        with old.engine.begin() as writing:
            row_id = writing.exec_driver_sql("SELECT max(id) FROM reminders").scalar()
            writing.exec_driver_sql("UPDATE reminders SET sent_at = 'soon' WHERE id = ?", (row_id,))
        stored = _stored_instants(empty_url)
        with pytest.raises(RuntimeError, match=f"reminders row {row_id}: sent_at 'soon'"):
            old.upgrade()
        assert stored == _stored_instants(empty_url)
        with old.engine.connect() as reading:
            assert "0015" == MigrationContext.configure(reading).get_current_revision()
    finally:
        old.dispose()


def _downgrade(database: Database, revision: str) -> None:
    """As ``Database.upgrade`` migrates, the other way: SQLite's foreign keys off while
    Alembic's batch mode rebuilds a table others point at (action_links -> reminders)."""
    from alembic import command

    from lifecycle.persistence.database import _alembic_config

    sqlite = database.dialect == "sqlite"
    with database.engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        with connection.begin():
            config = _alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
            if sqlite:
                assert [] == connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def _reminder_instants(url: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as reading:
            columns = [Reminder.__table__.c[name] for name in _INSTANTS]  # type: ignore[attr-defined]
            query = select(Reminder.id, *columns).order_by(Reminder.id)
            return [tuple(r) for r in reading.execute(query)]
    finally:
        engine.dispose()


def _stored_instants(url: str) -> list[tuple[Any, ...]]:
    """The reminders' instants as the database holds them, read past every type."""
    engine = create_engine(url)
    try:
        with engine.connect() as reading:
            sql = f"SELECT id, {', '.join(_INSTANTS)} FROM reminders ORDER BY id"
            return [tuple(r) for r in reading.exec_driver_sql(sql)]
    finally:
        engine.dispose()
