"""Writing many new reminder rows at once, the fastest way each backend takes them.

A batch's re-plan adds hundreds of rows in one transaction (bench 4a): building an ORM
object or a dict per row, or letting SQLAlchemy convert every value of every row, cost
more than the database's own work. Rows are plain tuples in NEW_COLUMNS' order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any, cast

from sqlalchemy import Connection, Dialect, Table, column, insert, table
from sqlalchemy.exc import IntegrityError

from lifecycle.persistence.tables import Reminder

REMINDERS = cast(Table, Reminder.__table__)
_INSERT = insert(REMINDERS)

# What a new row is given: a WantedReminder's fields in its order, then what the outbox
# adds (so a new row is the wanted tuple plus a tail: no per-field copying). A tuple per
# row, not a dict: a batch's re-plan writes hundreds, and the bulk paths take them as
# they are.
NEW_COLUMNS = (
    "key", "rule", "occurrence", "kind", "template", "about", "recipient_role",
    "recipient_email", "recipient_name", "recipient_timezone", "due_at", "send_at",
    "expires_at", "officer_id", "status", "next_attempt_at", "attempts", "created_at",
    "updated_at",
)  # fmt: skip
NewRow = tuple[Any, ...]


# From this many rows (re-planning a batch adds hundreds), the bulk INSERT takes a
# faster way: COPY on PostgreSQL (a pipelined executemany is one INSERT per row, for
# the driver and the server: half the CPU per row in bench 4a), values converted once
# each on SQLite. Fewer rows go as one plain executemany.
COPY_FROM = 100


def insert_rows(connection: Connection, rows: list[NewRow]) -> None:
    """Insert ``rows`` (NEW_COLUMNS' values each) in one statement or one COPY."""
    if len(rows) < COPY_FROM:
        connection.execute(_INSERT, [dict(zip(NEW_COLUMNS, row, strict=True)) for row in rows])
    elif connection.dialect.driver == "psycopg":
        _copy(connection, rows)
    else:
        _insert_converted(connection, rows)


def _insert_converted(connection: Connection, rows: list[NewRow]) -> None:
    """One executemany on the driver, each value converted by SQLAlchemy's own bind
    processors (so stored exactly as an INSERT would store it), but each distinct value
    once: a batch's rows share most of their instants (SQLite stores them as text,
    and formatting six per row was a third of the CPU of writing it)."""
    dialect = connection.dialect
    # Column by column, and only the columns that have a processor (the instants): the
    # others go to the driver as they are. Transposed, so each column is converted by
    # one map through a cache (C loops: a Python call only for each distinct value).
    columns: list[Any] = list(zip(*rows, strict=True))
    for position, convert in _converters(dialect):
        columns[position] = list(map(cache(convert), columns[position]))
    connection.exec_driver_sql(_compiled_insert(dialect), list(zip(*columns, strict=True)))


@lru_cache(maxsize=8)
def _converters(dialect: Dialect) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """NEW_COLUMNS' bind processors on ``dialect``, by position, where there is one."""
    found = []
    for position, name in enumerate(NEW_COLUMNS):
        convert = REMINDERS.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if convert is not None:
            found.append((position, convert))
    return tuple(found)


@lru_cache(maxsize=8)
def _compiled_insert(dialect: Dialect) -> str:
    """The INSERT's SQL for the driver (compiling it on every re-plan cost a tenth of
    writing the rows). Its parameters stand in NEW_COLUMNS' order: it is compiled over
    the table's columns in that order."""
    ordered = table(REMINDERS.name, *(column(c, REMINDERS.c[c].type) for c in NEW_COLUMNS))
    compiled = insert(ordered).compile(dialect=dialect, column_keys=list(NEW_COLUMNS))
    if tuple(compiled.positiontup or ()) != NEW_COLUMNS:
        raise RuntimeError(f"reminders INSERT parameters out of order: {compiled.positiontup}")
    return compiled.string


def _copy(connection: Connection, rows: list[NewRow]) -> None:
    import psycopg  # only here: SQLite installations never load the driver

    quoted = ", ".join(f'"{c}"' for c in NEW_COLUMNS)
    sql = f"COPY {REMINDERS.name} ({quoted}) FROM STDIN (FORMAT BINARY)"
    driver = connection.connection.dbapi_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            copy.set_types(list(_copy_types(connection.dialect)))
            for row in rows:
                copy.write_row(row)
    except psycopg.IntegrityError as error:
        # As an INSERT's would be: Database.transaction reports it as a Conflict.
        raise IntegrityError(sql, None, error) from error


@lru_cache(maxsize=4)
def _copy_types(dialect: Dialect) -> tuple[str, ...]:
    """Each NEW_COLUMNS column's PostgreSQL type (``varchar``, ``integer``, ...), which a
    binary COPY needs: it sends values in the server's own format, a third of the cost
    per row of text COPY, which formats and parses every instant as text."""
    return tuple(
        re.sub(r"\(.*\)$", "", REMINDERS.c[name].type.compile(dialect=dialect)).lower()
        for name in NEW_COLUMNS
    )
