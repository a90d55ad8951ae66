"""The search box's results: officers across batches, found by name in any script."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from lifecycle.roles import Role
from lifecycle.services import search
from lifecycle.services.accounts import Visitor
from web.auth import page, services_of
from web.rendering import render

router = APIRouter()


@router.get("/search")
def results(
    request: Request,
    q: Annotated[str, Query(max_length=200)] = "",
    who: Visitor = page(Role.COORDINATOR, Role.VIEWER),
) -> Response:
    found, more = search.find_officers(services_of(request), q, actor=who.email)
    return render(request, "search.html", {"q": q, "found": found, "more": more,
                                           "limit": search.MAX_RESULTS})
