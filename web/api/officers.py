"""Officers: read one (scoped to who may see them), and act on them."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from lifecycle.roles import Role
from lifecycle.services import documents as document_service
from lifecycle.services import officers as act
from lifecycle.services import views
from lifecycle.services.accounts import Visitor
from lifecycle.services.inbox import pending_signoffs
from notifications import reminders_view
from web.auth import api, services_of
from web.documents import expiry, read_document, served
from web.schemas import AdvanceBody, DeadlineBody, PlacementBody, SignoffBody
from web.scope import officer_diagram, outcome_json, visible

router = APIRouter(tags=["officers"])
C, S, OFF = Role.COORDINATOR, Role.SUPERVISOR, Role.OFFICER


@router.get("/officers")
def list_officers(
    request: Request, batch: str | None = None, state: str | None = None, _: Visitor = api(C)
) -> list[dict[str, Any]]:
    return views.officer_list(services_of(request), batch, state)


@router.get("/officers/{ref}")
def get_officer(request: Request, ref: str, who: Visitor = api(C, S, OFF)) -> dict[str, Any]:
    services = services_of(request)
    return views.officer_detail(services, visible(services, who, ref))


@router.get("/officers/{ref}/diagram")
def get_diagram(request: Request, ref: str, who: Visitor = api(C, S, OFF)) -> dict[str, str]:
    services = services_of(request)
    return {"mermaid": officer_diagram(services, visible(services, who, ref))}


@router.get("/officers/{ref}/reminders")
def officer_reminders(
    request: Request, ref: str, who: Visitor = api(C, S, OFF)
) -> list[dict[str, Any]]:
    services = services_of(request)
    return reminders_view.listing(services, visible(services, who, ref), ())


@router.post("/officers/{ref}/advance")
def advance(
    request: Request, ref: str, body: AdvanceBody, who: Visitor = api(C)
) -> dict[str, Any]:
    outcome = act.advance(
        services_of(request), ref, body.trigger, actor=who.email, reason=body.reason,
        expected_version=body.expected_version,
    )
    return outcome_json(outcome)


@router.post("/officers/{ref}/placement")
def place(
    request: Request, ref: str, body: PlacementBody, who: Visitor = api(C)
) -> dict[str, Any]:
    outcome = act.place(
        services_of(request), ref, division=body.division, supervisor=body.supervisor,
        actor=who.email, expected_version=body.expected_version,
    )
    return outcome_json(outcome)


@router.get("/officers/{ref}/documents")
def list_documents(request: Request, ref: str, who: Visitor = api(C, OFF)) -> list[dict[str, Any]]:
    services = services_of(request)
    ref = visible(services, who, ref)
    return [asdict(d) for d in document_service.documents(services, ref, actor=who.email)]


@router.post("/officers/{ref}/documents/{item}")
def upload_document(
    request: Request, ref: str, item: str, file: Annotated[UploadFile, File()],
    expires: Annotated[str | None, Form(max_length=20)] = None, who: Visitor = api(C, OFF),
) -> dict[str, Any]:
    services = services_of(request)
    ref = visible(services, who, ref)
    return outcome_json(document_service.upload(
        services, ref, item, read_document(file), filename=file.filename or "document",
        actor=who.email, expires_on=expiry(expires),
    ))


@router.get("/officers/{ref}/documents/{item}")
def download_document(
    request: Request, ref: str, item: str, version: int | None = None, who: Visitor = api(C, OFF)
) -> Response:
    services = services_of(request)
    ref = visible(services, who, ref)
    return served(document_service.download(
        services, ref, item, actor=who.email, document_id=version
    ))


@router.post("/officers/{ref}/deadlines")
def move_deadline(
    request: Request, ref: str, body: DeadlineBody, who: Visitor = api(C)
) -> dict[str, Any]:
    from notifications.extensions import set_deadline

    outcome = set_deadline(
        services_of(request), ref, body.name, body.due, reason=body.reason, actor=who.email
    )
    return outcome_json(outcome)


@router.put("/officers/{ref}/checklist/{item}")
def tick(request: Request, ref: str, item: str, who: Visitor = api(C, OFF)) -> dict[str, Any]:
    services = services_of(request)
    return outcome_json(act.tick(services, visible(services, who, ref), item, actor=who.email))


@router.delete("/officers/{ref}/checklist/{item}")
def untick(request: Request, ref: str, item: str, who: Visitor = api(C, OFF)) -> dict[str, Any]:
    services = services_of(request)
    return outcome_json(act.untick(services, visible(services, who, ref), item, actor=who.email))


@router.post("/officers/{ref}/signoffs/{name}")
def sign_off(
    request: Request, ref: str, name: str, body: SignoffBody, who: Visitor = api(S)
) -> dict[str, Any]:
    outcome = act.sign_off(
        services_of(request), ref, name, actor=who.email, approve=body.decision == "approve",
        comment=body.comment, expected_version=body.expected_version,
    )
    return outcome_json(outcome)


@router.get("/inbox", tags=["supervisors"])
def inbox(request: Request, who: Visitor = api(S)) -> list[dict[str, Any]]:
    return pending_signoffs(services_of(request), who.id)
