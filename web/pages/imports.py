"""Nominations uploaded as a spreadsheet: the form, the template, the upload."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response

from lifecycle import sheets
from lifecycle.errors import InvalidData, InvalidRows
from lifecycle.roles import Role
from lifecycle.services import imports, views
from lifecycle.services.accounts import Visitor
from web.auth import page, services_of
from web.pages.forms import done
from web.rendering import render

router = APIRouter()
C = Role.COORDINATOR


def read_upload(upload: UploadFile) -> bytes:
    """At most one byte more than a sheet may have: enough for the service to refuse it."""
    return upload.file.read(sheets.MAX_BYTES + 1)


def _form(request: Request, ref: str, **extra: Any) -> dict[str, Any]:
    batch = views.batch_detail(services_of(request), ref)
    return {"batch": batch, "columns": imports.COLUMNS, "required": imports.REQUIRED, **extra}


@router.get("/batches/{ref}/import")
def import_form(request: Request, ref: str, _: Visitor = page(C)) -> Response:
    return render(request, "import.html", _form(request, ref))


@router.get("/batches/{ref}/import/template.xlsx")
def import_template(request: Request, ref: str, _: Visitor = page(C)) -> Response:
    views.batch_detail(services_of(request), ref)  # an unknown batch is a 404 here too
    return Response(
        imports.template("xlsx"), media_type=sheets.XLSX_TYPE,
        headers={"Content-Disposition": 'attachment; filename="nominations.xlsx"'},
    )


@router.post("/batches/{ref}/import")
def import_upload(
    request: Request, ref: str, file: Annotated[UploadFile, File()], who: Visitor = page(C)
) -> Response:
    filename = file.filename or "upload"
    try:
        result = imports.import_nominations(
            services_of(request), batch=ref, data=read_upload(file), filename=filename,
            actor=who.email,
        )
    except InvalidData as exc:
        problems = exc.problems if isinstance(exc, InvalidRows) else []
        heading = exc.message.split("\n", 1)[0]
        return render(request, "import.html", _form(
            request, ref, filename=filename, heading=heading, problems=problems,
        ), status_code=422)
    return done(f"/batches/{result.batch}", result.message)
