"""A supervisor's inbox: the sign-offs waiting for them, most urgent first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import Officer, Placement, Reminder
from lifecycle.services.context import Services
from lifecycle.services.facts import latest_signoffs, workflow_of

JSONDict = dict[str, object]


def pending_signoffs(services: Services, supervisor_id: int) -> list[JSONDict]:
    """Every sign-off the supervisor can give now, with its deadline when one is planned.

    The deadline is the one the reminders planner computed (a reminder row's ``due_at``
    for that sign-off), so the inbox and the e-mails never disagree about a date.
    """
    now = services.now()
    items: list[JSONDict] = []
    with services.db.reading() as session:
        officers = session.scalars(
            select(Officer)
            .join(Placement, Placement.officer_id == Officer.id)
            .where(Placement.supervisor_id == supervisor_id, Placement.ended_at.is_(None))
            .order_by(Officer.ref)
        ).all()
        for officer in officers:
            definition = workflow_of(services, officer).definition
            latest = latest_signoffs(repo.signoffs(session, officer))
            for spec in definition.signoffs:
                if officer.state != spec.stage:
                    continue
                decided = latest.get(spec.name)
                if decided is not None and decided.decision == "approved":
                    continue
                if any(
                    e not in latest or latest[e].decision != "approved" for e in spec.after
                ):
                    continue
                due = deadline(session, officer.id, spec.name)
                items.append(
                    {
                        "officer": officer.ref,
                        "officer_name": officer.name,
                        "country": officer.country,
                        "version": officer.version,
                        "signoff": spec.name,
                        "label": spec.label,
                        "status": "returned" if decided is not None else "pending",
                        "last_comment": decided.comment if decided is not None else None,
                        "due": due.isoformat() if due else None,
                        "overdue": bool(due and due < now),
                    }
                )
    return sorted(items, key=lambda i: (not i["overdue"], i["due"] or "9999", i["officer"]))


def deadline(session: Session, officer_id: int, signoff: str) -> datetime | None:
    # The last "due" reminder is the one sent on the deadline itself (offset 0).
    return session.scalar(
        select(func.max(Reminder.due_at)).where(
            Reminder.officer_id == officer_id,
            Reminder.about == signoff,
            Reminder.kind == "reminder",
        )
    )


def deadlines(session: Session, officer_ids: Select[Any]) -> dict[tuple[int, str], datetime]:
    """``deadline`` for every sign-off of many officers in one query (the funder's
    reports), keyed by (officer id, sign-off name); the same rule, counted once."""
    rows = session.execute(
        select(Reminder.officer_id, Reminder.about, func.max(Reminder.due_at))
        .where(
            Reminder.officer_id.in_(officer_ids),
            Reminder.about.is_not(None),
            Reminder.kind == "reminder",
        )
        .group_by(Reminder.officer_id, Reminder.about)
    ).all()
    return {(oid, about): due for oid, about, due in rows if oid is not None and about}
