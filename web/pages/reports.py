"""The funder's report page: a scope, an as-of date, the figures and charts, downloads.

Coordinators, admins and viewers (funder and management) see it; the report holds
aggregates only, no person's name. The charts are inline SVG drawn on the server, so
the page needs no script and stays within the console's Content-Security-Policy.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from lifecycle.errors import InvalidData
from lifecycle.reporting import documents
from lifecycle.reporting.figures import DEFAULT_WITHIN_YEARS, build_report
from lifecycle.reporting.html import render_body
from lifecycle.reporting.model import Report
from lifecycle.roles import Role
from lifecycle.services import Services, views, workflows
from lifecycle.services.accounts import Visitor
from lifecycle.services.validation import iso_date
from web.auth import page, services_of
from web.rendering import render

router = APIRouter()
C, V = Role.COORDINATOR, Role.VIEWER

ScopeParam = Annotated[str, Query(max_length=80)]
DateParam = Annotated[str | None, Query(max_length=40)]
YearsParam = Annotated[int, Query()]


def as_of_date(services: Services, value: str | None) -> date:
    """The date asked for; today in Jakarta when none is given."""
    if value is None or not value.strip():
        return services.today()
    return iso_date(value, "as_of")


def split_scope(scope: str) -> tuple[str | None, str | None]:
    """``batch:JD17`` -> (JD17, None); ``track:aec-ascc`` -> (None, aec-ascc); "" -> both None."""
    if not scope:
        return None, None
    kind, _, key = scope.partition(":")
    if kind == "batch" and key:
        return key, None
    if kind == "track" and key:
        return None, key
    raise InvalidData(
        f"scope {scope!r} is not 'batch:REF', 'track:SLUG' or empty (the whole programme)",
        fields={"scope": "unknown"},
    )


def _report(request: Request, who: Visitor, scope: str, as_of: str | None, years: int) -> Report:
    services = services_of(request)
    batch, track = split_scope(scope)
    return build_report(
        services,
        as_of=as_of_date(services, as_of),
        actor=who.email,
        batch=batch,
        track=track,
        within_years=years,
    )


def _choices(services: Services) -> list[dict[str, str]]:
    tracks = {d["track"]: d["title"] for d in workflows.published(services)}
    return [
        {"value": "", "label": "The whole programme"},
        *({"value": f"track:{slug}", "label": f"Track: {title}"} for slug, title in tracks.items()),
        *(
            {"value": f"batch:{b['ref']}", "label": f"Batch {b['ref']} ({b['title']})"}
            for b in views.batch_list(services)
        ),
    ]


@router.get("/reports")
def reports(
    request: Request,
    scope: ScopeParam = "",
    as_of: DateParam = None,
    within_years: YearsParam = DEFAULT_WITHIN_YEARS,
    who: Visitor = page(C, V),
) -> Response:
    figures = _report(request, who, scope, as_of, within_years)
    query: dict[str, Any] = {
        "scope": scope,
        "as_of": figures.as_of.isoformat(),
        "within_years": within_years,
    }
    return render(
        request,
        "reports.html",
        {
            "report": figures,
            "body": render_body(figures),
            "choices": _choices(services_of(request)),
            "scope": scope,
            "downloads": [
                (fmt.upper(), f"/reports/download?{urlencode({'format': fmt, **query})}")
                for fmt in ("pdf", "xlsx", "csv")
            ],
        },
    )


@router.get("/reports/download")
def download(
    request: Request,
    fmt: Annotated[str, Query(alias="format", max_length=8)],
    scope: ScopeParam = "",
    as_of: DateParam = None,
    within_years: YearsParam = DEFAULT_WITHIN_YEARS,
    who: Visitor = page(C, V),
) -> Response:
    documents.check_format(fmt)  # before the figures: a typo costs nothing
    figures = _report(request, who, scope, as_of, within_years)
    document = documents.render(figures, fmt)
    return Response(
        document.data,
        media_type=document.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{document.filename(figures)}"',
            "Cache-Control": "no-store",
        },
    )
