"""The confirmation page behind a reminder's action link, and the post that acts.

The link is the credential (no password): GET shows what it would do and changes
nothing, because mail scanners and link previews fetch every link in a message; only
the page's button (a POST) acts. There is no session, hence no session-bound CSRF
token; the post must come from our own page (``cross_site_reason``, as at sign-in), and
a cross-site post could only do what the link's holder could do anyway. The pages ask
not to be cached, indexed, or to leak the URL in a Referer header.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from lifecycle.errors import AttacheError, Expired, InvalidData, NotFound, PermissionDenied
from lifecycle.services import action_links
from lifecycle.services.accounts import SESSION_LIFETIME
from web.auth import SESSION_COOKIE, services_of
from web.cross_site import cross_site_reason
from web.pages.surveys import PRIVATE
from web.rendering import render

router = APIRouter(include_in_schema=False)
Token = Annotated[str, Path(max_length=1000)]
REFUSALS = (NotFound, Expired, PermissionDenied)
HEADINGS = {
    "not_found": "This link does not work",
    "expired": "This link has no more to do",
    "permission_denied": "This link is not yours to use",
}


def _refused(request: Request, error: AttacheError) -> Response:
    return render(
        request,
        "survey_refused.html",
        {
            "heading": HEADINGS.get(error.kind, "This link does not work"),
            "message": error.message,
            "kind": error.kind,
        },
        status_code=error.http_status,
        headers=PRIVATE,
    )


def _confirm(
    request: Request,
    token: str,
    target: action_links.LinkedAction,
    problem: str | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "link_confirm.html",
        {"target": target, "token": token, "problem": problem},
        status_code=status,
        headers=PRIVATE,
    )


# HEAD too: link checkers and scanners ask it first; it reads like GET and acts as little.
@router.api_route("/links/{token}", methods=["GET", "HEAD"])
def confirm(request: Request, token: Token) -> Response:
    try:
        target = action_links.inspect(services_of(request), token)
    except REFUSALS as exc:
        return _refused(request, exc)
    return _confirm(request, token, target)


@router.post("/links/{token}")
def act(
    request: Request,
    token: Token,
    comment: Annotated[str | None, Form(max_length=4000)] = None,
) -> Response:
    services = services_of(request)
    refused = cross_site_reason(request)
    if refused is not None:
        return _refused(
            request,
            PermissionDenied(
                f"refused: {refused}; open the link from your e-mail and press its button"
            ),
        )
    try:
        followed = action_links.follow(services, token, comment=comment or None)
    except REFUSALS as exc:
        return _refused(request, exc)
    except InvalidData as exc:  # e.g. "returning a sign-off needs a comment"
        try:
            target = action_links.inspect(services, token)
        except REFUSALS as refusal:
            return _refused(request, refusal)
        return _confirm(request, token, target, exc.message, exc.http_status)
    if followed.signed_in is not None:
        response = RedirectResponse(followed.landing, status_code=303)
        response.set_cookie(
            SESSION_COOKIE, followed.signed_in.token,
            max_age=int(SESSION_LIFETIME.total_seconds()), httponly=True, samesite="lax",
            secure=request.app.state.secure_cookies, path="/",
        )
        return response
    return render(
        request, "link_done.html", {"target": followed.target, "message": followed.message},
        headers=PRIVATE,
    )
