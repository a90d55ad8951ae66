"""Scratch databases for one run: SQLite files in a temp folder, PostgreSQL databases
named ``attache_bench_<run>_<n>``; everything is removed when the run ends.

Each database starts as a copy of one initialised template (schema at head, the shipped
workflow definitions published), so initialising is paid once per backend per run.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from lifecycle.clock import FakeClock
from lifecycle.persistence.database import Database
from lifecycle.services import Services
from lifecycle.services.setup import publish_definitions
from workflows.loader import load_definitions

SQLITE, POSTGRES = "sqlite", "postgresql"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/"
# Definitions are published at this instant; population.py starts the clock after it.
EPOCH = datetime(2023, 1, 2, 2, 0, tzinfo=UTC)


class Scratch:
    def __init__(self, backends: list[str], postgres_url: str = DEFAULT_POSTGRES) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="attache_bench_"))
        self.run = secrets.token_hex(4)
        self.postgres_url = postgres_url
        self.backends = list(backends)
        self.unavailable: dict[str, str] = {}
        self._templates: dict[str, str] = {}
        self._created: list[str] = []
        if POSTGRES in self.backends:
            problem = _postgres_problem(self._admin_dsn())
            if problem:
                self.unavailable[POSTGRES] = f"PostgreSQL at {postgres_url} unreachable: {problem}"

    def fresh(self, backend: str) -> str:
        """The URL of a new, initialised database of its own."""
        if backend not in self._templates:
            self._templates[backend] = self._new(backend, initialise=True)
        return self._copy(backend, self._templates[backend])

    def close(self) -> None:
        if self._created:
            with psycopg.connect(self._admin_dsn(), autocommit=True) as conn:
                for name in self._created:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(self.folder, ignore_errors=True)

    def _new(self, backend: str, *, initialise: bool) -> str:
        if backend == SQLITE:
            url = f"sqlite:///{self.folder / f'{self.run}_{len(list(self.folder.iterdir()))}.db'}"
        else:
            url = self._create_postgres(template=None)
        if initialise:
            _initialise(url)
        return url

    def _copy(self, backend: str, template: str) -> str:
        if backend == SQLITE:
            source = Path(str(make_url(template).database))
            target = self.folder / f"{self.run}_{len(list(self.folder.iterdir()))}.db"
            shutil.copy(source, target)
            return f"sqlite:///{target}"
        return self._create_postgres(template=str(make_url(template).database))

    def _create_postgres(self, template: str | None) -> str:
        name = f"attache_bench_{self.run}_{len(self._created)}"
        clause = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(self._admin_dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"{clause}')
        self._created.append(name)
        return make_url(self.postgres_url).set(database=name).render_as_string(False)

    def _admin_dsn(self) -> str:
        url = make_url(self.postgres_url)
        admin = url.set(drivername="postgresql", database=url.database or "postgres")
        return admin.render_as_string(hide_password=False)


def _postgres_problem(dsn: str) -> str | None:
    try:
        with psycopg.connect(dsn, connect_timeout=3):
            return None
    except psycopg.OperationalError as exc:
        return str(exc).strip().splitlines()[0]


def _initialise(url: str) -> None:
    database = Database(url)
    try:
        database.upgrade()
        publish_definitions(Services(database, FakeClock(EPOCH)), load_definitions())
    finally:
        database.dispose()
