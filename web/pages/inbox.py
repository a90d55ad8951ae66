"""The supervisor's inbox of sign-offs, and their absences (who covers while away)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from lifecycle.roles import Role
from lifecycle.services import delegation
from lifecycle.services.accounts import Visitor
from lifecycle.services.inbox import covers, pending_signoffs
from lifecycle.services.validation import iso_date
from web.auth import page, services_of
from web.pages.forms import done
from web.rendering import render
from web.schemas import RowId

router = APIRouter()


@router.get("/inbox")
def inbox(
    request: Request, done: str | None = None, who: Visitor = page(Role.SUPERVISOR)
) -> Response:
    return render(request, "inbox.html", {
        "items": pending_signoffs(services_of(request), who.id), "done": done,
        "covers": covers(services_of(request), who.id),
    })


@router.post("/inbox/away")
def away(
    request: Request,
    starts_on: Annotated[str, Form(max_length=20)],
    ends_on: Annotated[str, Form(max_length=20)],
    substitute: Annotated[str, Form(max_length=320)],
    reason: Annotated[str | None, Form(max_length=2000)] = None,
    who: Visitor = page(Role.SUPERVISOR),
) -> Response:
    absence = delegation.set_away(
        services_of(request), who.email, iso_date(starts_on, "from"), iso_date(ends_on, "until"),
        substitute, actor=who.email, reason=reason,
    )
    return done("/inbox", f"away {absence.starts_on:%d %b %Y} to {absence.ends_on:%d %b %Y}: "
                          f"{absence.substitute_name} covers for you")


@router.post("/inbox/away/{absence_id}/cancel")
def cancel_away(
    request: Request, absence_id: RowId, who: Visitor = page(Role.SUPERVISOR)
) -> Response:
    delegation.cancel_away(services_of(request), absence_id, actor=who.email)
    return done("/inbox", "absence cancelled: your reminders come to you again")
