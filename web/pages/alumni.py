"""The officer page's "Alumni" section: career records, testimonials, survey rounds.

Coordinators (and admins) only: the forms here record life after the programme by
hand and hand out an alumnus's personal survey link. Every form carries the session's
CSRF token (checked by the ``page`` gate).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from lifecycle.roles import Role
from lifecycle.services import Services, alumni, career_fields, surveys
from lifecycle.services.accounts import Visitor
from web.auth import page, services_of
from web.pages.forms import done
from web.rendering import render
from web.schemas import RowId

router = APIRouter()
C = Role.COORDINATOR
Round = Annotated[int, Path(ge=1, le=1000)]


def section(
    services: Services, ref: str, graduated: bool, who: Visitor
) -> dict[str, Any] | None:
    """What the officer page's Alumni section shows this visitor; None: no section.
    ``graduated``: the officer's state holds the role (follow-up is open)."""
    if who.role not in (C, Role.ADMIN):
        return None
    records = alumni.career_records(services, ref, actor=who.email)
    said = alumni.testimonials(services, ref, actor=who.email)
    if not graduated and not records and not said:
        return None
    return {
        "open": graduated,
        "records": records,
        "testimonials": said,
        "rounds": surveys.survey_rounds(services, ref, actor=who.email),
        "kinds": career_fields.KINDS,
        "round_numbers": alumni.ROUNDS,
    }


def _back(ref: str) -> str:
    return f"/officers/{ref.strip().upper()}"


@router.post("/officers/{ref}/career")
def add_career(
    request: Request,
    ref: str,
    kind: Annotated[str, Form(max_length=16)],
    position: Annotated[str, Form(max_length=400)],
    organisation: Annotated[str, Form(max_length=600)],
    country: Annotated[str, Form(max_length=100)],
    from_date: Annotated[str, Form(max_length=20)],
    who: Visitor = page(C),
) -> Response:
    entry = alumni.add_career_record(
        services_of(request),
        ref,
        kind=kind,
        position=position,
        organisation=organisation,
        country=country,
        from_date=from_date,
        actor=who.email,
    )
    return done(
        _back(entry.officer_ref),
        f"{entry.officer_ref}: {entry.position}, {entry.organisation} recorded",
    )


@router.post("/officers/{ref}/career/{record_id}/delete")
def delete_career(request: Request, ref: str, record_id: RowId, who: Visitor = page(C)) -> Response:
    message = alumni.delete_career_record(
        services_of(request), record_id, actor=who.email, officer_ref=ref
    )
    return done(_back(ref), message)


@router.post("/officers/{ref}/testimonials")
def add_testimonial(
    request: Request,
    ref: str,
    text: Annotated[str, Form(max_length=8000)],
    may_publish: Annotated[bool, Form()] = False,
    who: Visitor = page(C),
) -> Response:
    entry = alumni.add_testimonial(
        services_of(request), ref, text=text, may_publish=may_publish, actor=who.email
    )
    consent = "may be quoted" if entry.may_publish else "not for publication"
    return done(_back(entry.officer_ref), f"{entry.officer_ref}: testimonial recorded ({consent})")


@router.post("/officers/{ref}/surveys/{round_months}/link")
def survey_link(
    request: Request,
    ref: str,
    round_months: Round,
    reissue: Annotated[bool, Form()] = False,
    who: Visitor = page(C),
) -> Response:
    """The link is shown on its own page, never put in a redirect's query string: it is
    the alumnus's credential and must not end up in history or logs."""
    url = surveys.survey_link(
        services_of(request),
        ref,
        round_months,
        actor=who.email,
        base_url=str(request.base_url),
        reissue=reissue,
    )
    return render(
        request,
        "survey_link.html",
        {"ref": ref.strip().upper(), "round_months": round_months, "url": url, "reissued": reissue},
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
