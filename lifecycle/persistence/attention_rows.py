"""Writing and reading ``officer_attention``: what each officer waits on (lifecycle.attention).

Plain Core statements on the session's connection, as the reminder rows are written:
the planner calls ``save`` for hundreds of officers when a batch is re-planned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from sqlalchemy import Table, bindparam, delete, insert
from sqlalchemy.orm import Session

from lifecycle.attention import NOTHING, Attention
from lifecycle.persistence.repository import id_chunks
from lifecycle.persistence.tables import OfficerAttention

ATTENTION = cast(Table, OfficerAttention.__table__)
_DELETE = delete(ATTENTION).where(ATTENTION.c.officer_id.in_(bindparam("ids", expanding=True)))
_INSERT = insert(ATTENTION)


def save(
    session: Session, attention: Mapping[int, Attention], stored: Mapping[int, Attention]
) -> None:
    """Write what these officers wait on now where it differs from what was ``stored``
    (OfficerRows.waits): most changes (a tick, a step with no deadline) change nothing
    here, and then nothing is sent."""
    changed = {oid: waits for oid, waits in attention.items() if waits != stored.get(oid, NOTHING)}
    obsolete = [oid for oid in changed if not stored.get(oid, NOTHING).empty]
    connection = session.connection()
    for chunk in id_chunks(obsolete):
        connection.execute(_DELETE, {"ids": list(chunk)})
    rows = [waits.as_row(oid) for oid, waits in changed.items() if not waits.empty]
    if rows:
        connection.execute(_INSERT, rows)
