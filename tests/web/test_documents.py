"""Documents on checklist items through the ASGI app, on SQLite and PostgreSQL: upload
by content type and size, history, expiry, who may download; every refusal changes no
row and leaves no file in the store."""

from __future__ import annotations

import struct
import zlib
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lifecycle.definition import parse_definition
from lifecycle.document_store import DirectoryStore
from lifecycle.errors import InvalidData
from lifecycle.roles import Role
from lifecycle.services import accounts, documents, setup
from lifecycle.services import officers as act
from tests.support import COORDINATOR, SUPERVISOR
from tests.web.conftest import (
    PASSWORD,
    World,
    form_with_csrf,
    session_cookie,
    unchanged,
    walk_to_placement,
)
from workflows.loader import DefinitionFile

V2 = Path(__file__).parents[1] / "definitions" / "documents" / "junior-diplomats.v2.yaml"
HOLDER = "doc.holder@mfa.example"
STUDY_VISIT = date(2023, 11, 6)  # a passport must be valid until 2024-05-04


def png() -> bytes:
    """A real 1x1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)


@pytest.fixture
def holder(world: World, tmp_path: Path) -> str:
    """An officer on the documents definition, in placement, who can sign in."""
    world.services.documents = DirectoryStore(tmp_path / "store")
    text = V2.read_text(encoding="utf-8")
    setup.publish_definitions(world.services, [
        DefinitionFile("tests/junior-diplomats.v2.yaml", text, parse_definition(text, "v2"))
    ])
    setup.set_milestone(world.services, "JD17", "study_visit", STUDY_VISIT, actor=COORDINATOR)
    ref = setup.nominate(
        world.services, batch="JD17", name="Nguyễn Văn Bình", country="KH",
        ministry="Ministry of Foreign Affairs", email=HOLDER, actor=COORDINATOR,
    ).ref
    walk_to_placement(world.services, ref, SUPERVISOR)
    setup.add_user(world.services, name="Nguyễn Văn Bình", email=HOLDER, role="officer")
    accounts.set_password(world.services, HOLDER, PASSWORD)
    return ref


def stored_files(world: World) -> list[str]:
    store = world.services.documents
    assert isinstance(store, DirectoryStore)
    return sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file())


def ticked(world: World, ref: str) -> set[str]:
    from lifecycle.services.views import officer_detail

    return {i["key"] for c in officer_detail(world.services, ref)["checklist"]
            for i in c["items"] if i["ticked"]}


def test_an_officer_uploads_their_passport_and_it_ticks_the_item(
    world: World, client: TestClient, holder: str
) -> None:
    me = accounts.sign_in(world.services, HOLDER, PASSWORD)
    page = client.get(f"/officers/{holder}", headers=session_cookie(me))
    assert 'data-testid="document-passport"' in page.text
    sent = client.post(
        f"/officers/{holder}/documents/passport", headers=session_cookie(me),
        data=form_with_csrf(me, expires="2028-01-31"),
        files={"file": ("passport scan.png", png(), "application/octet-stream")},
    )
    assert sent.status_code == 303, sent.text
    assert "passport" in ticked(world, holder)
    got = client.get(f"/officers/{holder}/documents/passport", headers=session_cookie(me))
    assert got.status_code == 200 and got.content == png()
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("attachment")
    coordinator = client.get(f"/api/officers/{holder}/documents/passport",
                             headers=world.bearer(Role.COORDINATOR))
    assert coordinator.content == png()
    for role in (Role.SUPERVISOR, Role.VIEWER):
        refused = client.get(f"/api/officers/{holder}/documents/passport",
                             headers=world.bearer(role))
        assert refused.status_code in (403, 404)
    other = client.get(f"/api/officers/{holder}/documents/passport",
                       headers=world.bearer(Role.OFFICER))  # another officer's login
    assert other.status_code in (403, 404)


def test_uploading_again_replaces_and_keeps_the_history(
    world: World, client: TestClient, holder: str
) -> None:
    for content in (PDF, PDF + b"% renewed\n"):
        documents.upload(world.services, holder, "visa", content, filename="visa.pdf",
                         actor=COORDINATOR)
    [visa] = [d for d in documents.documents(world.services, holder, actor=COORDINATOR)
              if d.item == "visa"]
    assert visa.current is not None and len(visa.history) == 1
    old = documents.download(world.services, holder, "visa", actor=COORDINATOR,
                             document_id=visa.history[0].id)
    assert old.content == PDF
    listed = client.get(f"/api/officers/{holder}/documents", headers=world.bearer(Role.COORDINATOR))
    assert [d["item"] for d in listed.json()] == ["passport", "visa", "itinerary", "visit_report"]
    assert len(stored_files(world)) == 2


def test_a_passport_that_runs_out_too_early_keeps_the_checklist_open(
    world: World, holder: str
) -> None:
    outcome = documents.upload(world.services, holder, "passport", png(), filename="p.png",
                               actor=COORDINATOR, expires_on=date(2024, 3, 1))
    assert "must be valid until 2024-05-04 (180 days after study visit)" in outcome.message
    assert "passport" not in ticked(world, holder)
    with pytest.raises(InvalidData, match="must be valid until 2024-05-04"):
        act.tick(world.services, holder, "passport", actor=COORDINATOR)


@pytest.mark.parametrize(
    ("item", "content", "name", "expires", "status", "kind", "says"),
    [
        ("itinerary", PDF + bytes(6 * 1024 * 1024), "big.pdf", None, 413, "file_too_large",
         "too large"),
        ("visa", EXE, "visa.pdf", None, 415, "unsupported_file_type", "by its content"),
        ("visa", b"", "visa.pdf", None, 422, "invalid_data", "is empty"),
        ("passport", PDF, "p.pdf", "2023-01-01", 422, "invalid_data", "in the past"),
        ("passport", PDF, "p.pdf", None, 422, "invalid_data", "needs its expiry date"),
        ("rules_briefing", PDF, "x.pdf", None, 422, "invalid_data", "takes a document"),
    ],
    ids=["too-large", "exe-renamed", "empty", "expired", "no-expiry", "not-an-upload-item"],
)
def test_a_refused_upload_changes_nothing_and_stores_nothing(
    world: World, client: TestClient, holder: str, item: str, content: bytes, name: str,
    expires: str | None, status: int, kind: str, says: str,
) -> None:
    before = stored_files(world)
    with unchanged(world.services):
        refused = client.post(
            f"/api/officers/{holder}/documents/{item}", headers=world.bearer(Role.COORDINATOR),
            data={"expires": expires} if expires else {},
            files={"file": (name, content, "application/pdf")},
        )
    assert refused.status_code == status, refused.text
    assert refused.json()["type"] == f"urn:attache:problem:{kind}"
    assert says in refused.json()["detail"]
    assert stored_files(world) == before


class FailingListener:
    """Fails the transaction after the file was stored: as if the server died there."""

    def officer_changed(self, session: object, officer: object, now: object) -> None:
        raise RuntimeError("connection lost half-way through the upload")

    def officers_changed(self, session: object, officers: object, now: object) -> None:
        raise RuntimeError("connection lost")


def test_an_upload_cut_off_halfway_leaves_no_row_and_no_file(
    world: World, holder: str
) -> None:
    world.services.listeners.append(FailingListener())  # type: ignore[arg-type]
    try:
        with unchanged(world.services), pytest.raises(RuntimeError):
            documents.upload(world.services, holder, "visa", PDF, filename="visa.pdf",
                             actor=COORDINATOR)
    finally:
        world.services.listeners.pop()
    assert stored_files(world) == []


def test_the_cli_uploads_lists_and_gets(
    world: World, holder: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.web.test_action_links import run_attache

    scan = tmp_path / "visa.pdf"
    scan.write_bytes(PDF)
    common = ("--database", world.services.db.url, "--now", world.clock.now().isoformat())
    env_store = str(world.services.documents.root)  # type: ignore[attr-defined]
    import os

    os.environ["ATTACHE_DOCUMENTS_DIR"] = env_store
    try:
        code, said = run_attache(capsys, *common, "document", "upload", holder, "visa", str(scan),
                                 "--as", COORDINATOR)
        assert code == 0, said
        code, said = run_attache(capsys, *common, "document", "list", holder, "--json",
                                 "--as", HOLDER)
        assert code == 0 and '"filename": "visa.pdf"' in said
        out = tmp_path / "copy.pdf"
        code, said = run_attache(capsys, *common, "document", "get", holder, "visa",
                                 "--output", str(out), "--as", COORDINATOR)
        assert code == 0 and out.read_bytes() == PDF
        exe = tmp_path / "setup.pdf"
        exe.write_bytes(EXE)
        with unchanged(world.services):
            code, said = run_attache(capsys, *common, "document", "upload", holder, "visa",
                                     str(exe), "--as", COORDINATOR)
        assert code == 14 and "by its content" in said
        code, said = run_attache(capsys, *common, "document", "get", holder, "visa",
                                 "--output", str(out), "--as", SUPERVISOR)
        assert code == 6
    finally:
        os.environ.pop("ATTACHE_DOCUMENTS_DIR")


def test_a_reminder_counts_from_the_passports_expiry(world: World, holder: str) -> None:
    """The test definition's rule: remind the officer 90 days before the passport runs out."""
    from sqlalchemy import select

    from lifecycle.persistence import repository as repo
    from lifecycle.persistence.tables import Reminder

    documents.upload(world.services, holder, "passport", png(), filename="p.png",
                     actor=COORDINATOR, expires_on=date(2028, 1, 31))
    with world.services.db.reading() as session:
        officer = repo.officer_by_ref(session, holder)
        dues = [r.due_at.date() for r in session.scalars(select(Reminder).where(
            Reminder.officer_id == officer.id, Reminder.rule == "passport_expiry"))]
    assert dues == [date(2027, 11, 2)]
