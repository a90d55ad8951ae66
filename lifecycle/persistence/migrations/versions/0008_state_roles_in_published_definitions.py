"""state roles in published definitions

Revision ID: 0008
Revises: 0007

Workflow definitions now say what each state means (``roles:``, see
``lifecycle.state_roles``) instead of the code naming states. The two shipped v1
definitions were published without roles; their stored text gets the roles the code
assumed until now, which changes nothing about how an officer moves, so their officers
stay on v1. The new text is exactly the shipped file's, so ``attache init`` still finds
v1 unchanged. A definition of your own published without roles cannot be guessed at:
the upgrade stops and names it (add the roles by hand in ``workflow_definitions``, or ask
for help), rather than leave officers on a definition that no longer loads.
"""

from __future__ import annotations

import hashlib
import re

import sqlalchemy as sa
import yaml
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The roles of the shipped tracks' states, as the services' state-name tuples had them
# (placeable: PLACEABLE_STATES, frees_seat: SEAT_FREEING_STATES, and so on).
SHIPPED_ROLES = {
    "nominated": "nominated",
    "accepted": "accepted, active, placeable",
    "declined": "declined, frees_seat",
    "induction": "active, placeable",
    "placement": "active, placeable, placed",
    "diplomatic_training": "active, placeable, placed",
    "study_visit": "active",
    "graduated": "graduation, graduated",
    "alumni": "graduated",
    "withdrawn": "withdrawn, frees_seat, ends_placement",
}
# The checksums of the shipped v1 texts as published before roles existed.
SHIPPED_V1 = {
    "4ea90b1752c2e9a38c41117ad404a5925e66ef202132df7fe474a22180e210a6",  # junior-diplomats
    "574dbd7e6ff22e0a344e9573892fa51ddf7b6a6d47841a4f9ca6b23a02e605e3",  # aec-ascc
}
STATE_LINE = re.compile(
    r"^(  - \{name: (?P<name>[a-z_]+), label: .*?)(?P<rest>(, final: true|, optional: true)?\})$"
)


# A state's roles as with_roles writes them (trigger lines have user roles there).
STATE_ROLES = re.compile(
    r", roles: \[(?:(?:nominated|accepted|declined|active|placeable|placed|ends_placement"
    r"|frees_seat|withdrawn|graduation|graduated)(?:, )?)*\]"
)


def with_roles(text: str) -> str:
    """The shipped v1 text with each state's roles added to its one-line entry (the
    entries under ``states:``, which run up to the next blank line)."""

    def add(match: re.Match[str]) -> str:
        return f"{match[1]}, roles: [{SHIPPED_ROLES[match['name']]}]{match['rest']}"

    lines = text.split("\n")
    start = lines.index("states:")
    end = lines.index("", start)
    for i in range(start + 1, end):
        lines[i] = STATE_LINE.sub(add, lines[i])
    return "\n".join(lines)


def upgrade() -> None:
    table = sa.table(
        "workflow_definitions",
        sa.column("id", sa.Integer),
        sa.column("checksum", sa.String),
        sa.column("source_name", sa.String),
        sa.column("source_text", sa.Text),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(table.c.id, table.c.checksum, table.c.source_name, table.c.source_text)
    ).all()
    unknown = []
    for row_id, checksum, source_name, text in rows:
        if checksum in SHIPPED_V1:
            new = with_roles(text)
            connection.execute(
                table.update()
                .where(table.c.id == row_id)
                .values(source_text=new, checksum=hashlib.sha256(new.encode("utf-8")).hexdigest())
            )
        elif any("roles" not in state for state in yaml.safe_load(text).get("states", [])):
            unknown.append(source_name)
    if unknown:
        raise RuntimeError(
            "these published workflow definitions have states without `roles:` and are not "
            f"shipped ones, so their meaning cannot be guessed: {', '.join(unknown)}. Add "
            "the roles (docs/workflows.md) to their stored text, then upgrade again."
        )


def downgrade() -> None:
    table = sa.table(
        "workflow_definitions",
        sa.column("id", sa.Integer),
        sa.column("source_text", sa.Text),
        sa.column("checksum", sa.String),
    )
    connection = op.get_bind()
    for row_id, text in connection.execute(sa.select(table.c.id, table.c.source_text)).all():
        old = STATE_ROLES.sub("", text)
        checksum = hashlib.sha256(old.encode("utf-8")).hexdigest()
        if checksum in SHIPPED_V1:
            connection.execute(
                table.update()
                .where(table.c.id == row_id)
                .values(source_text=old, checksum=checksum)
            )
