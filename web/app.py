"""The ASGI application: pages, the API, static files, and (optionally) the scheduler.

FastAPI because the API's OpenAPI document comes from the same typed route signatures
that serve it, and Starlette's Jinja2 support renders the pages with the templates
engine the rest of Attache already uses; both are served by one process.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from lifecycle.services import Services
from notifications.rendering import TemplateRenderer
from web import api, errors, pages
from web.api import alumni as alumni_api
from web.api import certificates as certificate_api
from web.body_limit import BodyLimit
from web.pages import alumni as alumni_pages
from web.pages import certificates as certificate_pages
from web.pages import surveys as survey_pages
from web.security_headers import SecurityHeaders

STATIC = Path(__file__).parent / "static"


def create_app(
    services: Services, renderer: TemplateRenderer, *, secure_cookies: bool = False
) -> FastAPI:
    """``secure_cookies`` marks the session cookie Secure: on behind HTTPS, off on
    plain-HTTP loopback, where browsers would otherwise drop the cookie."""
    app = FastAPI(
        title="Attache",
        summary="Workflow engine for the ASEAN Secretariat's Attachment Programme",
        version="0.2.0",
        docs_url=None,  # Swagger UI loads from a CDN; the JSON document is what we serve
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.services = services
    app.state.renderer = renderer
    app.state.secure_cookies = secure_cookies
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit)  # outermost: before anything reads the body
    errors.install(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(certificate_api.router, prefix="/api", responses=errors.PROBLEM_RESPONSES)
    app.include_router(certificate_pages.router)
    app.include_router(alumni_api.router, prefix="/api", responses=errors.PROBLEM_RESPONSES)
    app.include_router(alumni_pages.router, include_in_schema=False)
    app.include_router(survey_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
