"""Certificates in the API: one officer's (scoped like the officer), and public verification."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from lifecycle.roles import Role
from lifecycle.services import certificates
from lifecycle.services.accounts import Visitor
from web.auth import api, services_of

router = APIRouter(tags=["certificates"])
C, S, OFF = Role.COORDINATOR, Role.SUPERVISOR, Role.OFFICER


@router.get("/officers/{ref}/certificate")
def get_certificate(request: Request, ref: str, who: Visitor = api(C, S, OFF)) -> dict[str, object]:
    return certificates.certificate_for(services_of(request), ref, viewer=who.email).to_dict()


@router.get("/certificates/verify/{code}")
def verify(request: Request, code: str, response: Response) -> dict[str, str]:
    """Public, like the verification page: the code is what a reader of the certificate has.

    404 for a code no certificate has; ``status`` is ``valid`` or ``revoked``.
    """
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return certificates.verify(services_of(request), code).to_dict()
