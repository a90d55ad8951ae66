"""The officers list's filters, read from the query string the same way by the console's
/officers page and the API's /api/worklist."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from lifecycle.services.worklist import PER_PAGE, Filters


def list_filters(
    batch: Annotated[str | None, Query(max_length=16)] = None,
    stage: Annotated[str | None, Query(max_length=64)] = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    overdue: bool = False,
    blocked_by: Annotated[str | None, Query(max_length=64)] = None,
    attention: bool = False,
    q: Annotated[str, Query(max_length=200)] = "",
    sort: Annotated[str | None, Query(max_length=8)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = PER_PAGE,
) -> Filters:
    """An empty field (a form's "any") is no filter; a wrong sort or country is refused
    by Filters itself, with the message naming what is allowed."""
    return Filters(
        batch=batch or None, stage=stage or None, country=country or None, overdue=overdue,
        blocked_by=blocked_by or None, attention=attention, q=q,
        # The attention view is a queue: the latest first unless asked otherwise.
        sort=sort or ("late" if attention else "ref"),  # type: ignore[arg-type]
        page=page, per_page=per_page,
    )


ListFilters = Annotated[Filters, Depends(list_filters)]
