"""The baseline for advance throughput: the same unit of work written by hand with
SQLAlchemy Core, as someone would without the engine.

Select the officer, check the state, update it with a version bump, insert the audit
event, delete the officer's pending reminders and insert the ones the new state calls
for; one transaction. It knows its two transitions and one reminder by heart: no
definitions, guards, roles, planner or rules.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Table, delete, insert, select, update

from lifecycle.persistence.tables import AuditEvent, Batch, Officer, Reminder

OFFICERS, BATCHES = cast(Table, Officer.__table__), cast(Table, Batch.__table__)
AUDIT, REMINDERS = cast(Table, AuditEvent.__table__), cast(Table, Reminder.__table__)
TRANSITIONS = {"accept": ("nominated", "accepted"), "start_induction": ("accepted", "induction")}


def advance_by_hand(
    engine: Engine, officer_ref: str, trigger: str, actor_id: int, now: datetime
) -> None:
    source, dest = TRANSITIONS[trigger]
    with engine.begin() as conn:
        officer = conn.execute(
            select(
                OFFICERS.c.id, OFFICERS.c.state, OFFICERS.c.version, OFFICERS.c.email,
                OFFICERS.c.name, OFFICERS.c.timezone, BATCHES.c.start_date,
            )
            .join(BATCHES, BATCHES.c.id == OFFICERS.c.batch_id)
            .where(OFFICERS.c.ref == officer_ref)
        ).one()  # fmt: skip
        if officer.state != source:
            raise ValueError(f"{officer_ref} is {officer.state}, not {source}")
        moved = conn.execute(
            update(OFFICERS)
            .where(OFFICERS.c.id == officer.id, OFFICERS.c.version == officer.version)
            .values(state=dest, state_since=now, updated_at=now, version=officer.version + 1)
        )
        if moved.rowcount != 1:
            raise RuntimeError(f"{officer_ref} changed underneath")
        conn.execute(
            insert(AUDIT).values(
                officer_id=officer.id, trigger=trigger, from_state=source, to_state=dest,
                actor_id=actor_id, reason=None, occurred_at=now,
            )
        )  # fmt: skip
        conn.execute(
            delete(REMINDERS).where(
                REMINDERS.c.officer_id == officer.id, REMINDERS.c.status == "pending"
            )
        )
        if dest == "accepted":  # the welcome a week before the batch starts
            zone = ZoneInfo(officer.timezone)
            send_at = datetime.combine(
                officer.start_date - timedelta(days=7), time(9, 0), zone
            ).astimezone(UTC)
            conn.execute(
                insert(REMINDERS).values(
                    key=f"{officer_ref}/induction_welcome/1/{officer.email}",
                    officer_id=officer.id, rule="induction_welcome", occurrence=1,
                    kind="reminder", template="induction_welcome", recipient_role="officer",
                    recipient_email=officer.email, recipient_name=officer.name,
                    recipient_timezone=officer.timezone, due_at=send_at, send_at=send_at,
                    expires_at=send_at + timedelta(days=7), status="pending",
                    next_attempt_at=send_at, attempts=0, created_at=now, updated_at=now,
                )
            )  # fmt: skip
