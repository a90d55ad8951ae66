"""Who may see whom: the one place the console and the API ask.

Coordinators and admins see every officer. A supervisor sees the officers placed with
them, now or before (they wrote the sign-offs in that history). An officer sees only
their own record. A viewer sees aggregate reports, never a person.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from lifecycle.errors import PermissionDenied
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import Officer, Placement
from lifecycle.roles import Role

STAFF = (Role.ADMIN, Role.COORDINATOR)


def may_see(session: Session, role: Role, user_id: int, email: str, officer: Officer) -> bool:
    if role in STAFF:
        return True
    if role == Role.OFFICER:
        return officer.email == email
    if role == Role.SUPERVISOR:
        placed_with_them = exists().where(
            Placement.officer_id == officer.id, Placement.supervisor_id == user_id
        )
        return bool(session.scalar(select(placed_with_them)))
    return False


def visible_officer(
    session: Session, role: Role, user_id: int, email: str, officer_ref: str
) -> Officer:
    """The officer if this user may see them; else PermissionDenied (403)."""
    officer = repo.officer_by_ref(session, officer_ref)
    if not may_see(session, role, user_id, email, officer):
        raise PermissionDenied(f"{email} ({role}) may not see officer {officer.ref}")
    return officer
