"""Every user error, answered once: RFC 9457 problem JSON on /api, a page elsewhere.

The services raise ``AttacheError`` subclasses whose ``http_status`` is the mapping;
nothing here decides a status by itself except for FastAPI's own validation errors.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from lifecycle.errors import AttacheError, TooManyAttempts
from web.auth import PageSignInNeeded, safe_local_path
from web.rendering import render

PROBLEM = "application/problem+json"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


# What the OpenAPI document says every API operation may answer: the body ``problem``
# builds, with the kind's extras (``fields``, ``missing``, ``allowed_triggers``...).
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "urn:attache:problem:<kind>"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "one line to show the user"},
    },
    "additionalProperties": True,
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": description, "content": {PROBLEM: {"schema": PROBLEM_SCHEMA}}}
    for status, description in [
        (400, "Not possible from where the officer is now (illegal trigger, failed guard)"),
        (401, "No valid API token"),
        (403, "The token's user may not do this"),
        (404, "No such officer, batch, template..."),
        (409, "Changed by someone else first, or already exists"),
        (422, "Invalid data"),
    ]
}


def problem(status: int, kind: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": f"urn:attache:problem:{kind}", "title": kind.replace("_", " "),
            "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _come_back_to(request: Request) -> str:
    """Where to return after signing in: the page asked for, or, when a form was posted
    (the session ended meanwhile), the page the form was on; a form's address answers
    only POST, and the post itself cannot be replayed safely."""
    if request.method in ("GET", "HEAD"):
        query = f"?{request.url.query}" if request.url.query else ""
        return request.url.path + query
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc not in ("", request.url.netloc):
        return "/"
    return safe_local_path(referer.path + (f"?{referer.query}" if referer.query else ""))


def install(app: FastAPI) -> None:
    @app.exception_handler(AttacheError)
    async def attache_error(request: Request, exc: AttacheError) -> Response:
        headers = {}
        if isinstance(exc, TooManyAttempts):
            headers["Retry-After"] = str(exc.retry_after_seconds)
        if _is_api(request):
            data = exc.to_dict()
            data.pop("message", None)
            data.pop("error", None)
            response = problem(exc.http_status, exc.kind, exc.message, **data)
            response.headers.update(headers)
            return response
        if isinstance(exc, PageSignInNeeded):
            target = quote(_come_back_to(request))
            return RedirectResponse(f"/signin?next={target}", status_code=303)
        return render(request, "error.html", {"message": exc.message, "kind": exc.kind},
                      status_code=exc.http_status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        fields = {
            ".".join(str(p) for p in error["loc"] if p != "body"): error["msg"]
            for error in exc.errors()
        }
        detail = "; ".join(f"{k}: {v}" for k, v in fields.items()) or "invalid request"
        if _is_api(request):
            return problem(422, "invalid_data", detail, fields=fields)
        return render(request, "error.html", {"message": detail, "kind": "invalid_data"},
                      status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        detail = str(exc.detail)
        if _is_api(request):
            return problem(exc.status_code, "http_error", detail)
        return render(request, "error.html", {"message": detail, "kind": "http_error"},
                      status_code=exc.status_code)
