"""The demo programme, loaded once per backend, for the report tests.

Loading the demo walks 20 officers through their year with the real services (seconds),
so it is done once per session into a template database (``SeededWorlds``); each test
gets a fresh copy. Test modules name this module in ``pytest_plugins``; the data they
share is in ``report_rows``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lifecycle.clock import FakeClock
from lifecycle.demo import load_demo
from lifecycle.persistence.database import Database
from lifecycle.services import Services
from notifications.wiring import with_reminders
from tests.conftest import BACKENDS, seeded_copy
from tests.integration.report_rows import LOADED_AT


@pytest.fixture(params=BACKENDS)
def demo_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh copy of the demo database, on SQLite and on PostgreSQL."""
    yield from seeded_copy(request, tmp_path, load_demo, LOADED_AT)


@pytest.fixture
def demo(demo_url: str) -> Iterator[Services]:
    """Services on the demo database, the clock where the demo was loaded."""
    database = Database(demo_url)
    yield with_reminders(Services(database, FakeClock(LOADED_AT)))
    database.dispose()
