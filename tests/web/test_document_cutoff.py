"""An upload whose connection drops half-way through the file, sent to the ASGI app as
a server would pass it on (the body in pieces, then ``http.disconnect``): no row, no
file in the store, on SQLite and PostgreSQL. The console's form and the API alike."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from anyio.from_thread import start_blocking_portal
from fastapi import FastAPI

from lifecycle.document_store import DirectoryStore
from lifecycle.roles import Role
from tests.web.conftest import World, unchanged
from tests.web.test_documents import PDF, holder  # noqa: F401 - holder: a fixture
from web.auth import CSRF_FIELD, SESSION_COOKIE

BOUNDARY = "attache-cut-off-boundary"


def _multipart(fields: dict[str, str], content: bytes) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        .encode() for name, value in fields.items()
    ]
    head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            'filename="visa.pdf"\r\nContent-Type: application/pdf\r\n\r\n').encode()
    return b"".join(parts) + head + content + f"\r\n--{BOUNDARY}--\r\n".encode()


def _send(
    app: Any, path: str, headers: dict[str, str], body: bytes, *, cut: bool,
    length: str | None = "",
) -> list[Any]:
    """Send ``body`` in pieces; if ``cut``, only its first half, then the client goes
    away (what uvicorn passes on when the connection drops). ``length``: the declared
    Content-Length ("" the true one, None none: a chunked body)."""
    half = len(body) // 2
    pieces: list[dict[str, Any]] = [
        {"type": "http.request", "body": body[: half // 2], "more_body": True},
        {"type": "http.request", "body": body[half // 2 : half], "more_body": True},
        {"type": "http.disconnect"} if cut
        else {"type": "http.request", "body": body[half:], "more_body": False},
    ]
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        if pieces:
            return pieces.pop(0)
        await asyncio.sleep(3600)  # a disconnected client sends nothing more
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
        "query_string": b"", "root_path": "", "server": ("testserver", 80),
        "client": ("127.0.0.1", 50000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in {
            "host": "testserver", "content-type": f"multipart/form-data; boundary={BOUNDARY}",
            **({} if length is None else {"content-length": length or str(len(body))}),
            **headers,
        }.items()],
    }  # fmt: skip

    async def run() -> None:
        try:
            await asyncio.wait_for(app(scope, receive, send), timeout=30)
        except Exception as exc:  # a server logs it; what matters is what stayed behind
            sent.append(exc)

    # In a thread of its own, as a server would run it: a test before this one (the
    # browser's, Playwright's sync API) may have left an event loop running in this one.
    with start_blocking_portal() as portal:
        portal.call(run)
    return sent


def _stored(world: World) -> list[Path]:
    store = world.services.documents
    assert isinstance(store, DirectoryStore)
    return sorted(p for p in store.root.rglob("*") if p.is_file())


def _request(world: World, ref: str, where: str) -> tuple[str, dict[str, str], bytes]:
    content = PDF + bytes(256 * 1024)  # big enough to arrive in pieces
    if where == "api":
        path = f"/api/officers/{ref}/documents/visa"
        token = world.seed.tokens[Role.COORDINATOR]
        headers, fields = {"authorization": f"Bearer {token}"}, {}
    else:
        path = f"/officers/{ref}/documents/visa"
        signed = world.session(Role.COORDINATOR)
        headers = {"cookie": f"{SESSION_COOKIE}={signed.token}", "origin": "http://testserver"}
        fields = {CSRF_FIELD: signed.csrf}
    return path, headers, _multipart(fields, content)


@pytest.mark.parametrize("where", ["api", "page"])
def test_an_upload_cut_off_mid_file_leaves_no_row_and_no_file(
    app: FastAPI, world: World, holder: str, where: str  # noqa: F811
) -> None:
    path, headers, body = _request(world, holder, where)
    with unchanged(world.services):
        sent = _send(app, path, headers, body, cut=True)
    statuses = [m["status"] for m in sent if isinstance(m, dict) and "status" in m]
    assert all(status < 300 or status >= 400 for status in statuses), sent
    assert [] == _stored(world)


@pytest.mark.parametrize("where", ["api", "page"])
def test_the_same_upload_sent_whole_is_taken(
    app: FastAPI, world: World, holder: str, where: str  # noqa: F811
) -> None:
    """The control: the request above is a good one, refused only for being cut off."""
    path, headers, body = _request(world, holder, where)
    sent = _send(app, path, headers, body, cut=False)
    statuses = [m["status"] for m in sent if isinstance(m, dict) and "status" in m]
    assert statuses and statuses[0] in (200, 201, 303), sent
    assert 1 == len(_stored(world))
