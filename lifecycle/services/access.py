"""Who may see whom: the one place the console and the API ask.

Coordinators and admins see every officer. A supervisor sees the officers placed with
them, now or before (they wrote the sign-offs in that history), and those they stand in
for: a sign-off reassigned to them, an absent supervisor's officers while the absence
lasts (asked with ``today``), and any officer they signed a sign-off for. An officer
sees only their own record. A viewer sees aggregate reports, never a person.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from lifecycle.errors import PermissionDenied
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import (
    Officer,
    Placement,
    Signoff,
    SignoffAssignment,
    SupervisorAbsence,
)
from lifecycle.roles import Role

STAFF = (Role.ADMIN, Role.COORDINATOR)


def may_see(
    session: Session,
    role: Role,
    user_id: int,
    email: str,
    officer: Officer,
    today: date | None = None,
) -> bool:
    if role in STAFF:
        return True
    if role == Role.OFFICER:
        return officer.email == email
    if role == Role.SUPERVISOR:
        reasons = [
            exists().where(Placement.officer_id == officer.id, Placement.supervisor_id == user_id),
            exists().where(Signoff.officer_id == officer.id, Signoff.signer_id == user_id),
            exists().where(
                SignoffAssignment.officer_id == officer.id,
                SignoffAssignment.assignee_id == user_id,
                SignoffAssignment.placement_id == Placement.id,
                Placement.ended_at.is_(None),
            ),
        ]
        if today is not None:  # a day either side: the absence is counted in its own zone
            reasons.append(exists().where(
                Placement.officer_id == officer.id,
                Placement.ended_at.is_(None),
                SupervisorAbsence.supervisor_id == Placement.supervisor_id,
                SupervisorAbsence.substitute_id == user_id,
                SupervisorAbsence.cancelled_at.is_(None),
                SupervisorAbsence.starts_on <= date.fromordinal(today.toordinal() + 1),
                SupervisorAbsence.ends_on >= date.fromordinal(today.toordinal() - 1),
            ))  # fmt: skip
        return bool(session.scalar(select(or_(*reasons))))
    return False


def visible_officer(
    session: Session,
    role: Role,
    user_id: int,
    email: str,
    officer_ref: str,
    today: date | None = None,
) -> Officer:
    """The officer if this user may see them; else PermissionDenied (403). ``today``
    lets a substitute see an absent supervisor's officers while the absence lasts."""
    officer = repo.officer_by_ref(session, officer_ref)
    if not may_see(session, role, user_id, email, officer, today):
        raise PermissionDenied(f"{email} ({role}) may not see officer {officer.ref}")
    return officer
