"""officers.nominated_at

Revision ID: 0007
Revises: 0006

Reports "as of" a date need the instant each officer was nominated; until now only
``state_since`` had it, and only until the first transition. Existing officers get the
best instant the database still holds: the first audit event (the decision on the
nomination, which cannot precede it), or ``state_since`` when there is none yet.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lifecycle.persistence.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("officers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "nominated_at",
                lifecycle.persistence.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    op.execute(
        "UPDATE officers SET nominated_at = COALESCE("
        "(SELECT MIN(a.occurred_at) FROM audit_events a WHERE a.officer_id = officers.id),"
        " state_since)"
    )
    with op.batch_alter_table("officers", schema=None) as batch_op:
        batch_op.alter_column(
            "nominated_at",
            existing_type=lifecycle.persistence.types.UTCDateTime(timezone=True),
            nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("officers", schema=None) as batch_op:
        batch_op.drop_column("nominated_at")
