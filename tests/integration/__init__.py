"""Integration tests: real databases, and the CLI as a user sees it.

``attache`` runs a CLI command in this process (see ``tests.in_process``: a new Python
process per command made these tests the suite's slowest), observing its exit code,
stdout, stderr and what reaches the database as from outside. ``attache_process`` runs
it in its own OS process, for the few tests about the process itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from sqlalchemy import MetaData, inspect, text

from lifecycle.persistence.database import Database
from tests.in_process import run_main

# A safety net against a hung child, never an assertion about speed.
PROCESS_TIMEOUT = 180


@dataclass(frozen=True)
class Run:
    """What one CLI process did."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def cli_env() -> dict[str, str]:
    """The caller's environment minus anything that could point at another database."""
    env = {k: v for k, v in os.environ.items() if k != "ATTACHE_DATABASE_URL"}
    # Khmer, Lao and Burmese must reach the pipe intact whatever the host's locale.
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def cli_args(url: str, *args: str, now: str | None = None) -> list[str]:
    """``--database URL [--now NOW] ARGS...``"""
    return ["--database", url, *(["--now", now] if now is not None else []), *args]


def attache(url: str, *args: str, now: str | None = None) -> Run:
    """``attache --database URL [--now NOW] ARGS...``, run in this process."""
    return Run(*run_main(cli_args(url, *args, now=now), env={"ATTACHE_DATABASE_URL": None}))


def attache_process(url: str, *args: str, now: str | None = None) -> Run:
    """``python -m lifecycle --database URL [--now NOW] ARGS...`` in its own process."""
    done = subprocess.run(
        [sys.executable, "-m", "lifecycle", *cli_args(url, *args, now=now)],
        capture_output=True, text=True, encoding="utf-8",
        env=cli_env(), timeout=PROCESS_TIMEOUT, check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def wipe(url: str) -> None:
    """Empty the database completely, as if nobody had ever run ``attache init``."""
    database = Database(url)
    try:
        with database.engine.begin() as connection:
            if database.dialect == "postgresql":
                # Also drops the audit trigger's function, which a table drop leaves behind.
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            else:
                tables = MetaData()
                tables.reflect(connection)
                tables.drop_all(connection)
    finally:
        database.dispose()


def table_names(url: str) -> list[str]:
    database = Database(url)
    try:
        return sorted(inspect(database.engine).get_table_names())
    finally:
        database.dispose()
