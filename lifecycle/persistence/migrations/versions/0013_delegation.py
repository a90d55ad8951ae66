"""delegation: supervisors away, sign-offs reassigned, signed on behalf of

Revision ID: 0013
Revises: 0012

A supervisor away names a substitute from a date to a date (``supervisor_absences``); a
coordinator may hand one pending sign-off to another supervisor
(``signoff_assignments``); a sign-off given by either records the supervisor it was
given for (``signoffs.on_behalf_of_id``). No placement row changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lifecycle.persistence.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UTC_DATETIME = lifecycle.persistence.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "supervisor_absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("substitute_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("cancelled_at", UTC_DATETIME, nullable=True),
        sa.CheckConstraint(
            "ends_on >= starts_on", name=op.f("ck_supervisor_absences_dates_in_order")
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"], ["users.id"],
            name=op.f("fk_supervisor_absences_supervisor_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["substitute_id"], ["users.id"],
            name=op.f("fk_supervisor_absences_substitute_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"],
            name=op.f("fk_supervisor_absences_created_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervisor_absences")),
    )  # fmt: skip
    with op.batch_alter_table("supervisor_absences", schema=None) as batch_op:
        batch_op.create_index(
            "ix_supervisor_absences_supervisor", ["supervisor_id", "starts_on"], unique=False
        )
        batch_op.create_index(
            "ix_supervisor_absences_substitute", ["substitute_id", "starts_on"], unique=False
        )
    op.create_table(
        "signoff_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"],
            name=op.f("fk_signoff_assignments_officer_id_officers"),
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"], ["placements.id"],
            name=op.f("fk_signoff_assignments_placement_id_placements"),
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_signoff_assignments_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"], ["users.id"],
            name=op.f("fk_signoff_assignments_assigned_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signoff_assignments")),
    )  # fmt: skip
    with op.batch_alter_table("signoff_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_signoff_assignments_officer_id"), ["officer_id"], unique=False
        )
        batch_op.create_index(
            "ix_signoff_assignments_placement_name", ["placement_id", "name"], unique=False
        )
    with op.batch_alter_table("signoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("on_behalf_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_signoffs_on_behalf_of_id_users"), "users", ["on_behalf_of_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("signoffs", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_signoffs_on_behalf_of_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("on_behalf_of_id")
    with op.batch_alter_table("signoff_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_signoff_assignments_placement_name")
        batch_op.drop_index(batch_op.f("ix_signoff_assignments_officer_id"))
    op.drop_table("signoff_assignments")
    with op.batch_alter_table("supervisor_absences", schema=None) as batch_op:
        batch_op.drop_index("ix_supervisor_absences_substitute")
        batch_op.drop_index("ix_supervisor_absences_supervisor")
    op.drop_table("supervisor_absences")
