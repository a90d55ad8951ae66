"""Reminders (listing, retry) and the template editor's preview and save."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from lifecycle.roles import Role
from lifecycle.services.accounts import Visitor
from notifications import reminders_view, retrying, template_editing
from notifications.rendering import TemplateRenderer
from web.auth import api, services_of
from web.schemas import RowId, TemplateBody

router = APIRouter()
C = Role.COORDINATOR


def renderer_of(request: Request) -> TemplateRenderer:
    renderer: TemplateRenderer = request.app.state.renderer
    return renderer


@router.get("/reminders", tags=["reminders"])
def list_reminders(
    request: Request, officer: str | None = None, status: str | None = None,
    _: Visitor = api(C),
) -> list[dict[str, Any]]:
    return reminders_view.listing(services_of(request), officer, (status,) if status else ())


@router.post("/reminders/{reminder_id}/retry", tags=["reminders"])
def retry(request: Request, reminder_id: RowId, who: Visitor = api(C)) -> dict[str, str]:
    return {"message": retrying.retry(services_of(request), reminder_id, actor=who.email)}


@router.get("/templates", tags=["templates"])
def list_templates(request: Request, _: Visitor = api(C)) -> list[str]:
    return renderer_of(request).names()


@router.get("/templates/{name}", tags=["templates"])
def get_template(request: Request, name: str, _: Visitor = api(C)) -> dict[str, str]:
    draft = template_editing.current_source(renderer_of(request), name)
    return {"subject": draft.subject, "txt": draft.txt, "html": draft.html}


def _preview_json(result: template_editing.Preview) -> dict[str, Any]:
    return {
        "ok": not result.problems,
        "problems": [
            {"file": p.file, "line": p.line, "message": p.message, "kind": p.kind}
            for p in result.problems
        ],
        "rendered": None
        if result.rendered is None
        else {
            "subject": result.rendered.subject,
            "text": result.rendered.text,
            "html": result.rendered.html,
        },
    }


@router.post("/templates/{name}/preview", tags=["templates"])
def preview_template(
    request: Request, name: str, body: TemplateBody, _: Visitor = api(C)
) -> dict[str, Any]:
    draft = template_editing.Draft(body.subject, body.txt, body.html)
    return _preview_json(template_editing.preview(renderer_of(request), name, draft))


@router.put("/templates/{name}", tags=["templates"])
def save_template(
    request: Request, name: str, body: TemplateBody, _: Visitor = api(C)
) -> dict[str, Any]:
    draft = template_editing.Draft(body.subject, body.txt, body.html)
    return _preview_json(template_editing.save(renderer_of(request), name, draft))
