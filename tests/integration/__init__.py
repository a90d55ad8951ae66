"""Integration tests: real databases, real processes.

The helpers below run the ``attache`` CLI the way a user does, in its own OS process,
so exit codes, stderr and what reaches the database are observed from outside.
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


def attache(url: str, *args: str, now: str | None = None) -> Run:
    """Run ``python -m lifecycle --database URL [--now NOW] ARGS...`` and wait for it."""
    argv = [sys.executable, "-m", "lifecycle", "--database", url]
    if now is not None:
        argv += ["--now", now]
    done = subprocess.run(
        [*argv, *args], capture_output=True, text=True, encoding="utf-8",
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
