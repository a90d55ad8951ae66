"""deadline extensions

Revision ID: 0011
Revises: 0010

A coordinator can move one officer's due date for a sign-off or a checklist, with a
reason: ``deadline_extensions`` keeps every such move (old date, new date, reason, who,
when); the latest per officer and subject is the officer's agreed date.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lifecycle.persistence.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deadline_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("previous_due_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=False),
        sa.Column("set_at", lifecycle.persistence.types.UTCDateTime(timezone=True),
                  nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], name=op.f("fk_deadline_extensions_officer_id_officers")
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["users.id"], name=op.f("fk_deadline_extensions_set_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_extensions")),
    )
    with op.batch_alter_table("deadline_extensions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deadline_extensions_officer_subject", ["officer_id", "subject"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("deadline_extensions", schema=None) as batch_op:
        batch_op.drop_index("ix_deadline_extensions_officer_subject")
    op.drop_table("deadline_extensions")
