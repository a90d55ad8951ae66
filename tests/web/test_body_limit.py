"""Request bodies over the ceiling are refused as they arrive (413), before a route
(or Starlette's spooling of an upload to disk) takes more: nothing written, no file
stored, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI

from tests.web.conftest import World, unchanged
from tests.web.test_document_cutoff import _request, _send, _stored
from tests.web.test_documents import holder  # noqa: F401 - holder: a fixture
from web.body_limit import DEFAULT_LIMIT, BodyLimit


def _answer(sent: list[object]) -> tuple[int, dict[str, object]]:
    start = next(m for m in sent if isinstance(m, dict) and m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent
                    if isinstance(m, dict) and m["type"] == "http.response.body")
    assert isinstance(start, dict)
    return start["status"], json.loads(body)


@pytest.mark.parametrize("declared", ["true length", "no length (chunked)", "a lie"])
@pytest.mark.parametrize("where", ["api", "page"])
def test_a_body_over_the_ceiling_is_cut_off_with_413_and_nothing_kept(
    app: FastAPI, world: World, holder: str, where: str, declared: str  # noqa: F811
) -> None:
    """Ceiling 64 KB, an upload of 256 KB: refused whether it says its length, says
    none, or claims to be small."""
    path, headers, body = _request(world, holder, where)
    length = {"true length": "", "no length (chunked)": None, "a lie": "1000"}[declared]
    with unchanged(world.services):
        sent = _send(BodyLimit(app, limit=64 * 1024), path, headers, body, cut=False,
                     length=length)
    status, problem = _answer(sent)
    assert (413, "urn:attache:problem:file_too_large") == (status, problem["type"])
    assert "at most 64 KB may be sent" in str(problem["detail"])
    assert [] == _stored(world)


def test_the_app_refuses_a_declared_length_over_its_ceiling_unread(
    app: FastAPI, world: World, holder: str  # noqa: F811
) -> None:
    path, headers, body = _request(world, holder, "api")
    with unchanged(world.services):
        sent = _send(app, path, headers, body, cut=True, length=str(DEFAULT_LIMIT + 1))
    assert 413 == _answer(sent)[0]
    assert [] == _stored(world)
