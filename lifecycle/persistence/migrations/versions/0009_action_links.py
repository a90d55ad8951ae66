"""action links

Revision ID: 0009
Revises: 0008

Reminders carry signed links that act ("Approve", "Mark done") without a password.
Issuing one writes nothing; ``action_links`` records each link spent (used once, or
revoked), ``users.links_revoked_at`` voids every link a person was sent before it
(signing in does that), and sign-offs and checklist ticks say when they came ``via``
such a link. Existing rows were all made in the console, the CLI or the API: ``via``
stays empty for them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lifecycle.persistence.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC_DATETIME = lifecycle.persistence.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "action_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reminder_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("person_email", sa.String(length=320), nullable=False),
        sa.Column("spent_at", UTC_DATETIME, nullable=False),
        sa.Column("spent_how", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], name=op.f("fk_action_links_officer_id_officers")
        ),
        sa.ForeignKeyConstraint(
            ["reminder_id"], ["reminders.id"], name=op.f("fk_action_links_reminder_id_reminders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_links")),
        sa.UniqueConstraint(
            "reminder_id", "action", "subject", name=op.f("uq_action_links_reminder_id")
        ),
    )
    with op.batch_alter_table("action_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_links_officer_id"), ["officer_id"])
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("links_revoked_at", UTC_DATETIME, nullable=True))
    for table in ("signoffs", "checklist_ticks"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("via", sa.String(length=16), nullable=True))


def downgrade() -> None:
    for table in ("checklist_ticks", "signoffs"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("via")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("links_revoked_at")
    with op.batch_alter_table("action_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_links_officer_id"))
    op.drop_table("action_links")
