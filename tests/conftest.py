"""Shared fixtures: every database test runs on a real SQLite file AND real PostgreSQL.

PostgreSQL is optional on a laptop (the tests skip, saying why) and mandatory in CI
(CI=true): there a missing server fails the run loudly instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from lifecycle.clock import FakeClock
from lifecycle.persistence.database import Database
from lifecycle.services import Services
from lifecycle.services.setup import publish_definitions
from notifications.wiring import with_reminders
from tests import scheduling
from tests.database_copies import DatabaseCopies
from workflows.loader import load_definitions

POSTGRES_URL = os.environ.get(
    "ATTACHE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
START = datetime(2023, 1, 2, 2, 0, tzinfo=UTC)  # 09:00 in Jakarta, a Monday


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what they drop
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slow tests first, spread over the shares worksteal deals out (tests/scheduling)."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if config.getoption("dist", "no") != "worksteal":
        workers = 1  # other schedulers deal the collection out otherwise: just slow first
    items[:] = scheduling.slow_first(items, workers, _seconds)


def _seconds(item: pytest.Item) -> float | None:
    known = scheduling.SECONDS.get(item.nodeid)
    if known is None and item.get_closest_marker("slow") is not None:
        known = scheduling.SLOW_DEFAULT
    return known


def _admin_dsn() -> str:
    return make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(
        hide_password=False
    )


def _postgres_available() -> str | None:
    try:
        with psycopg.connect(_admin_dsn(), connect_timeout=3):
            return None
    except psycopg.OperationalError as exc:
        return str(exc).strip()


@pytest.fixture(scope="session")
def postgres_admin() -> str:
    problem = _postgres_available()
    if problem is not None:
        message = f"PostgreSQL at {POSTGRES_URL} is not reachable: {problem}"
        if IN_CI:
            pytest.fail(message + " (required when CI=true)", pytrace=False)
        pytest.skip(message)
    return _admin_dsn()


def _initialise(url: str) -> None:
    database = Database(url)
    try:
        database.upgrade()
        publish_definitions(Services(database, FakeClock(START)), load_definitions())
    finally:
        database.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _initialise(f"sqlite:///{path}")
    return path


@contextmanager
def postgres_database(admin: str, prefix: str, template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database (a copy of ``template``, if given), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_url(name: str) -> str:
    return str(make_url(POSTGRES_URL).set(database=name))


def fresh_copy(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    templates: tuple[str, str],
    template_of: Callable[[Any], Any] = lambda value: value,
) -> Iterator[str]:
    """A test's own copy of a template database, on the backend ``request`` names: a file
    copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL. ``templates`` names
    the session fixtures (SQLite, PostgreSQL) that made them; ``template_of`` takes the
    file or database name out of what they return."""
    sqlite, postgres = templates
    if request.param == "sqlite":
        path = tmp_path / "attache.db"
        shutil.copy(template_of(request.getfixturevalue(sqlite)), path)
        yield f"sqlite:///{path}"
        return
    # The template first, so pytest tears the copies down before it. (A template dropped
    # while a copy of it is being made waits for the copy: the server locks it meanwhile.)
    template = template_of(request.getfixturevalue(postgres))
    copies: DatabaseCopies = request.getfixturevalue("postgres_copies")
    name = copies.take(template)
    try:
        yield postgres_url(name)
    finally:
        copies.give_back(name)


class SeededWorlds:
    """Template databases with a test module's starting world already in them: each seed
    (a function of the services, run at START or the instant given) once per session and
    backend, instead of once per test. A test's copy of one equals what running the seed
    in it would give."""

    def __init__(self, folder: Path, stack: ExitStack) -> None:
        self._folder, self._stack = folder, stack
        self._made: dict[tuple[str, str, str, datetime], Any] = {}

    def template(
        self, request: pytest.FixtureRequest, seed: Callable[[Services], object],
        at: datetime = START,
    ) -> Any:
        """The SQLite file or PostgreSQL database ``seed`` was run in at ``at``, for the
        backend ``request`` names."""
        backend: str = request.param
        key = (seed.__module__, seed.__qualname__, backend, at)
        if key not in self._made:
            if backend == "sqlite":
                made: Any = self._folder / f"{len(self._made)}-{seed.__name__}.db"
                shutil.copy(request.getfixturevalue("sqlite_template"), made)
                url = f"sqlite:///{made}"
            else:
                made = self._stack.enter_context(postgres_database(
                    request.getfixturevalue("postgres_admin"), "attache_seed",
                    request.getfixturevalue("postgres_template"),
                ))  # fmt: skip
                url = postgres_url(made)
            database = Database(url)
            try:
                seed(with_reminders(Services(database, FakeClock(at))))
            finally:
                database.dispose()
            self._made[key] = made
        return self._made[key]


@pytest.fixture(scope="session")
def seeded_worlds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededWorlds]:
    with ExitStack() as stack:
        yield SeededWorlds(tmp_path_factory.mktemp("seeded-worlds"), stack)


def seeded_copy(
    request: pytest.FixtureRequest, tmp_path: Path, seed: Callable[[Services], object],
    at: datetime = START,
) -> Iterator[str]:
    """Like ``fresh_copy``, of a template ``seed`` was run in once, at ``at``
    (``SeededWorlds``)."""
    worlds: SeededWorlds = request.getfixturevalue("seeded_worlds")
    yield from fresh_copy(
        request, tmp_path, ("seeded_worlds", "seeded_worlds"),
        lambda _: worlds.template(request, seed, at),
    )  # fmt: skip


def seeded_or_fresh(
    request: pytest.FixtureRequest, tmp_path: Path,
    seeds: Mapping[str, Callable[[Services], object]],
) -> Iterator[str]:
    """A module's ``database_url`` whose starting worlds are fixtures: a copy of the
    template seeded by the first of ``seeds`` (fixture name: seed) the test asks for,
    directly or through another fixture, or a fresh copy if it asks for none. So list a
    world before the worlds it builds on."""
    for name, seed in seeds.items():
        if name in request.fixturenames:
            yield from seeded_copy(request, tmp_path, seed)
            return
    yield from fresh_copy(request, tmp_path, ("sqlite_template", "postgres_template"))


@pytest.fixture(scope="session")
def postgres_copies(
    postgres_admin: str, seeded_worlds: SeededWorlds
) -> Iterator[DatabaseCopies]:
    """Fresh copies of template databases, made ahead and dropped behind the tests.
    (After ``seeded_worlds``, so its templates are dropped only once the copies are.)"""
    copies = DatabaseCopies(postgres_admin, "attache_t")
    yield copies
    copies.close()


@pytest.fixture(scope="session")
def postgres_template(postgres_admin: str) -> Iterator[str]:
    with postgres_database(postgres_admin, "attache_tpl") as name:
        _initialise(postgres_url(name))
        yield name


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, initialised database (schema at head, definitions published)."""
    yield from fresh_copy(request, tmp_path, ("sqlite_template", "postgres_template"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def services(database_url: str, clock: FakeClock) -> Iterator[Services]:
    database = Database(database_url)
    yield with_reminders(Services(database, clock))
    database.dispose()
