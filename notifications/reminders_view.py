"""Reading reminders: the outbox as it stands, and a preview of what is to come."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from lifecycle.errors import InvalidData
from lifecycle.persistence import outbox
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import Officer, Reminder
from lifecycle.services import Services
from notifications.planner import ReminderPlanner


def _local(instant: datetime, zone: str) -> str:
    return f"{instant.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} {zone}"


def listing(
    services: Services, officer_ref: str | None, statuses: Sequence[str]
) -> list[dict[str, Any]]:
    unknown = [s for s in statuses if s not in outbox.STATUSES]
    if unknown:
        raise InvalidData(
            f"unknown status {unknown[0]!r}; statuses: {', '.join(outbox.STATUSES)}"
        )
    with services.db.reading() as session:
        officer_id = repo.officer_by_ref(session, officer_ref).id if officer_ref else None
        rows = outbox.listing(session, officer_id=officer_id, statuses=statuses)
        # Only the officers these rows name: never a scan of every officer.
        wanted = {r.officer_id for r in rows if r.officer_id is not None}
        refs: dict[int, str] = {
            officer_id: ref
            for officer_id, ref in session.execute(
                select(Officer.id, Officer.ref).where(Officer.id.in_(wanted))
            )
        }
        return [_row(r, refs.get(r.officer_id) if r.officer_id else None) for r in rows]


def _row(r: Reminder, officer: str | None) -> dict[str, Any]:
    return {
        "id": r.id,
        "key": r.key,
        "officer": officer or "",
        "rule": r.rule,
        "occurrence": r.occurrence,
        "kind": r.kind,
        "template": r.template,
        "recipient_role": r.recipient_role,
        "recipient_name": r.recipient_name,
        "recipient_email": r.recipient_email,
        "status": r.status,
        "attempts": r.attempts,
        "last_error": r.last_error,
        "due_at": r.due_at.isoformat(),
        "send_at": r.send_at.isoformat(),
        "send_local": _local(r.send_at, r.recipient_timezone),
        "sent_at": r.sent_at.isoformat() if r.sent_at else None,
    }


def preview(services: Services, batch_ref: str, until: datetime | None) -> list[dict[str, Any]]:
    """What the batch will receive from now until ``until`` if nobody acts.

    Nothing changes state when nobody acts, so the rules planned from today's facts are
    the whole future: no need to replay the year tick by tick.
    """
    planner = next((p for p in services.listeners if isinstance(p, ReminderPlanner)), None)
    planner = planner or ReminderPlanner(services.workflows)
    now = services.now()
    with services.db.reading() as session:
        batch = repo.batch_by_ref(session, batch_ref)
        horizon = until or datetime.combine(
            batch.end_date, datetime.max.time(), ZoneInfo("Asia/Jakarta")
        )
        done = set(
            session.scalars(
                select(Reminder.key)
                .join(Officer)
                .where(
                    Officer.batch_id == batch.id,
                    Reminder.status.in_((outbox.SENT, outbox.FAILED, outbox.EXPIRED)),
                )
            )
        )
        officers = repo.officers(session, batch)
        wanted = planner.wanted_many(session, officers)  # one facts query for the batch
        upcoming = []
        for officer in officers:
            for want in wanted[officer.id]:
                if want.key in done or want.expires_at <= now or want.send_at > horizon:
                    continue
                upcoming.append((max(want.send_at, now), officer.ref, want))
        upcoming.sort(key=lambda item: (item[0], item[1], item[2].key))
        return [
            {
                "key": w.key,
                "officer": ref,
                "rule": w.rule,
                "occurrence": w.occurrence,
                "kind": w.kind,
                "template": w.template,
                "recipient_role": w.recipient_role,
                "recipient_name": w.recipient_name,
                "recipient_email": w.recipient_email,
                "send_at": at.isoformat(),
                "send_local": _local(at, w.recipient_timezone),
            }
            for at, ref, w in upcoming
        ]
