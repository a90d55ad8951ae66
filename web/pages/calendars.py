"""Calendar feeds: the public .ics a calendar app polls, and the forms that make and kill one.

The .ics route has no sign-in: calendar apps cannot sign in, so the token in the URL is
the credential. A revoked or unknown token answers a bare 404, saying nothing about which.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from lifecycle.errors import InvalidData, NotFound
from lifecycle.roles import Role
from lifecycle.services import calendars
from lifecycle.services.accounts import Visitor
from web.auth import EVERYONE, page, services_of
from web.pages.forms import done
from web.rendering import render
from web.schemas import RowId

router = APIRouter()
C, S, OFF = Role.COORDINATOR, Role.SUPERVISOR, Role.OFFICER
ICS = "text/calendar; charset=utf-8"


@router.get("/calendars/{token}.ics")
def feed(request: Request, token: str) -> Response:
    try:
        document = calendars.calendar_for_token(services_of(request), token)
    except NotFound:
        return Response(b"Not Found", status_code=404, media_type="text/plain")
    return Response(document, media_type=ICS, headers={"Cache-Control": "no-store"})


def _own(visitor: Visitor) -> tuple[str, str]:
    if visitor.role == S:
        return "supervisor", visitor.email
    if visitor.role == OFF:
        return "officer", visitor.email
    raise InvalidData("say which calendar: kind (officer, supervisor or batch) and ref")


def _created(request: Request, visitor: Visitor, kind: str, ref: str) -> Response:
    services = services_of(request)
    token = calendars.create_feed(services, kind, ref, actor=visitor.email)
    # Shown once, on this response only: it is stored as a hash and cannot be shown again.
    return render(request, "account.html", {
        "done": None, "token": None, "feeds": calendars.my_feeds(services, actor=visitor.email),
        "calendar_url": str(request.base_url).rstrip("/") + f"/calendars/{token}.ics",
    })


@router.post("/account/calendars")
def create(
    request: Request,
    who: Visitor = page(C, S, OFF),
    kind: Annotated[str | None, Form(max_length=16)] = None,
    ref: Annotated[str | None, Form(max_length=320)] = None,
) -> Response:
    """Without a kind, the visitor's own calendar (a supervisor's or an officer's)."""
    if not kind:
        kind, ref = _own(who)
    return _created(request, who, kind, ref or "")


@router.post("/batches/{ref}/calendars")
def create_for_batch(request: Request, ref: str, who: Visitor = page(C)) -> Response:
    return _created(request, who, "batch", ref)


@router.post("/account/calendars/{feed_id}/revoke")
def revoke(request: Request, feed_id: RowId, who: Visitor = page(*EVERYONE)) -> Response:
    calendars.revoke_feed(services_of(request), feed_id, actor=who.email)
    return done("/account", f"calendar feed {feed_id} revoked; its URL no longer opens")
