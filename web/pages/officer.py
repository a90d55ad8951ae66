"""One officer: where they are, what can happen next, and everything that happened."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from lifecycle.errors import NotFound
from lifecycle.roles import Role
from lifecycle.services import certificates, delegation, views
from lifecycle.services import documents as document_service
from lifecycle.services import officers as act
from lifecycle.services import revert as undo
from lifecycle.services.accounts import Visitor
from lifecycle.services.validation import iso_date
from lifecycle.services.workflows import compiled
from lifecycle.state_roles import StateRole
from notifications import extensions, reminders_view
from notifications.open_tasks import officer_tasks
from web.auth import page, safe_local_path, services_of
from web.documents import expiry, read_document, served
from web.pages.alumni import section as alumni_section
from web.pages.forms import done
from web.rendering import render
from web.scope import officer_diagram, visible

router = APIRouter()
C, S, OFF = Role.COORDINATOR, Role.SUPERVISOR, Role.OFFICER


def _back(back: str | None, ref: str) -> str:
    return back if back and safe_local_path(back) == back else f"/officers/{ref}"


@router.get("/me")
def my_page(request: Request, who: Visitor = page(OFF)) -> Response:
    try:
        return RedirectResponse(f"/officers/{visible(services_of(request), who, who.email)}", 303)
    except NotFound:
        raise NotFound(f"no officer record uses your address {who.email}") from None


@router.get("/officers/{ref}")
def officer_page(
    request: Request, ref: str, done: str | None = None, who: Visitor = page(C, S, OFF)
) -> Response:
    services = services_of(request)
    ref = visible(services, who, ref)
    detail = views.officer_detail(services, ref)
    definition = compiled(
        services, detail["definition"]["track"], detail["definition"]["version"]
    ).definition
    return render(request, "officer.html", {
        "officer": detail,
        "trigger_labels": {t.name: t.label for t in definition.triggers},
        "diagram": officer_diagram(services, ref),
        "reminders": reminders_view.listing(services, ref, ()),
        "tasks": officer_tasks(services, ref),
        "documents": {
            d.item: d for d in document_service.documents(services, ref, actor=who.email)
        } if who.role in (C, OFF, Role.ADMIN) else {},
        "extensions": {e.subject: e for e in extensions.extensions(services, ref)},
        "today": services.today(),
        "certificate": certificates.find(services, ref),
        "alumni": alumni_section(
            services, ref, definition.has_role(detail["state"], StateRole.GRADUATED), who
        ),
        "divisions": views.division_list(services) if who.role in (C, Role.ADMIN) else [],
        "supervisors": [u for u in views.user_list(services) if u["role"] == "supervisor"]
        if who.role in (C, Role.ADMIN) else [],
        "done": done,
    })


@router.post("/officers/{ref}/advance")
def advance(
    request: Request,
    ref: str,
    trigger: Annotated[str, Form(max_length=64)],
    reason: Annotated[str | None, Form(max_length=2000)] = None,
    expected_version: Annotated[int | None, Form()] = None,
    back: Annotated[str | None, Form()] = None,
    who: Visitor = page(C),
) -> Response:
    outcome = act.advance(
        services_of(request), ref, trigger, actor=who.email, reason=reason or None,
        expected_version=expected_version,
    )
    return done(_back(back, outcome.ref), outcome.message)


@router.post("/officers/{ref}/documents/{item}")
def upload_document(
    request: Request,
    ref: str,
    item: str,
    file: Annotated[UploadFile, File()],
    expires: Annotated[str | None, Form(max_length=20)] = None,
    who: Visitor = page(C, OFF),
) -> Response:
    services = services_of(request)
    ref = visible(services, who, ref)
    outcome = document_service.upload(
        services, ref, item,
        read_document(file, document_service.size_limit(services, ref, item)),
        filename=file.filename or "document",
        actor=who.email, expires_on=expiry(expires),
    )
    return done(f"/officers/{outcome.ref}", outcome.message)


@router.get("/officers/{ref}/documents/{item}")
def download_document(
    request: Request, ref: str, item: str, version: int | None = None,
    who: Visitor = page(C, OFF),
) -> Response:
    services = services_of(request)
    ref = visible(services, who, ref)
    return served(document_service.download(
        services, ref, item, actor=who.email, document_id=version
    ))


@router.post("/officers/{ref}/deadlines")
def move_deadline(
    request: Request,
    ref: str,
    name: Annotated[str, Form(max_length=100)],
    due: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=2000)],
    who: Visitor = page(C),
) -> Response:
    outcome = extensions.set_deadline(
        services_of(request), ref, name, iso_date(due, "due date"), reason=reason,
        actor=who.email,
    )
    return done(f"/officers/{outcome.ref}", outcome.message)


@router.post("/officers/{ref}/revert")
def revert(
    request: Request,
    ref: str,
    reason: Annotated[str, Form(max_length=2000)],
    expected_version: Annotated[int | None, Form()] = None,
    who: Visitor = page(C),
) -> Response:
    outcome = undo.revert(
        services_of(request), ref, reason=reason, actor=who.email,
        expected_version=expected_version,
    )
    return done(f"/officers/{outcome.ref}", outcome.message)


@router.post("/officers/{ref}/placement")
def place(
    request: Request,
    ref: str,
    division: Annotated[str, Form(max_length=200)],
    supervisor: Annotated[str, Form(max_length=320)],
    expected_version: Annotated[int | None, Form()] = None,
    who: Visitor = page(C),
) -> Response:
    outcome = act.place(
        services_of(request), ref, division=division, supervisor=supervisor, actor=who.email,
        expected_version=expected_version,
    )
    return done(f"/officers/{outcome.ref}", outcome.message)


@router.post("/officers/{ref}/checklist/{item}")
def tick(
    request: Request,
    ref: str,
    item: str,
    ticked: Annotated[bool, Form()] = True,
    who: Visitor = page(C, OFF),
) -> Response:
    services = services_of(request)
    ref = visible(services, who, ref)
    change = act.tick if ticked else act.untick
    outcome = change(services, ref, item, actor=who.email)
    return done(f"/officers/{outcome.ref}", outcome.message)


@router.post("/officers/{ref}/signoffs/reassign")
def reassign(
    request: Request,
    ref: str,
    name: Annotated[str, Form(max_length=100)],
    to: Annotated[str, Form(max_length=320)],
    reason: Annotated[str, Form(max_length=2000)],
    expected_version: Annotated[int | None, Form()] = None,
    who: Visitor = page(C),
) -> Response:
    outcome = delegation.reassign_signoff(
        services_of(request), ref, name, to, reason=reason, actor=who.email,
        expected_version=expected_version,
    )
    return done(f"/officers/{outcome.ref}", outcome.message)


@router.post("/officers/{ref}/signoffs/{name}")
def sign_off(
    request: Request,
    ref: str,
    name: str,
    decision: Annotated[str, Form(pattern="^(approve|return)$")],
    comment: Annotated[str | None, Form(max_length=4000)] = None,
    expected_version: Annotated[int | None, Form()] = None,
    back: Annotated[str | None, Form()] = None,
    who: Visitor = page(S),
) -> Response:
    outcome = act.sign_off(
        services_of(request), ref, name, actor=who.email, approve=decision == "approve",
        comment=comment or None, expected_version=expected_version,
    )
    return done(_back(back, outcome.ref), outcome.message)
