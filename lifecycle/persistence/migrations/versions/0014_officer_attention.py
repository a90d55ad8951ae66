"""officer_attention: what each officer waits on, so "needs attention" is an index scan

Revision ID: 0014
Revises: 0013

The reminder planner keeps, per officer, the open sign-offs and checklists of its stage
with their deadlines and the sign-offs returned (``lifecycle.attention``); the officers
lists read it instead of grouping the reminders table. Existing officers are filled in
from what the planner last wrote: their reminder rows (the latest "due" reminder about
each item that was not cancelled), latest sign-off decisions and ticks, judged by the
same rule the planner uses (``lifecycle.attention.attention_of``) over each officer's
published definition text, which is kept verbatim and still parses.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from alembic import op

import lifecycle.persistence.types
from lifecycle.attention import attention_of
from lifecycle.definition import parse_definition

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

UTC_DATETIME = lifecycle.persistence.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "officer_attention",
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("attention_from", UTC_DATETIME, nullable=False),
        sa.Column("first_deadline", UTC_DATETIME, nullable=True),
        sa.Column("returned", sa.Boolean(), nullable=False),
        sa.Column("waits_on", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], name=op.f("fk_officer_attention_officer_id_officers")
        ),
        sa.PrimaryKeyConstraint("officer_id", name=op.f("pk_officer_attention")),
    )
    with op.batch_alter_table("officer_attention", schema=None) as batch_op:
        batch_op.create_index("ix_officer_attention_from", ["attention_from"], unique=False)
    _fill_in(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("officer_attention", schema=None) as batch_op:
        batch_op.drop_index("ix_officer_attention_from")
    op.drop_table("officer_attention")


# The columns the fill-in reads, as they are at this revision.
_DEFINITIONS = sa.table(
    "workflow_definitions",
    sa.column("id", sa.Integer), sa.column("source_text", sa.Text),
    sa.column("source_name", sa.String),
)
_TICKS = sa.table(
    "checklist_ticks", sa.column("officer_id", sa.Integer), sa.column("item_key", sa.String)
)
_SIGNOFFS = sa.table(
    "signoffs", sa.column("id", sa.Integer), sa.column("officer_id", sa.Integer),
    sa.column("name", sa.String), sa.column("decision", sa.String),
)
_REMINDERS = sa.table(
    "reminders", sa.column("officer_id", sa.Integer), sa.column("about", sa.String),
    sa.column("kind", sa.String), sa.column("status", sa.String),
    sa.column("due_at", UTC_DATETIME),
)
_OFFICERS = sa.table(
    "officers", sa.column("id", sa.Integer), sa.column("state", sa.String),
    sa.column("definition_id", sa.Integer),
)
_ATTENTION = sa.table(
    "officer_attention", sa.column("officer_id", sa.Integer),
    sa.column("attention_from", UTC_DATETIME), sa.column("first_deadline", UTC_DATETIME),
    sa.column("returned", sa.Boolean), sa.column("waits_on", sa.JSON),
)  # fmt: skip


def _fill_in(connection: sa.Connection) -> None:
    definitions = {
        row.id: parse_definition(row.source_text, row.source_name)
        for row in connection.execute(sa.select(_DEFINITIONS))
    }
    ticked: dict[int, set[str]] = defaultdict(set)
    for tick in connection.execute(sa.select(_TICKS)):
        ticked[tick.officer_id].add(tick.item_key)
    decisions: dict[int, dict[str, str]] = defaultdict(dict)
    for signoff in connection.execute(sa.select(_SIGNOFFS).order_by(_SIGNOFFS.c.id)):
        decisions[signoff.officer_id][signoff.name] = signoff.decision  # the latest wins
    deadlines: dict[int, dict[str, datetime]] = defaultdict(dict)
    r = _REMINDERS.c
    for officer_id, about, due in connection.execute(
        sa.select(r.officer_id, r.about, sa.func.max(r.due_at))
        .where(r.kind == "reminder", r.status != "cancelled",
               r.about.is_not(None), r.officer_id.is_not(None))
        .group_by(r.officer_id, r.about)
    ):  # fmt: skip
        deadlines[officer_id][about] = due
    rows = []
    for officer in connection.execute(sa.select(_OFFICERS)):
        waits = attention_of(
            definitions[officer.definition_id], officer.state, ticked[officer.id],
            decisions[officer.id], deadlines[officer.id],
        )
        if not waits.empty:
            rows.append(waits.as_row(officer.id))
    if rows:
        connection.execute(sa.insert(_ATTENTION), rows)
