"""Batches: the list and summaries (viewers too), the board, creation, nominations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status

from lifecycle.roles import Role
from lifecycle.services import setup, views
from lifecycle.services.accounts import Visitor
from lifecycle.services.board import batch_board
from notifications import reminders_view
from web.auth import api, services_of
from web.schemas import BatchBody, NominationBody
from web.scope import outcome_json

router = APIRouter(tags=["batches"])
C, V = Role.COORDINATOR, Role.VIEWER


@router.get("/batches")
def list_batches(request: Request, _: Visitor = api(C, V)) -> list[dict[str, Any]]:
    """Every batch with its officers counted by stage (aggregates only)."""
    return views.batch_list(services_of(request))


@router.post("/batches", status_code=status.HTTP_201_CREATED)
def create_batch(request: Request, body: BatchBody, who: Visitor = api(C)) -> dict[str, Any]:
    services = services_of(request)
    ref = setup.create_batch(
        services, track=body.track, number=body.number, start=body.start, end=body.end,
        quotas=body.quotas, optional_stages=body.optional_stages, funder=body.funder,
        milestones=body.milestones,
    )
    return views.batch_detail(services, ref)


@router.get("/batches/{ref}")
def get_batch(request: Request, ref: str, _: Visitor = api(C)) -> dict[str, Any]:
    return views.batch_detail(services_of(request), ref)


@router.get("/batches/{ref}/board")
def board(request: Request, ref: str, _: Visitor = api(C)) -> dict[str, Any]:
    return batch_board(services_of(request), ref)


@router.post("/batches/{ref}/officers", status_code=status.HTTP_201_CREATED)
def nominate(
    request: Request, ref: str, body: NominationBody, who: Visitor = api(C)
) -> dict[str, Any]:
    outcome = setup.nominate(
        services_of(request), batch=ref, name=body.name, country=body.country,
        ministry=body.ministry, email=body.email, actor=who.email, position=body.position,
        timezone=body.timezone,
    )
    return outcome_json(outcome)


@router.get("/batches/{ref}/reminders/preview")
def preview(
    request: Request, ref: str, _: Visitor = api(C)
) -> list[dict[str, Any]]:
    """Every reminder the batch will receive until its end if nobody acts."""
    return reminders_view.preview(services_of(request), ref, None)
