"""A batch's officers and their history as spreadsheets, for the funder or for filing.

Instants are written in ISO 8601 with their UTC offset, so a re-read gives back exactly
what is stored; every cell is text.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from lifecycle import sheets
from lifecycle.errors import InvalidData
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import AuditEvent, Officer
from lifecycle.services.context import Services

OFFICER_COLUMNS = (
    "ref", "name", "country", "ministry", "email", "position", "state", "state since",
)
HISTORY_COLUMNS = ("ref", "at", "trigger", "from", "to", "by", "reason")


@dataclass(frozen=True)
class Export:
    """The files to write: one workbook, or the officers' CSV and the history's CSV."""

    files: dict[str, bytes]  # suffix added to the output's stem ("" for the main file)
    officers: int
    events: int


def batch_tables(services: Services, batch: str) -> dict[str, list[list[str]]]:
    """The officers and their transitions, each a header row and then text rows."""
    with services.db.reading() as session:
        target = repo.batch_by_ref(session, batch)
        officers = repo.officers(session, target)
        events = session.execute(
            select(Officer.ref, AuditEvent)
            .join(Officer, AuditEvent.officer_id == Officer.id)
            .where(Officer.batch_id == target.id)
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        ).all()
        return {
            "Officers": [list(OFFICER_COLUMNS)] + [
                [o.ref, o.name, o.country, o.ministry, o.email, o.position or "", o.state,
                 o.state_since.isoformat()]
                for o in officers
            ],
            "History": [list(HISTORY_COLUMNS)] + [
                [ref, e.occurred_at.isoformat(), e.trigger, e.from_state, e.to_state,
                 e.actor.email, e.reason or ""]
                for ref, e in events
            ],
        }


def export_batch(services: Services, batch: str, fmt: str) -> Export:
    if fmt not in sheets.FORMATS:
        raise InvalidData(f"format {fmt!r} is not one of {', '.join(sheets.FORMATS)}",
                          fields={"format": "unknown"})
    tables = batch_tables(services, batch)
    counts = (len(tables["Officers"]) - 1, len(tables["History"]) - 1)
    if fmt == "xlsx":
        return Export({"": sheets.write_xlsx(tables)}, *counts)
    return Export({
        "": sheets.write_csv(tables["Officers"]),
        "-history": sheets.write_csv(tables["History"]),
    }, *counts)
