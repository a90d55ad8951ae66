"""Supervisors away and sign-offs reassigned (lifecycle.services.delegation)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status

from lifecycle.roles import Role
from lifecycle.services import delegation
from lifecycle.services.accounts import Visitor
from web.auth import api, services_of
from web.schemas import AbsenceBody, ReassignBody, RowId
from web.scope import outcome_json

router = APIRouter(tags=["supervisors"])
C, S = Role.COORDINATOR, Role.SUPERVISOR


@router.get("/absences")
def absences(
    request: Request, include_past: bool = False, who: Visitor = api(C, S)
) -> list[dict[str, Any]]:
    """Absences now or to come; a supervisor sees those they are away in or cover."""
    mine = who.email if who.role == Role.SUPERVISOR else None
    found = delegation.absences(services_of(request), mine, include_past=include_past)
    return [a.to_dict() for a in found]


@router.post("/absences", status_code=status.HTTP_201_CREATED)
def add_absence(request: Request, body: AbsenceBody, who: Visitor = api(C, S)) -> dict[str, Any]:
    """A supervisor away from a date to a date (both included) and who covers; a
    supervisor records their own, a coordinator anyone's."""
    return delegation.set_away(
        services_of(request), body.supervisor, body.starts_on, body.ends_on, body.substitute,
        actor=who.email, reason=body.reason,
    ).to_dict()


@router.delete("/absences/{absence_id}")
def cancel_absence(request: Request, absence_id: RowId, who: Visitor = api(C, S)) -> dict[str, Any]:
    return delegation.cancel_away(services_of(request), absence_id, actor=who.email).to_dict()


@router.post("/officers/{ref}/signoffs/{name}/assignee")
def reassign(
    request: Request, ref: str, name: str, body: ReassignBody, who: Visitor = api(C)
) -> dict[str, Any]:
    """Hand one pending sign-off to another supervisor, who signs on the supervisor's
    behalf; the reminders for it go to them."""
    outcome = delegation.reassign_signoff(
        services_of(request), ref, name, body.to, reason=body.reason, actor=who.email,
        expected_version=body.expected_version,
    )
    return outcome_json(outcome)
