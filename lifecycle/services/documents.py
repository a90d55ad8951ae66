"""Documents on checklist items: upload (which ticks the item), list, download.

A checklist item whose definition says ``upload:`` is done by uploading a file of an
accepted type and size; the type is judged by the content (``document_types``). An item
with ``expiry:`` also needs the document's expiry date, which must not be past, and is
only ticked when the document outlasts its anchor by the days required (a passport six
months past the study visit): a document that runs out too early is kept, and says so,
but leaves the checklist incomplete. Uploading again replaces the current document and
keeps the old one as history.

The bytes go to the document store before the row is written; if the transaction then
fails, a file no row names is deleted again, so no upload leaves an orphan. Only the
officer themselves, the coordinators and the admin may upload and download.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecycle.definition import ChecklistDef, ChecklistItemDef, WorkflowDefinition
from lifecycle.document_types import check_size, media_type_of, size_label
from lifecycle.errors import InvalidData, NotFound, PermissionDenied, TransitionNotAllowed
from lifecycle.guards import OfficerFacts, runs_out_too_early
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import Document, Officer, User
from lifecycle.roles import Role
from lifecycle.services import facts as officer_facts
from lifecycle.services import officers as act
from lifecycle.services.context import Services, require_role
from lifecycle.services.facts import workflow_of

READERS = (Role.COORDINATOR, Role.OFFICER)  # and admins; an officer only their own
CV_ITEM = "cv"  # a nominee's CV, sent with a ministry's nomination (services.nominations)


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    item: str
    filename: str
    media_type: str
    size: str  # as people say it: "812 KB"
    size_bytes: int
    sha256: str
    expires_on: date | None
    uploaded_by: str
    uploaded_at: datetime
    current: bool


@dataclass(frozen=True)
class ItemDocuments:
    item: str
    label: str
    types: tuple[str, ...]
    max_mb: float
    needs_expiry: bool
    current: DocumentInfo | None
    history: tuple[DocumentInfo, ...]  # the replaced ones, newest first


@dataclass(frozen=True)
class Download:
    filename: str
    media_type: str
    content: bytes


def upload(
    services: Services,
    officer_ref: str,
    item: str,
    content: bytes,
    *,
    filename: str,
    actor: str,
    expires_on: date | None = None,
) -> act.Outcome:
    store = services.documents
    created: str | None = None
    try:
        with services.transaction() as session:
            user = repo.user_by_email(session, actor)
            officer = repo.officer_by_ref(session, officer_ref)
            definition = workflow_of(services, officer).definition
            spec, checklist = _item(definition, item)
            _may_upload(user, officer, checklist)
            if officer.state not in checklist.open_in:
                raise TransitionNotAllowed(
                    f"{officer.ref} is {officer.state}; the {checklist.label} checklist takes "
                    f"documents while {', '.join(checklist.open_in)}"
                )
            assert spec.upload is not None
            name = _clean_filename(filename)
            check_size(len(content), spec.upload.max_bytes, f"'{name}'")
            media_type = media_type_of(content, spec.upload.types, f"'{name}'")
            message_tail = _expiry_check(session, spec, expires_on, officer, services.today())
            key, is_new = store.put(content)
            created = key if is_new else None
            now = services.now()
            previous = current_document(session, officer, item)
            if previous is not None:
                previous.replaced_at = now
            session.add(Document(
                officer_id=officer.id, item_key=item, sha256=key, size_bytes=len(content),
                media_type=media_type, filename=name, expires_on=expires_on,
                uploaded_by_id=user.id, uploaded_at=now,
            ))
            session.flush()
            officer_facts.forget(session, officer.id)  # the planner must see the new expiry
            ticked = {t.item_key for t in repo.ticks(session, officer)}
            if message_tail is None and item not in ticked:
                act.tick(services.within(session), officer.ref, item, actor=user.email)
            else:
                services.officer_changed(session, officer)
            what = "replaced" if previous else "uploaded"
            return act.Outcome(
                officer.ref,
                f"{officer.ref}: {what} {spec.label} ({name}, {size_label(len(content))})"
                + (f"; {message_tail}" if message_tail else ""),
                officer.state,
                officer.version,
            )
    except BaseException:
        if created is not None and not is_referenced(services, created):
            store.delete(created)
        raise


def documents(services: Services, officer_ref: str, *, actor: str) -> list[ItemDocuments]:
    with services.db.reading() as session:
        user = repo.user_by_email(session, actor)
        officer = repo.officer_by_ref(session, officer_ref)
        _may_read(user, officer)
        definition = workflow_of(services, officer).definition
        rows = session.scalars(
            select(Document).where(Document.officer_id == officer.id).order_by(Document.id.desc())
        ).all()
        found = []
        for checklist in definition.checklists:
            for spec in checklist.items:
                if spec.upload is None:
                    continue
                mine = [_info(r) for r in rows if r.item_key == spec.key]
                found.append(ItemDocuments(
                    spec.key, spec.label, spec.upload.types, spec.upload.max_mb,
                    spec.expiry is not None,
                    next((d for d in mine if d.current), None),
                    tuple(d for d in mine if not d.current),
                ))
        sent = [_info(r) for r in rows if r.item_key == CV_ITEM]
        if sent:  # the CV a home ministry sent with the nomination
            found.append(ItemDocuments(CV_ITEM, "Nomination CV", ("pdf", "docx"), 5, False,
                                       sent[0], tuple(sent[1:])))
        return found


def download(
    services: Services, officer_ref: str, item: str, *, actor: str, document_id: int | None = None
) -> Download:
    with services.db.reading() as session:
        user = repo.user_by_email(session, actor)
        officer = repo.officer_by_ref(session, officer_ref)
        _may_read(user, officer)
        if document_id is None:
            row = current_document(session, officer, item)
        else:
            row = session.get(Document, document_id)
            if row is not None and (row.officer_id, row.item_key) != (officer.id, item):
                row = None
        if row is None:
            raise NotFound(f"{officer.ref} has no document for {item!r}")
        return Download(row.filename, row.media_type, services.documents.read(row.sha256))


def current_document(session: Session, officer: Officer, item: str) -> Document | None:
    return session.scalar(
        select(Document).where(
            Document.officer_id == officer.id,
            Document.item_key == item,
            Document.replaced_at.is_(None),
        )
    )


def size_limit(services: Services, officer_ref: str, item: str) -> int | None:
    """The most bytes ``item`` of this officer takes, so an adapter reads no more than
    one byte past it; None when there is no such officer or item (``upload`` says so)."""
    with services.db.reading() as session:
        try:
            officer = repo.officer_by_ref(session, officer_ref)
        except NotFound:
            return None
        spec = workflow_of(services, officer).definition.item(item)
    return spec.upload.max_bytes if spec is not None and spec.upload is not None else None


def _item(definition: WorkflowDefinition, item: str) -> tuple[ChecklistItemDef, ChecklistDef]:
    spec, checklist = definition.item(item), definition.checklist_of_item(item)
    takes = [i.key for c in definition.checklists for i in c.items if i.upload]
    if spec is None or checklist is None or spec.upload is None:
        raise InvalidData(
            f"{item!r} is no checklist item that takes a document; those that do: "
            f"{', '.join(takes) or 'none'}"
        )
    return spec, checklist


def _may_upload(user: User, officer: Officer, checklist: ChecklistDef) -> None:
    require_role(user, checklist.roles, f"uploading '{checklist.name}' documents")
    if user.role == Role.OFFICER and user.email != officer.email:
        raise PermissionDenied(f"{user.email} may upload only their own documents")


def _may_read(user: User, officer: Officer) -> None:
    require_role(user, READERS, "reading an officer's documents")
    if user.role == Role.OFFICER and user.email != officer.email:
        raise PermissionDenied(f"{user.email} may see only their own documents")


def _expiry_check(
    session: Session, spec: ChecklistItemDef, expires_on: date | None, officer: Officer,
    today: date,
) -> str | None:
    """None if the expiry is fine; why the item stays open if it runs out too early."""
    if spec.expiry is None:
        if expires_on is not None:
            raise InvalidData(f"{spec.label} takes no expiry date")
        return None
    if expires_on is None:
        raise InvalidData(f"{spec.label} needs its expiry date (--expires YYYY-MM-DD)")
    if expires_on < today:
        raise InvalidData(
            f"the expiry date {expires_on:%Y-%m-%d} is in the past; upload a valid document"
        )
    return outlast_problem(session, spec, expires_on, officer)


def outlast_problem(
    session: Session, spec: ChecklistItemDef, expires_on: date | None, officer: Officer
) -> str | None:
    """Why a document expiring on ``expires_on`` is not good enough for ``spec``, if so:
    the guards' own judgement (lifecycle.guards), on the officer's dates as of now."""
    if spec.expiry is None or expires_on is None:
        return None
    rows = officer_facts.officer_rows(session, officer)
    facts = OfficerFacts(
        state=officer.state, expiries={spec.key: expires_on},
        anchors=officer_facts.anchor_dates(officer, rows),
    )  # fmt: skip
    problem = runs_out_too_early(spec, facts)
    return f"{problem}, so '{spec.key}' stays open: upload a renewed one" if problem else None


def _clean_filename(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    cleaned = "".join(c for c in base if c.isprintable() and c not in '"<>:|?*')
    return (cleaned or "document")[:255]


def is_referenced(services: Services, key: str) -> bool:
    """Whether any document row names the stored file ``key``."""
    with services.db.reading() as session:
        found = session.scalar(select(Document.id).where(Document.sha256 == key).limit(1))
        return found is not None


def _info(row: Document) -> DocumentInfo:
    return DocumentInfo(
        row.id, row.item_key, row.filename, row.media_type, size_label(row.size_bytes),
        row.size_bytes, row.sha256, row.expires_on,
        row.uploaded_by.email if row.uploaded_by else "the home ministry", row.uploaded_at,
        row.replaced_at is None,
    )
