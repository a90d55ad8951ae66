"""reminders outbox and batch milestones

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 23:56:39.601908
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lifecycle.persistence.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("template", sa.String(length=100), nullable=False),
        sa.Column("about", sa.String(length=100), nullable=True),
        sa.Column("recipient_role", sa.String(length=16), nullable=False),
        sa.Column("recipient_email", sa.String(length=320), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("recipient_timezone", sa.String(length=64), nullable=False),
        sa.Column("due_at", lifecycle.persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "send_at", lifecycle.persistence.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", lifecycle.persistence.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "next_attempt_at",
            lifecycle.persistence.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column(
            "claimed_until", lifecycle.persistence.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", lifecycle.persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", lifecycle.persistence.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", lifecycle.persistence.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], name=op.f("fk_reminders_officer_id_officers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint("key", name=op.f("uq_reminders_key")),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminders_officer_id"), ["officer_id"], unique=False)
        batch_op.create_index("ix_reminders_sweep", ["status", "next_attempt_at"], unique=False)

    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("milestones", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_column("milestones")

    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_sweep")
        batch_op.drop_index(batch_op.f("ix_reminders_officer_id"))

    op.drop_table("reminders")
