"""reminders: one unique index on (officer_id, key) instead of key's and officer_id's

Revision ID: 0017
Revises: 0016

A batch's re-plan writes reminder rows by the hundred (bench 4a), and each new row
entered the table, the unique index on ``key``, the index on ``officer_id`` and the
sweep index. The first two become one unique index on (officer_id, key): every
per-officer read leads with officer_id, and a key is unique per officer. Across
officers keys cannot meet (each begins with its officer's ref and a slash); the rows of
no officer (digests, nomination notices) get a unique index on ``key`` of their own,
partial, which an officer's rows never enter. Every existing row already satisfies both
(keys were unique across the table), so nothing is rewritten but the indexes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

UNOWNED = sa.text("officer_id IS NULL")


def upgrade() -> None:
    op.create_index("uq_reminders_officer_key", "reminders", ["officer_id", "key"], unique=True)
    op.create_index(
        "uq_reminders_unowned_key", "reminders", ["key"], unique=True,
        sqlite_where=UNOWNED, postgresql_where=UNOWNED,
    )  # fmt: skip
    # SQLite cannot drop a table's UNIQUE constraint: batch mode rebuilds the table.
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_officer_id")
        batch_op.drop_constraint("uq_reminders_key", type_="unique")


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_reminders_key", ["key"])
        batch_op.create_index("ix_reminders_officer_id", ["officer_id"], unique=False)
    op.drop_index("uq_reminders_unowned_key", table_name="reminders")
    op.drop_index("uq_reminders_officer_key", table_name="reminders")
