"""The officers list: filters in the URL, sorted and paged, "needs attention" across
batches, and the bulk actions on the officers selected here or on a board."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from lifecycle.roles import COUNTRIES, Role
from lifecycle.services import bulk
from lifecycle.services.accounts import Visitor
from lifecycle.services.worklist import worklist
from web.auth import page, safe_local_path, services_of
from web.list_filters import ListFilters
from web.rendering import render

router = APIRouter()
C, V = Role.COORDINATOR, Role.VIEWER


@router.get("/officers")
def officer_list(
    request: Request, filters: ListFilters, done: str | None = None, who: Visitor = page(C, V)
) -> Response:
    found = worklist(services_of(request), filters, actor=who.email)
    return render(request, "officers.html", {
        "list": found, "countries": COUNTRIES, "done": done,
        "may_act": who.role in (Role.COORDINATOR, Role.ADMIN),
        "back": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    })


@router.post("/officers/bulk")
def act_on_selected(
    request: Request,
    action: Annotated[str, Form(max_length=80)],  # "advance:<trigger>", "tick:<item>"
    ref: Annotated[list[str] | None, Form(max_length=16)] = None,
    trigger: Annotated[str | None, Form(max_length=64)] = None,
    item: Annotated[str | None, Form(max_length=64)] = None,
    reason: Annotated[str | None, Form(max_length=2000)] = None,
    back: Annotated[str | None, Form(max_length=2000)] = None,
    who: Visitor = page(C),
) -> Response:
    if action.startswith("advance:"):  # the menu's options carry their trigger
        action, trigger = "advance", action.removeprefix("advance:")
    elif action.startswith("tick:"):
        action, item = "tick", action.removeprefix("tick:")
    results = bulk.act_on_each(
        services_of(request), ref or [], action, actor=who.email,
        trigger=trigger, item=item, reason=reason or None,
    )
    return render(request, "bulk_done.html", {
        "results": results,
        "summary": bulk.summary(results),
        "back": back if back and safe_local_path(back) == back else "/officers",
    })

