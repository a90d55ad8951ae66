"""A home ministry's page: its nominations for one batch, and the form to nominate.

The signed invitation link is the focal point's credential (no account), as for the
survey and action links: no session, so no session-bound CSRF token; the post must come
from our own page (``cross_site_reason``), and the link itself is unguessable. The page
asks not to be cached, indexed, or to leak its URL in a Referer header.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import Response

from lifecycle.errors import (
    AttacheError,
    Conflict,
    Expired,
    InvalidData,
    NotFound,
    PermissionDenied,
)
from lifecycle.services import nominations
from web.auth import services_of
from web.cross_site import cross_site_reason
from web.documents import read_document
from web.pages.forms import done
from web.pages.surveys import PRIVATE
from web.rendering import render

router = APIRouter(include_in_schema=False)
Token = Annotated[str, Path(max_length=1000)]
REFUSALS = (NotFound, Expired)
HEADINGS = {"not_found": "This link does not work", "expired": "This invitation has ended"}


def _refused(request: Request, error: AttacheError) -> Response:
    return render(
        request, "survey_refused.html",
        {"heading": HEADINGS.get(error.kind, "This link does not work"),
         "message": error.message, "kind": error.kind},
        status_code=error.http_status, headers=PRIVATE,
    )


def _page(
    request: Request, token: str, problem: str | None = None, values: dict[str, str] | None = None,
    status: int = 200, done_message: str | None = None,
) -> Response:
    try:
        page = nominations.ministry_page(services_of(request), token)
    except REFUSALS as exc:
        return _refused(request, exc)
    return render(
        request, "nominate.html",
        # "done": the layout's one line saying what the last post did.
        {"page": page, "token": token, "problem": problem, "values": values or {},
         "done": done_message},
        status_code=status, headers=PRIVATE,
    )


@router.get("/nominate/{token}")
def ministry(request: Request, token: Token, done: str | None = None) -> Response:
    return _page(request, token, done_message=done)


@router.post("/nominate/{token}")
def nominate(
    request: Request,
    token: Token,
    name: Annotated[str | None, Form(max_length=400)] = None,
    position: Annotated[str | None, Form(max_length=400)] = None,
    ministry: Annotated[str | None, Form(max_length=600)] = None,
    email: Annotated[str | None, Form(max_length=320)] = None,
    country: Annotated[str | None, Form(max_length=40)] = None,
    batch: Annotated[str | None, Form(max_length=40)] = None,
    cv: Annotated[UploadFile | None, File()] = None,
) -> Response:
    values = {"name": name or "", "position": position or "", "ministry": ministry or "",
              "email": email or ""}
    refused = cross_site_reason(request)
    if refused is not None:
        error = PermissionDenied(f"refused: {refused}; open the invitation link and nominate there")
        return _page(request, token, error.message, values, error.http_status)
    try:
        outcome = nominations.submit(
            services_of(request), token, name=name, ministry=ministry, email=email,
            position=position or None, country=country, batch=batch,
            cv=(cv.filename or "cv", read_document(cv, nominations.CV_MAX_BYTES))
            if cv is not None and cv.filename else None,
        )
    except REFUSALS as exc:
        return _refused(request, exc)
    except (InvalidData, Conflict, PermissionDenied) as exc:
        return _page(request, token, exc.message, values, exc.http_status)
    return done(str(request.url.path), outcome.message)
