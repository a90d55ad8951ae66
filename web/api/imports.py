"""Nominations uploaded as a spreadsheet (multipart), all or nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile, status

from lifecycle.roles import Role
from lifecycle.services import imports
from lifecycle.services.accounts import Visitor
from web.auth import api, services_of
from web.pages.imports import read_upload

router = APIRouter(tags=["batches"])


@router.post("/batches/{ref}/officers/import", status_code=status.HTTP_201_CREATED)
def import_nominations(
    request: Request, ref: str, file: Annotated[UploadFile, File()],
    who: Visitor = api(Role.COORDINATOR),
) -> dict[str, object]:
    """Nominate every row of a .xlsx or .csv sheet (name, country, ministry, email,
    position). Any problem: 422 with ``problems`` (row, column, problem), nothing written."""
    result = imports.import_nominations(
        services_of(request), batch=ref, data=read_upload(file),
        filename=file.filename or "upload", actor=who.email,
    )
    return result.to_dict()
