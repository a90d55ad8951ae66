"""Documents on checklist items, through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecycle.document_store import DirectoryStore
from lifecycle.errors import (
    FileTooLarge,
    GuardFailed,
    InvalidData,
    NotFound,
    PermissionDenied,
    UnsupportedFileType,
)
from lifecycle.persistence.tables import Officer, Reminder
from lifecycle.services import Services, documents, setup, views
from lifecycle.services import officers as act
from tests.documents_support import EXE, PDF, PNG, documents_batch, placed_officer
from tests.support import COORDINATOR, SUPERVISOR, VIEWER, dump, seed_programme

OFFICER = "trung@mfa.example"


@pytest.fixture
def store(tmp_path: Path) -> DirectoryStore:
    return DirectoryStore(tmp_path / "documents")


@pytest.fixture
def ref(services: Services, store: DirectoryStore) -> str:
    services.documents = store
    seed_programme(services)
    documents_batch(services)
    officer = placed_officer(services, OFFICER)
    setup.add_user(services, name="Hoang Quoc Trung", email=OFFICER, role="officer")
    return officer


def files(store: DirectoryStore) -> list[str]:
    return sorted(p.name for p in store.folder.iterdir()) if store.folder.exists() else []


def test_an_upload_ticks_the_item_and_a_new_one_keeps_the_old_in_the_history(
    services: Services, store: DirectoryStore, ref: str
) -> None:
    """The officer uploads their visa; the item is ticked; uploading again replaces it,
    the first stays listed (and stored) as history."""
    version = views.officer_detail(services, ref)["version"]
    first = documents.upload(services, ref, "visa", PDF, filename="C:\\scans\\visa.pdf",
                             actor=OFFICER)
    assert ("visa.pdf", "application/pdf", len(PDF), True) == (
        first.filename, first.media_type, first.size_bytes, first.current)
    detail = views.officer_detail(services, ref)
    assert version < detail["version"]
    second = documents.upload(services, ref, "visa", PNG, filename="visa.png",
                              actor=COORDINATOR)
    listed = documents.documents(services, ref, actor=COORDINATOR)
    assert [("visa.png", True, "Siti Rahmawati"), ("visa.pdf", False, "Hoang Quoc Trung")] == [
        (d.filename, d.current, d.uploaded_by) for d in listed]
    assert sorted([first.sha256, second.sha256]) == files(store)
    info, content = documents.download(services, ref, "visa", actor=OFFICER)
    assert (PNG, "image/png") == (content, info.media_type)


def test_ticking_an_item_that_takes_a_file_by_hand_is_refused(
    services: Services, ref: str
) -> None:
    before = dump(services)
    with pytest.raises(InvalidData, match=r"'visa' is done by uploading the document: "
                       r"attache document upload JD18-01 visa FILE"):
        act.tick(services, ref, "visa", actor=COORDINATOR)
    assert before == dump(services)


BAD: list[tuple[str, bytes, date | None, type[Exception], str]] = [
    ("itinerary", PDF + b"\0" * (5 * 1024 * 1024), None, FileTooLarge,
     "is too large: 5,242,957 bytes; the most allowed is 5 MB (5,242,880 bytes)"),
    ("visa", EXE, None, UnsupportedFileType,
     "is a exe file by its content; accepted: pdf, jpg, png"),
    ("visa", b"", None, InvalidData, "is empty"),
    ("passport", PDF, date(2022, 12, 31), InvalidData,
     "the expiry date 2022-12-31 is in the past (today is 2023-01-02)"),
    ("passport", PDF, None, InvalidData, "give the document's expiry date"),
    ("visa", PDF, date(2030, 1, 1), InvalidData, "this document has no expiry date"),
    ("asean_introduction", PDF, None, InvalidData, "'asean_introduction' takes no file"),
]


@pytest.mark.parametrize(("item", "content", "expires", "error", "message"), BAD,
                         ids=["too large", "exe named pdf", "empty", "past expiry",
                              "no expiry", "expiry not asked", "item takes no file"])
def test_a_bad_upload_is_refused_with_one_message_changing_nothing(
    services: Services, store: DirectoryStore, ref: str, item: str, content: bytes,
    expires: date | None, error: type[Exception], message: str,
) -> None:
    before = dump(services)
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")) as got:
        documents.upload(services, ref, item, content, filename="scan.pdf", actor=OFFICER,
                         expires_on=expires)
    assert type(got.value) is error
    assert before == dump(services)
    assert [] == files(store)


@pytest.mark.parametrize("who", [SUPERVISOR, VIEWER])
def test_supervisors_and_viewers_neither_upload_nor_download(
    services: Services, ref: str, who: str
) -> None:
    documents.upload(services, ref, "visa", PDF, filename="visa.pdf", actor=OFFICER)
    before = dump(services)
    with pytest.raises(PermissionDenied, match="may upload or download documents"):
        documents.upload(services, ref, "visa", PNG, filename="v.png", actor=who)
    with pytest.raises(PermissionDenied):
        documents.download(services, ref, "visa", actor=who)
    assert before == dump(services)


def test_another_officer_may_not_touch_ones_documents(services: Services, ref: str) -> None:
    setup.add_user(services, name="Other", email="other@mfa.example", role="officer")
    with pytest.raises(PermissionDenied):
        documents.upload(services, ref, "visa", PDF, filename="v.pdf", actor="other@mfa.example")
    with pytest.raises(NotFound, match="has no document for 'visa' yet"):
        documents.download(services, ref, "visa", actor=COORDINATOR)


class Exploding:
    """A listener that fails the transaction after the file was stored."""

    def officer_changed(self, session: Session, officer: Officer, now: Any) -> None:
        raise RuntimeError("the database went away")

    def officers_changed(self, session: Session, officers: Any, now: Any) -> None:
        raise RuntimeError("the database went away")


def test_a_failed_transaction_leaves_no_row_and_no_orphan_file(
    services: Services, store: DirectoryStore, ref: str
) -> None:
    """The file is stored before the row; when the transaction fails it is deleted,
    unless another row names the same content."""
    kept = documents.upload(services, ref, "visa", PDF, filename="visa.pdf", actor=OFFICER)
    before = dump(services)
    services.listeners.append(Exploding())
    for content in (PNG, PDF):
        with pytest.raises(RuntimeError):
            documents.upload(services, ref, "itinerary" if content == PDF else "visa",
                             content, filename="x", actor=OFFICER)
    assert before == dump(services)
    assert [kept.sha256] == files(store)


def test_a_passport_expiring_too_early_blocks_the_study_visit_and_is_reminded(
    services: Services, ref: str
) -> None:
    """Valid until 2024-03-01, but the visit is on 2023-11-06 and it must be valid 180
    days past it; the reminder comes 90 days before it expires."""
    documents.upload(services, ref, "passport", PDF, filename="passport.pdf", actor=OFFICER,
                     expires_on=date(2024, 3, 1))
    for item in ("visa", "itinerary"):
        documents.upload(services, ref, item, PDF, filename=f"{item}.pdf", actor=OFFICER)
    with pytest.raises(GuardFailed) as refused:
        act.advance(services, ref, "start_study_visit", actor=COORDINATOR)
    assert ("passport expires 2024-03-01; it must be valid until 2024-05-04 (180 days "
            "after the study visit)") in refused.value.missing
    with services.db.reading() as session:
        due = session.scalars(select(Reminder.due_at).where(Reminder.rule == "passport_expiry"))
        assert [date(2023, 12, 2)] == [d.astimezone().date() for d in due]
    documents.upload(services, ref, "passport", PDF + b" ", filename="new.pdf", actor=OFFICER,
                     expires_on=date(2030, 1, 1))
    with pytest.raises(GuardFailed) as refused:
        act.advance(services, ref, "start_study_visit", actor=COORDINATOR)
    assert not [m for m in refused.value.missing if "passport" in m]
