"""A ceiling on every request body, counted as it arrives.

Starlette spools a multipart upload to a temporary file before a route sees it, so
the routes' own limits (a checklist item's ``max_mb``) come too late to stop a client
streaming gigabytes onto the server's disk. This middleware refuses a declared
Content-Length over the ceiling before reading anything, and cuts a body (chunked, or
lying about its length) off the moment it passes it: the route never runs, 413.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lifecycle.document_types import size_label
from web.errors import problem

# The largest document any definition may reasonably ask for, plus room for the rest
# of a multipart form (the CSRF field, the expiry, the part headers).
DEFAULT_LIMIT = 100 * 1024 * 1024 + 1024 * 1024


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int = DEFAULT_LIMIT) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await self._refuse(scope, send)
            return
        state: dict[str, Any] = {"seen": 0, "over": False, "started": False}

        async def counted() -> Message:
            if state["over"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["seen"] += len(message.get("body", b""))
                if state["seen"] > self.limit:
                    state["over"] = True  # the app sees a client gone: it writes nothing
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            if state["over"]:
                return  # whatever the app makes of the "disconnect", ours is the answer
            state["started"] = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not state["over"]:
                raise
        if state["over"] and not state["started"]:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        response = problem(
            413, "file_too_large",
            f"the request is too large: at most {size_label(self.limit)} may be sent",
        )  # fmt: skip
        await response(scope, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
