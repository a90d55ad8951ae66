"""Coordinators' and admins' tools: reminders, templates, users, API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from lifecycle.persistence.outbox import STATUSES
from lifecycle.roles import Role
from lifecycle.services import accounts, calendars, views
from lifecycle.services.accounts import Visitor
from notifications import reminders_view, retrying, template_editing
from web.api.reminders import renderer_of
from web.auth import EVERYONE, page, services_of
from web.pages.forms import done
from web.rendering import render
from web.schemas import RowId

router = APIRouter()
C = Role.COORDINATOR


@router.get("/reminders")
def reminders(
    request: Request, status: str | None = None, done: str | None = None, _: Visitor = page(C)
) -> Response:
    rows = reminders_view.listing(services_of(request), None, (status,) if status else ())
    return render(request, "reminders.html", {
        "rows": rows, "status": status, "statuses": STATUSES, "done": done,
    })


@router.post("/reminders/{reminder_id}/retry")
def retry(request: Request, reminder_id: RowId, who: Visitor = page(C)) -> Response:
    message = retrying.retry(services_of(request), reminder_id, actor=who.email)
    return done("/reminders", message)


@router.get("/templates")
def template_list(request: Request, _: Visitor = page(C)) -> Response:
    renderer = renderer_of(request)
    return render(request, "templates.html", {
        "names": renderer.names(), "editable": renderer.override_dir is not None,
    })


@router.get("/templates/{name}")
def template_edit(
    request: Request, name: str, done: str | None = None, _: Visitor = page(C)
) -> Response:
    renderer = renderer_of(request)
    draft = template_editing.current_source(renderer, name)
    result = template_editing.preview(renderer, name, draft)
    return render(request, "template_edit.html", {
        "name": name, "draft": draft, "result": result, "done": done,
        "editable": renderer.override_dir is not None,
    })


@router.post("/templates/{name}/preview")
def template_preview(
    request: Request,
    name: str,
    subject: Annotated[str, Form(max_length=2000)],
    txt: Annotated[str, Form(max_length=100_000)],
    html: Annotated[str, Form(max_length=200_000)],
    _: Visitor = page(C),
) -> Response:
    draft = template_editing.Draft(subject, txt, html)
    result = template_editing.preview(renderer_of(request), name, draft)
    return render(request, "_template_preview.html", {"result": result})


@router.post("/templates/{name}")
def template_save(
    request: Request,
    name: str,
    subject: Annotated[str, Form(max_length=2000)],
    txt: Annotated[str, Form(max_length=100_000)],
    html: Annotated[str, Form(max_length=200_000)],
    _: Visitor = page(C),
) -> Response:
    template_editing.save(renderer_of(request), name, template_editing.Draft(subject, txt, html))
    return done(f"/templates/{name}", f"{name} saved; the next reminders use it")


@router.get("/users")
def users(request: Request, done: str | None = None, _: Visitor = page(C)) -> Response:
    services = services_of(request)
    return render(request, "users.html", {
        "users": views.user_list(services), "roles": [r.value for r in Role], "done": done,
    })


@router.post("/users")
def add_user(
    request: Request,
    name: Annotated[str, Form(max_length=200)],
    email: Annotated[str, Form(max_length=320)],
    role: Annotated[str, Form(max_length=16)],
    password: Annotated[str, Form(max_length=500)],
    timezone: Annotated[str | None, Form(max_length=64)] = None,
    _: Visitor = page(),
) -> Response:
    user = accounts.add_user(
        services_of(request), name=name, email=email, role=role, timezone=timezone or None,
        password=password,
    )
    return done("/users", f"{user.name} <{user.email}> can now sign in as {user.role}")


@router.get("/account")
def account(request: Request, done: str | None = None, who: Visitor = page(*EVERYONE)) -> Response:
    feeds = calendars.my_feeds(services_of(request), actor=who.email)
    return render(request, "account.html", {"done": done, "token": None, "feeds": feeds})


@router.post("/account/tokens")
def new_token(
    request: Request, label: Annotated[str, Form(max_length=100)], who: Visitor = page(*EVERYONE)
) -> Response:
    token = accounts.issue_token(services_of(request), who.email, label, actor=who.email)
    # Shown once, on this response only: it is stored as a hash and cannot be shown again.
    feeds = calendars.my_feeds(services_of(request), actor=who.email)
    return render(request, "account.html", {
        "done": None, "token": token, "label": label, "feeds": feeds,
    })
