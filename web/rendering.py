"""Server-rendered pages: one Jinja2 environment, autoescaped, with the page helpers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from web.auth import CSRF_FIELD

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def local_time(value: str | datetime | None, zone: str, fmt: str = "%d %b %Y %H:%M") -> str:
    """Stored UTC, shown in the reader's zone: the one conversion every page uses."""
    if value is None or value == "":
        return ""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{instant.astimezone(ZoneInfo(zone)):{fmt}}"


templates.env.filters["local"] = local_time


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    visitor = getattr(request.state, "visitor", None)
    values = {
        "visitor": visitor,
        "csrf_field": CSRF_FIELD,
        "csrf_token": visitor.csrf if visitor is not None else "",
        "zone": visitor.timezone if visitor is not None else "Asia/Jakarta",
        **(context or {}),
    }
    return templates.TemplateResponse(
        request, name, values, status_code=status_code, headers=headers
    )
