"""reminders: instants as integer microseconds since 1970 UTC on SQLite

Revision ID: 0016
Revises: 0015

A batch's re-plan writes reminder rows by the hundred (bench 4a). On SQLite each of a
row's eight instants was 26 characters of text ('2023-01-25 02:00:00.000000', UTC), six
of them set on every new row: 156 of its ~350 bytes, and the sweep index kept one as
text too. They become BIGINT counts of microseconds since 1970-01-01 00:00 UTC
(``lifecycle.persistence.types.UTCInstant``): the same instant to the microsecond,
ordered and compared the same, a third fewer pages per row. Converted in SQL, both ways,
exactly; a value SQLite cannot read as a date stops the upgrade before anything changed.

PostgreSQL already stores them as timestamptz (8 bytes): nothing changes there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# Nullable or not, as the columns are.
INSTANTS = {
    "due_at": False, "send_at": False, "expires_at": False, "next_attempt_at": False,
    "claimed_until": True, "sent_at": True, "created_at": False, "updated_at": False,
}  # fmt: skip

# Text as SQLAlchemy stores a SQLite DATETIME ('YYYY-MM-DD HH:MM:SS.ffffff', fewer
# fraction digits or none accepted) to microseconds, and back to exactly that text. The
# seconds are read without the fraction: SQLite's date functions round it to the
# millisecond (.9996 would become the next second).
_TO_MICROS = (
    "CAST(strftime('%s', substr({c}, 1, 19)) AS INTEGER) * 1000000"
    " + CAST(substr(substr({c}, 21) || '000000', 1, 6) AS INTEGER)"
)
_MICROS = "(({c} % 1000000) + 1000000) % 1000000"  # floored: before 1970 too
_TO_TEXT = (
    "strftime('%Y-%m-%d %H:%M:%S', ({c} - " + _MICROS + ") / 1000000, 'unixepoch')"
    " || printf('.%06d', " + _MICROS + ")"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    connection = op.get_bind()
    for column in INSTANTS:
        unreadable = connection.exec_driver_sql(
            f"SELECT id, {column} FROM reminders "
            f"WHERE {column} IS NOT NULL AND strftime('%s', {column}) IS NULL LIMIT 1"
        ).first()
        if unreadable is not None:
            raise RuntimeError(
                f"reminders row {unreadable[0]}: {column} {unreadable[1]!r} is not a date "
                "and time SQLite can read; nothing was changed"
            )
    # Converted in place first (a DATETIME column keeps integers as they are), then the
    # columns declared BIGINT: the table rebuild copies integers unchanged.
    op.execute(
        "UPDATE reminders SET " + ", ".join(f"{c} = {_TO_MICROS.format(c=c)}" for c in INSTANTS)
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        for column, nullable in INSTANTS.items():
            batch_op.alter_column(
                column,
                existing_type=sa.DateTime(timezone=True),
                type_=sa.BigInteger(),
                existing_nullable=nullable,
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        for column, nullable in INSTANTS.items():
            batch_op.alter_column(
                column,
                existing_type=sa.BigInteger(),
                type_=sa.DateTime(timezone=True),
                existing_nullable=nullable,
            )
    op.execute(
        "UPDATE reminders SET " + ", ".join(f"{c} = {_TO_TEXT.format(c=c)}" for c in INSTANTS)
    )
