"""Files uploaded for checklist items: upload (which ticks the item), list, download.

The bytes go to the document store before the row is written, so a row never names a
missing file; if the transaction then fails, the file is deleted again unless another
row names the same content, so no orphan is left either. Only the officer themself,
the coordinators and the admins may upload or download: a supervisor or a viewer
sees that a document is there, never its content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePosixPath, PureWindowsPath

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from lifecycle.definition import ChecklistItemDef
from lifecycle.document_types import check_size, media_type_of, size_label
from lifecycle.errors import InvalidData, NotFound, PermissionDenied
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import Document, Officer, User
from lifecycle.roles import Role
from lifecycle.services import officers as act
from lifecycle.services.access import STAFF, visible_officer
from lifecycle.services.context import Services
from lifecycle.services.facts import workflow_of


@dataclass(frozen=True)
class DocumentInfo:
    item: str
    filename: str
    size_bytes: int
    media_type: str
    expires_on: date | None
    uploaded_by: str
    uploaded_at: datetime
    current: bool
    sha256: str

    @property
    def size(self) -> str:
        return size_label(self.size_bytes)

    def to_dict(self) -> dict[str, object]:
        return {
            "item": self.item, "filename": self.filename, "size_bytes": self.size_bytes,
            "media_type": self.media_type, "sha256": self.sha256, "current": self.current,
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "uploaded_by": self.uploaded_by, "uploaded_at": self.uploaded_at.isoformat(),
        }  # fmt: skip


def _info(row: Document) -> DocumentInfo:
    return DocumentInfo(
        row.item_key, row.filename, row.size_bytes, row.media_type, row.expires_on,
        row.uploaded_by.name, row.uploaded_at, row.replaced_at is None, row.sha256,
    )  # fmt: skip


def file_item(services: Services, officer: Officer, item: str) -> ChecklistItemDef:
    """The item's definition, if it takes a file; else InvalidData naming those that do."""
    definition = workflow_of(services, officer).definition
    spec = definition.item(item)
    if spec is None or spec.upload is None:
        takes = [i.key for c in definition.checklists for i in c.items if i.upload]
        listing = ", ".join(takes) if takes else "none in this officer's definition"
        raise InvalidData(f"{officer.ref}: '{item}' takes no file; items that do: {listing}")
    return spec


def current(session: Session, officer: Officer, item: str) -> Document | None:
    return session.scalars(
        select(Document).where(
            Document.officer_id == officer.id, Document.item_key == item,
            Document.replaced_at.is_(None),
        )
    ).first()  # fmt: skip


def _may_handle_files(user: User, officer: Officer) -> None:
    if user.role in STAFF or (user.role == Role.OFFICER and user.email == officer.email):
        return
    who = "their own" if user.role == Role.OFFICER else "an officer's"
    raise PermissionDenied(
        f"{user.email} is a {user.role}; only the officer ({who} documents), a coordinator "
        "or an admin may upload or download documents"
    )


def _clean_name(filename: str | None, item: str, media_type: str) -> str:
    # Browsers on Windows may send the whole path; keep the last part, printable only.
    name = PureWindowsPath(PurePosixPath(filename or "").name).name
    name = "".join(c for c in name if c.isprintable()).strip()[:255]
    return name or f"{item}.{media_type.rsplit('/', 1)[-1]}"


def upload(
    services: Services,
    officer_ref: str,
    item: str,
    content: bytes,
    *,
    filename: str | None,
    actor: str,
    expires_on: date | None = None,
) -> DocumentInfo:
    """Keep ``content`` as the item's current document (the previous one becomes
    history) and tick the item, in one transaction."""
    store = services.document_store()
    key: str | None = None
    try:
        with services.transaction() as session:
            user = repo.user_by_email(session, actor)
            officer = repo.officer_by_ref(session, officer_ref)
            _may_handle_files(user, officer)
            spec = file_item(services, officer, item)
            assert spec.upload is not None
            act.checklist_for(services, officer, item, user)
            what = f"{officer.ref} {item}: the file {_clean_name(filename, item, 'x/file')!r}"
            check_size(len(content), spec.upload.max_bytes, what)
            media_type = media_type_of(content, spec.upload.types, what)
            _check_expiry(services, spec, expires_on, f"{officer.ref} {item}")
            key = store.put(content)
            previous = current(session, officer, item)
            if previous is not None:
                previous.replaced_at = services.now()
            row = Document(
                officer_id=officer.id, item_key=item, sha256=key, size_bytes=len(content),
                media_type=media_type, filename=_clean_name(filename, item, media_type),
                expires_on=expires_on, uploaded_by_id=user.id, uploaded_at=services.now(),
            )  # fmt: skip
            session.add(row)
            session.flush()
            act.tick(services.within(session), officer.ref, item, actor=actor)
            services.officer_changed(session, officer)
            session.refresh(row, ["uploaded_by"])
            return _info(row)
    except BaseException:
        if key is not None and not _referenced(services, key):
            store.delete(key)
        raise


def _check_expiry(
    services: Services, spec: ChecklistItemDef, expires_on: date | None, what: str
) -> None:
    if spec.expiry is None:
        if expires_on is not None:
            raise InvalidData(f"{what}: this document has no expiry date; leave it out")
        return
    if expires_on is None:
        raise InvalidData(f"{what}: give the document's expiry date (--expires YYYY-MM-DD)")
    if expires_on < services.today():
        raise InvalidData(
            f"{what}: the expiry date {expires_on.isoformat()} is in the past "
            f"(today is {services.today().isoformat()})"
        )


def _referenced(services: Services, key: str) -> bool:
    with services.db.reading() as session:
        return bool(session.scalar(select(exists().where(Document.sha256 == key))))


def documents(services: Services, officer_ref: str, *, actor: str) -> list[DocumentInfo]:
    """Every document of the officer, current first per item, newest first."""
    with services.db.reading() as session:
        user = repo.user_by_email(session, actor)
        officer = visible_officer(session, Role(user.role), user.id, user.email, officer_ref)
        rows = session.scalars(
            select(Document)
            .where(Document.officer_id == officer.id)
            .order_by(Document.item_key, Document.id.desc())
        )
        return [_info(row) for row in rows]


def download(
    services: Services, officer_ref: str, item: str, *, actor: str
) -> tuple[DocumentInfo, bytes]:
    """The item's current document and its bytes."""
    with services.db.reading() as session:
        user = repo.user_by_email(session, actor)
        officer = visible_officer(session, Role(user.role), user.id, user.email, officer_ref)
        _may_handle_files(user, officer)
        file_item(services, officer, item)
        row = current(session, officer, item)
        if row is None:
            raise NotFound(f"{officer.ref} has no document for '{item}' yet")
        info = _info(row)
    return info, services.document_store().read(info.sha256)
