"""A supervisor's inbox: the sign-offs waiting for them, most urgent first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import Officer, Placement, Reminder, User
from lifecycle.services.context import Services
from lifecycle.services.facts import latest_signoffs, workflow_of
from lifecycle.services.stand_ins import (
    assigned_to,
    covered_by_me,
    local_today,
    upcoming_absences,
)

JSONDict = dict[str, object]


def pending_signoffs(services: Services, supervisor_id: int) -> list[JSONDict]:
    """Every sign-off the supervisor can give now, with its deadline when one is planned:
    their own officers', and those they stand in for (an absent supervisor's officers, a
    sign-off reassigned to them), each marked with whom it is signed on behalf of.

    The deadline is the one the reminders planner computed (a reminder row's ``due_at``
    for that sign-off), so the inbox and the e-mails never disagree about a date.
    """
    now = services.now()
    items: list[JSONDict] = []
    with services.db.reading() as session:
        me = session.get(User, supervisor_id)
        assert me is not None
        own = session.scalars(
            select(Officer)
            .join(Placement, Placement.officer_id == Officer.id)
            .where(Placement.supervisor_id == supervisor_id, Placement.ended_at.is_(None))
            .order_by(Officer.ref)
        ).all()
        asked: list[tuple[Officer, str | None, bool]] = [(o, None, False) for o in own]
        asked += [(o, only, True) for o, only in covered_by_me(session, me, now)]
        for officer, only, standing_in in asked:
            definition = workflow_of(services, officer).definition
            latest = latest_signoffs(repo.signoffs(session, officer))
            placement = repo.open_placement(session, officer)
            assert placement is not None
            for spec in definition.signoffs:
                if officer.state != spec.stage or (only is not None and spec.name != only):
                    continue
                decided = latest.get(spec.name)
                if decided is not None and decided.decision == "approved":
                    continue
                if any(
                    e not in latest or latest[e].decision != "approved" for e in spec.after
                ):
                    continue
                assignee = assigned_to(session, placement, spec.name)
                if standing_in and only is None and assignee is not None:
                    continue  # reassigned: its assignee signs it, not the absence's cover
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
                        "on_behalf_of": placement.supervisor.name if standing_in else None,
                        "reassigned_to": (
                            assignee.name
                            if not standing_in and assignee is not None and assignee.id != me.id
                            else None
                        ),
                    }
                )
    return sorted(items, key=lambda i: (not i["overdue"], i["due"] or "9999", i["officer"]))


def covers(services: Services, user_id: int) -> list[JSONDict]:
    """What the inbox says about absences: who covers for this supervisor (an absence
    now or to come), and for whom they cover, with the dates."""
    now = services.now()
    with services.db.reading() as session:
        me = session.get(User, user_id)
        assert me is not None
        notes: list[JSONDict] = []
        for absence in upcoming_absences(session, me, now):
            mine = absence.supervisor_id == me.id
            other = absence.substitute if mine else absence.supervisor
            notes.append(
                {
                    "id": absence.id,
                    "kind": "covered_by" if mine else "covering_for",
                    "name": other.name,
                    "email": other.email,
                    "from": absence.starts_on.isoformat(),
                    "until": absence.ends_on.isoformat(),
                    "now": absence.starts_on <= local_today(absence.supervisor, now),
                }
            )
        return notes


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
