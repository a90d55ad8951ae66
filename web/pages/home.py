"""The start page: each role lands where its work is."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from lifecycle.roles import Role
from lifecycle.services.accounts import Visitor
from web.auth import EVERYONE, page

router = APIRouter()
LANDING = {
    Role.ADMIN: "/batches",
    Role.COORDINATOR: "/batches",
    Role.SUPERVISOR: "/inbox",
    Role.OFFICER: "/me",
    Role.VIEWER: "/reports",
}


@router.get("/")
def home(request: Request, who: Visitor = page(*EVERYONE)) -> Response:
    return RedirectResponse(LANDING[who.role], status_code=303)
