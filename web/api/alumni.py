"""Alumni follow-up over the API: career records and testimonials of one officer.

Reading follows who may see the officer (coordinators, the officer themself, their
supervisors); recording is for coordinators, as on the console.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from lifecycle.roles import Role
from lifecycle.services import alumni
from lifecycle.services.accounts import Visitor
from web.auth import api, services_of

router = APIRouter(tags=["alumni"])
C, S, OFF = Role.COORDINATOR, Role.SUPERVISOR, Role.OFFICER


class CareerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1, max_length=16, description="promotion, posting or other")
    position: str = Field(min_length=1, max_length=200)
    organisation: str = Field(min_length=1, max_length=300)
    country: str = Field(min_length=1, max_length=100, description="ISO 3166 code or name")
    from_date: date


class TestimonialBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000)
    may_publish: bool = False


def _json(entry: Any) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in asdict(entry).items()}


@router.get("/officers/{ref}/career")
def career(request: Request, ref: str, who: Visitor = api(C, S, OFF)) -> list[dict[str, Any]]:
    return [_json(e) for e in alumni.career_records(services_of(request), ref, actor=who.email)]


@router.post("/officers/{ref}/career", status_code=201)
def add_career(
    request: Request, ref: str, body: CareerBody, who: Visitor = api(C)
) -> dict[str, Any]:
    entry = alumni.add_career_record(
        services_of(request),
        ref,
        kind=body.kind,
        position=body.position,
        organisation=body.organisation,
        country=body.country,
        from_date=body.from_date,
        actor=who.email,
    )
    return _json(entry)


@router.get("/officers/{ref}/testimonials")
def testimonials(request: Request, ref: str, who: Visitor = api(C, S, OFF)) -> list[dict[str, Any]]:
    return [_json(t) for t in alumni.testimonials(services_of(request), ref, actor=who.email)]


@router.post("/officers/{ref}/testimonials", status_code=201)
def add_testimonial(
    request: Request, ref: str, body: TestimonialBody, who: Visitor = api(C)
) -> dict[str, Any]:
    entry = alumni.add_testimonial(
        services_of(request),
        ref,
        text=body.text,
        may_publish=body.may_publish,
        actor=who.email,
    )
    return _json(entry)
