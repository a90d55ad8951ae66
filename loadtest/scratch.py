"""A scratch database for one run: a SQLite file in a temp folder, or a PostgreSQL
database ``attache_load_<random>``; removed when the run ends, however it ends."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

SQLITE, POSTGRES = "sqlite", "postgresql"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/"


@contextmanager
def scratch_database(backend: str, postgres_url: str = DEFAULT_POSTGRES) -> Iterator[str]:
    """The URL of an empty database of its own (not yet initialised)."""
    if backend == SQLITE:
        folder = Path(tempfile.mkdtemp(prefix="attache_load_"))
        try:
            yield f"sqlite:///{folder / 'load.db'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    server = make_url(postgres_url)
    admin = server.set(drivername="postgresql", database=server.database or "postgres")
    dsn = admin.render_as_string(hide_password=False)
    name = f"attache_load_{secrets.token_hex(5)}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_problem(postgres_url: str = DEFAULT_POSTGRES) -> str | None:
    """Why the server cannot be used, or None."""
    server = make_url(postgres_url)
    admin = server.set(drivername="postgresql", database=server.database or "postgres")
    try:
        with psycopg.connect(admin.render_as_string(hide_password=False), connect_timeout=3):
            return None
    except psycopg.OperationalError as exc:
        return str(exc).strip().splitlines()[0]
