"""The PostgreSQL copies the tests run on are put back exactly as their template was.

Every PostgreSQL test relies on this: a copy a previous test changed (rows, the audit
trail, sequences, the schema) must come back equal to the template, or tests would pass
or fail by the order they ran in.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from lifecycle.clock import FakeClock
from lifecycle.persistence.database import Database
from lifecycle.services import Services
from notifications.wiring import with_reminders
from tests.conftest import START, postgres_url
from tests.database_copies import DatabaseCopies
from tests.support import dump, nominate, seed_programme

pytestmark = pytest.mark.postgres


def everything(name: str) -> dict[str, object]:
    """Every row (the tests' own dump), and the next value of each sequence."""
    database = Database(postgres_url(name))
    try:
        rows: dict[str, object] = dict(dump(Services(database, FakeClock(START))))
    finally:
        database.dispose()
    with psycopg.connect(postgres_url(name)) as conn:
        # nextval is not rolled back: read on a copy that is thrown away or reset after.
        sequences = conn.execute(
            "SELECT sequencename, nextval(format('%I.%I', schemaname, sequencename))"
            " FROM pg_sequences ORDER BY sequencename"
        )
        rows["sequences"] = sequences.fetchall()
    return rows


def use(name: str) -> psycopg.Connection:
    """Change the copy as tests do, and leave a connection holding locks in it."""
    database = Database(postgres_url(name))
    services = with_reminders(Services(database, FakeClock(START)))
    seed_programme(services)
    nominate(services, 2)  # officers, audit events, reminders: every sequence moves
    database.dispose()
    idle = psycopg.connect(postgres_url(name))
    idle.execute("SELECT 1 FROM users FOR UPDATE")
    return idle


@pytest.fixture
def copies(postgres_admin: str) -> Iterator[DatabaseCopies]:
    made = DatabaseCopies(postgres_admin, "attache_cp")
    yield made
    made.close()


def test_a_used_copy_comes_back_equal_to_its_template(
    copies: DatabaseCopies, postgres_template: str
) -> None:
    first = copies.take(postgres_template)
    expected = everything(first)
    copies.give_back(first)

    used = copies.take(postgres_template)
    assert used == first  # the same database, put back rather than made again
    idle = use(used)
    assert everything(used) != expected
    copies.give_back(used)

    again = copies.take(postgres_template)
    assert again == used
    assert everything(again) == expected
    with pytest.raises(psycopg.OperationalError):  # closed by the reset
        idle.execute("SELECT 1")
    idle.close()
    copies.give_back(again)


def test_a_copy_whose_schema_changed_is_replaced_by_a_new_one(
    copies: DatabaseCopies, postgres_template: str, postgres_admin: str
) -> None:
    first = copies.take(postgres_template)
    expected = everything(first)
    with psycopg.connect(postgres_url(first)) as conn:
        conn.execute("ALTER TABLE users ADD COLUMN nickname text")
        conn.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
    copies.give_back(first)

    replaced = copies.take(postgres_template)
    assert replaced != first
    assert everything(replaced) == expected
    with psycopg.connect(postgres_admin) as conn:
        left = conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (first,))
        assert left.fetchone() == (0,)
    copies.give_back(replaced)


def test_closing_drops_every_copy(postgres_admin: str, postgres_template: str) -> None:
    copies = DatabaseCopies(postgres_admin, "attache_cp")
    names = [copies.take(postgres_template), copies.take(postgres_template)]
    for name in names:
        copies.give_back(name)
    copies.close()
    with psycopg.connect(postgres_admin) as conn:
        left = conn.execute("SELECT count(*) FROM pg_database WHERE datname = ANY(%s)", (names,))
        assert left.fetchone() == (0,)
