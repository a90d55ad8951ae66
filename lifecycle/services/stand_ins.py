"""Who stands in for an officer's supervisor now: read by a sign-off, an action link and
the inbox (the use cases that record absences and reassignments are in
lifecycle.services.delegation)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from lifecycle.persistence.tables import (
    Officer,
    Placement,
    SignoffAssignment,
    SupervisorAbsence,
    User,
)


def local_today(user: User, now: datetime) -> date:
    """The date where ``user`` is: an absence's days are the absent person's days."""
    return now.astimezone(ZoneInfo(user.timezone)).date()


def assigned_to(session: Session, placement: Placement, name: str) -> User | None:
    """The supervisor a coordinator last handed the sign-off to, if anyone."""
    row = session.scalars(
        select(SignoffAssignment)
        .where(SignoffAssignment.placement_id == placement.id, SignoffAssignment.name == name)
        .order_by(SignoffAssignment.id.desc())
        .limit(1)
    ).first()
    return row.assignee if row is not None else None


def covering(session: Session, supervisor: User, now: datetime) -> SupervisorAbsence | None:
    """The absence of ``supervisor`` that covers today, if they are away."""
    day = local_today(supervisor, now)
    return session.scalars(
        select(SupervisorAbsence).where(
            SupervisorAbsence.supervisor_id == supervisor.id,
            SupervisorAbsence.cancelled_at.is_(None),
            SupervisorAbsence.starts_on <= day,
            SupervisorAbsence.ends_on >= day,
        )
    ).first()


def stand_in(session: Session, placement: Placement, name: str, now: datetime) -> User | None:
    """Who may sign ``name`` for the placement's supervisor now: the assignee of a
    reassignment, else the substitute of an absence covering today, else nobody."""
    assignee = assigned_to(session, placement, name)
    if assignee is not None:
        return assignee
    absence = covering(session, placement.supervisor, now)
    return absence.substitute if absence is not None else None


def covered_by_me(session: Session, user: User, now: datetime) -> list[tuple[Officer, str | None]]:
    """The officers whose sign-offs ``user`` stands in for now, each with the one sign-off
    reassigned to them (None: every sign-off, for an absent supervisor)."""
    found: list[tuple[Officer, str | None]] = []
    for absence in session.scalars(
        select(SupervisorAbsence).where(
            SupervisorAbsence.substitute_id == user.id, SupervisorAbsence.cancelled_at.is_(None)
        )
    ):
        if absence.starts_on <= local_today(absence.supervisor, now) <= absence.ends_on:
            found += [(o, None) for o in supervised(session, absence.supervisor_id)]
    # This user's assignments on open placements that no later one has replaced.
    later = SignoffAssignment.__table__.alias("later")
    replaced = exists().where(
        later.c.placement_id == SignoffAssignment.placement_id,
        later.c.name == SignoffAssignment.name,
        later.c.id > SignoffAssignment.id,
    )
    rows = session.execute(
        select(Officer, SignoffAssignment.name)
        .join(SignoffAssignment, SignoffAssignment.officer_id == Officer.id)
        .join(Placement, Placement.id == SignoffAssignment.placement_id)
        .where(
            SignoffAssignment.assignee_id == user.id,
            Placement.ended_at.is_(None),
            ~replaced,
        )
        .order_by(Officer.ref, SignoffAssignment.name)
    )
    found += [(officer, name) for officer, name in rows]
    return found


def upcoming_absences(session: Session, user: User, now: datetime) -> list[SupervisorAbsence]:
    """Absences, not cancelled and not over, in which ``user`` is away or covers."""
    rows = session.scalars(
        select(SupervisorAbsence)
        .where(
            (SupervisorAbsence.supervisor_id == user.id)
            | (SupervisorAbsence.substitute_id == user.id),
            SupervisorAbsence.cancelled_at.is_(None),
        )
        .order_by(SupervisorAbsence.starts_on)
    )
    return [a for a in rows if a.ends_on >= local_today(a.supervisor, now)]


def supervised(session: Session, supervisor_id: int) -> list[Officer]:
    """The officers in an open placement with the supervisor, by ref."""
    return list(
        session.scalars(
            select(Officer)
            .join(Placement, Placement.officer_id == Officer.id)
            .where(Placement.supervisor_id == supervisor_id, Placement.ended_at.is_(None))
            .order_by(Officer.ref)
        )
    )
