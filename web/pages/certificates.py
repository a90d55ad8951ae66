"""Certificates on the web: the PDF download, the public verification page, revoking.

``/verify`` is public: whoever holds a certificate (an employer, an embassy) checks its
code without an account. It changes nothing, so it needs no CSRF token; it says only
what the certificate itself says, never whether a near-miss code exists, and asks not
to be cached or indexed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from lifecycle import certificate_pdf
from lifecycle.errors import NotFound
from lifecycle.roles import Role
from lifecycle.services import certificates
from lifecycle.services.accounts import Visitor
from web.auth import page, services_of
from web.pages.forms import done
from web.rendering import render

router = APIRouter(include_in_schema=False)
C, S, OFF = Role.COORDINATOR, Role.SUPERVISOR, Role.OFFICER
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def verify_url(request: Request, code: str) -> str:
    return str(request.url_for("verify_code", code=code))


@router.get("/officers/{ref}/certificate.pdf")
def download(request: Request, ref: str, who: Visitor = page(C, S, OFF)) -> Response:
    view = certificates.for_printing(services_of(request), ref, viewer=who.email)
    override = certificate_pdf.template_path(request.app.state.renderer.override_dir)
    document = certificate_pdf.render_pdf(
        view.details, view.code, verify_url(request, view.code), template=override
    )
    return Response(
        document,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="certificate-{view.ref}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@router.post("/officers/{ref}/certificate/revoke")
def revoke(
    request: Request,
    ref: str,
    reason: Annotated[str | None, Form(max_length=2000)] = None,
    who: Visitor = page(C),
) -> Response:
    view = certificates.revoke(services_of(request), ref, reason=reason, actor=who.email)
    return done(f"/officers/{view.ref}", f"{view.ref}: certificate {view.code} revoked")


def _answer(request: Request, code: str | None) -> Response:
    if code is None or not code.strip():
        return render(request, "certificate_verify.html", {"asked": False}, headers=PRIVATE)
    try:
        found = certificates.verify(services_of(request), code)
    except NotFound:
        return render(
            request,
            "certificate_verify.html",
            {"asked": True, "found": None},
            status_code=404,
            headers=PRIVATE,
        )
    return render(
        request, "certificate_verify.html", {"asked": True, "found": found}, headers=PRIVATE
    )


@router.get("/verify")
def verify_form(request: Request, code: str | None = None) -> Response:
    """The form (method GET), and its answer when a code is sent (any length: an
    overlong one is simply no certificate's, a 404 like any other)."""
    return _answer(request, code)


@router.get("/verify/{code}", name="verify_code")
def verify_code(request: Request, code: str) -> Response:
    return _answer(request, code)
