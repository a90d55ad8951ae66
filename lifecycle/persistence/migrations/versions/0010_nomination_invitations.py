"""nomination invitations

Revision ID: 0010
Revises: 0009

Home ministries nominate in Attache: ``nomination_invitations`` holds each focal point's
invitation (one batch, one country, a signed link), and every officer says where their
nomination came from (``source``: console, sheet or ministry) and, for a ministry's,
which invitation. Officers nominated before this revision cannot be told apart by
source any more: they are all "console" (imports and console entries alike).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lifecycle.persistence.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UTC_DATETIME = lifecycle.persistence.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "nomination_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_nomination_invitations_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"],
            name=op.f("fk_nomination_invitations_created_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nomination_invitations")),
        sa.UniqueConstraint(
            "batch_id", "country", "email", name=op.f("uq_nomination_invitations_batch_id")
        ),
    )
    with op.batch_alter_table("officers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=16), server_default=sa.text("'console'"),
                      nullable=False)
        )
        batch_op.add_column(sa.Column("invitation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_officers_invitation_id_nomination_invitations"),
            "nomination_invitations", ["invitation_id"], ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("officers", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_officers_invitation_id_nomination_invitations"), type_="foreignkey"
        )
        batch_op.drop_column("invitation_id")
        batch_op.drop_column("source")
    op.drop_table("nomination_invitations")
