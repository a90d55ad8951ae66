"""reminders: the expiry pass ranges over the sweep index; ix_reminders_expiry dropped

Revision ID: 0015
Revises: 0014

A pending row's next attempt is now never after its expiry (``outbox.first_attempt``,
kept wherever a next attempt is set), so the pending rows past their expiry are among
the due ones and the expiry pass finds them through ix_reminders_sweep (status,
next_attempt_at). The index on (status, expires_at) that pass used (migration 0005) is
dropped: every new reminder row entered it (bench 4a). Existing pending rows whose
retry the backoff had put after their expiry are clamped to it first; they were never
going to be sent, and the next pass expires them as it would have.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    reminders = sa.table(
        "reminders",
        sa.column("status", sa.String()),
        sa.column("expires_at"),
        sa.column("next_attempt_at"),
    )
    # Both instants are stored the same way on each backend (text on SQLite, timestamptz
    # on PostgreSQL), so they compare and copy as they are.
    late = reminders.c.next_attempt_at > reminders.c.expires_at
    op.execute(
        reminders.update()
        .where(reminders.c.status == "pending", late)
        .values(next_attempt_at=reminders.c.expires_at)
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_expiry")


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index("ix_reminders_expiry", ["status", "expires_at"], unique=False)
