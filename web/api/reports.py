"""The funder's report as JSON: the same figures as the page, the PDF and the sheets."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from lifecycle.reporting.figures import DEFAULT_WITHIN_YEARS, build_report
from lifecycle.roles import Role
from lifecycle.services.accounts import Visitor
from web.auth import api, services_of
from web.pages.reports import as_of_date

router = APIRouter(tags=["reports"])
C, V = Role.COORDINATOR, Role.VIEWER


@router.get("/reports")
def report(
    request: Request,
    batch: Annotated[str | None, Query(max_length=20)] = None,
    track: Annotated[str | None, Query(max_length=64)] = None,
    as_of: Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD")] = None,
    within_years: Annotated[int, Query()] = DEFAULT_WITHIN_YEARS,
    who: Visitor = api(C, V),
) -> dict[str, Any]:
    """Figures for a batch, a track or (neither) the whole programme, as they stood at the
    end of ``as_of`` (default: today) in Jakarta. Aggregates only."""
    services = services_of(request)
    figures = build_report(
        services,
        as_of=as_of_date(services, as_of),
        actor=who.email,
        batch=batch,
        track=track,
        within_years=within_years,
    )
    return figures.to_dict()
