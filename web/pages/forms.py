"""After a form post: back to a page, with one line saying what happened."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi.responses import RedirectResponse


def done(path: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?{urlencode({'done': message})}", status_code=303)
