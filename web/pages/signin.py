"""Sign in and sign out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from lifecycle.errors import NotSignedIn, TooManyAttempts
from lifecycle.services import accounts
from lifecycle.services.accounts import SESSION_LIFETIME, Visitor
from web.auth import EVERYONE, SESSION_COOKIE, page, safe_local_path, services_of
from web.cross_site import cross_site_reason
from web.rendering import render

router = APIRouter()


@router.get("/signin")
def signin_form(request: Request, next: str | None = None) -> Response:
    return render(request, "signin.html", {"next": safe_local_path(next), "email": ""})


@router.post("/signin")
def signin(
    request: Request,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=500)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    # Checked before the password, so a forged post never counts as a failed attempt
    # either: another site cannot lock a coordinator out by posting wrong passwords.
    refused = cross_site_reason(request)
    if refused is not None:
        return render(
            request, "signin.html",
            {"next": safe_local_path(next), "email": "",
             "error": f"sign-in refused: {refused}; open Attache's own sign-in page and "
                      "sign in there"},
            status_code=403,
        )
    try:
        signed = accounts.sign_in(services_of(request), email, password)
    except (NotSignedIn, TooManyAttempts) as exc:
        headers = (
            {"Retry-After": str(exc.retry_after_seconds)}
            if isinstance(exc, TooManyAttempts) else None
        )
        return render(
            request, "signin.html",
            {"next": safe_local_path(next), "email": email, "error": exc.message},
            status_code=exc.http_status, headers=headers,
        )
    response = RedirectResponse(safe_local_path(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, signed.token, max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True, samesite="lax", secure=request.app.state.secure_cookies, path="/",
    )
    return response


@router.post("/signout")
def signout(request: Request, _: Visitor = page(*EVERYONE)) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.sign_out(services_of(request), token)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
