"""The officers list and bulk actions, as JSON: the same filters as the console's
/officers page, and one result per selected officer."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from lifecycle.roles import Role
from lifecycle.services import bulk
from lifecycle.services.accounts import Visitor
from lifecycle.services.worklist import PER_PAGE, Filters, Sort, worklist
from web.auth import api, services_of
from web.schemas import BulkBody

router = APIRouter(tags=["officers"])
C, V = Role.COORDINATOR, Role.VIEWER


@router.get("/worklist")
def officers_worklist(
    request: Request,
    batch: Annotated[str | None, Query(max_length=16)] = None,
    stage: Annotated[str | None, Query(max_length=64)] = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    overdue: bool = False,
    blocked_by: Annotated[str | None, Query(max_length=64)] = None,
    attention: bool = False,
    q: Annotated[str, Query(max_length=200)] = "",
    sort: Sort | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = PER_PAGE,
    who: Visitor = api(C, V),
) -> dict[str, Any]:
    """One page of officers with their badges; ``attention`` sorts the latest first."""
    found = worklist(services_of(request), Filters(
        batch=batch, stage=stage, country=country, overdue=overdue, blocked_by=blocked_by,
        attention=attention, q=q, sort=sort or ("late" if attention else "ref"),
        page=page, per_page=per_page,
    ), actor=who.email)
    return {"total": found.total, "page": page, "pages": found.pages, "officers": found.cards}


@router.post("/officers/bulk")
def bulk_action(request: Request, body: BulkBody, who: Visitor = api(C)) -> dict[str, Any]:
    """Each officer in its own transaction; a refused one never undoes another."""
    results = bulk.act_on_each(
        services_of(request), body.refs, body.action, actor=who.email,
        trigger=body.trigger, item=body.item, reason=body.reason,
    )
    return {"summary": bulk.summary(results), "results": [asdict(r) for r in results]}
