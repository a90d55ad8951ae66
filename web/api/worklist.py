"""The officers list and bulk actions, as JSON: the same filters as the console's
/officers page, and one result per selected officer."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request

from lifecycle.roles import Role
from lifecycle.services import bulk
from lifecycle.services.accounts import Visitor
from lifecycle.services.worklist import worklist
from web.auth import api, services_of
from web.list_filters import ListFilters
from web.schemas import BulkBody

router = APIRouter(tags=["officers"])
C, V = Role.COORDINATOR, Role.VIEWER


@router.get("/worklist")
def officers_worklist(
    request: Request, filters: ListFilters, who: Visitor = api(C, V)
) -> dict[str, Any]:
    """One page of officers with their badges; ``attention`` sorts the latest first."""
    found = worklist(services_of(request), filters, actor=who.email)
    return {
        "total": found.total, "page": filters.page, "pages": found.pages,
        "officers": found.cards,
    }


@router.post("/officers/bulk")
def bulk_action(request: Request, body: BulkBody, who: Visitor = api(C)) -> dict[str, Any]:
    """Each officer in its own transaction; a refused one never undoes another."""
    results = bulk.act_on_each(
        services_of(request), body.refs, body.action, actor=who.email,
        trigger=body.trigger, item=body.item, reason=body.reason,
    )
    return {"summary": bulk.summary(results), "results": [asdict(r) for r in results]}
