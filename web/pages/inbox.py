"""The supervisor's inbox of sign-offs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lifecycle.roles import Role
from lifecycle.services.accounts import Visitor
from lifecycle.services.inbox import covers, pending_signoffs
from web.auth import page, services_of
from web.rendering import render

router = APIRouter()


@router.get("/inbox")
def inbox(
    request: Request, done: str | None = None, who: Visitor = page(Role.SUPERVISOR)
) -> Response:
    return render(request, "inbox.html", {
        "items": pending_signoffs(services_of(request), who.id), "done": done,
        "covers": covers(services_of(request), who.id),
    })
