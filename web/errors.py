"""Every user error, answered once: RFC 9457 problem JSON on /api, a page elsewhere.

The services raise ``AttacheError`` subclasses whose ``http_status`` is the mapping;
nothing here decides a status by itself except for FastAPI's own validation errors.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from lifecycle.errors import AttacheError, TooManyAttempts
from web.auth import PageSignInNeeded
from web.rendering import render

PROBLEM = "application/problem+json"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def problem(status: int, kind: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": f"urn:attache:problem:{kind}", "title": kind.replace("_", " "),
            "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


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
            query = f"?{request.url.query}" if request.url.query else ""
            target = quote(request.url.path + query)
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
