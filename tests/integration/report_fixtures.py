"""The demo programme, loaded once per backend, for the report tests.

Loading the demo walks 20 officers through their year with the real services (seconds),
so it is done once per session into a template database; each test gets a fresh copy
(SQLite file copy, PostgreSQL ``CREATE DATABASE ... TEMPLATE``). Test modules name this
module in ``pytest_plugins``; the data they share is in ``report_rows``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lifecycle.clock import FakeClock
from lifecycle.persistence.database import Database
from lifecycle.services import Services
from notifications.wiring import with_reminders
from tests.conftest import BACKENDS, fresh_copy, postgres_database, postgres_url
from tests.integration.report_rows import LOADED_AT
from tests.support import load_demo_into


@pytest.fixture(scope="session")
def demo_sqlite(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report-demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    load_demo_into(f"sqlite:///{path}", LOADED_AT)
    return path


@pytest.fixture(scope="session")
def demo_postgres(postgres_template: str, postgres_admin: str) -> Iterator[str]:
    with postgres_database(postgres_admin, "attache_demo", postgres_template) as name:
        load_demo_into(postgres_url(name), LOADED_AT)
        yield name


@pytest.fixture(params=BACKENDS)
def demo_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh copy of the demo database, on SQLite and on PostgreSQL."""
    yield from fresh_copy(request, tmp_path, ("demo_sqlite", "demo_postgres"))


@pytest.fixture
def demo(demo_url: str) -> Iterator[Services]:
    """Services on the demo database, the clock where the demo was loaded."""
    database = Database(demo_url)
    yield with_reminders(Services(database, FakeClock(LOADED_AT)))
    database.dispose()
