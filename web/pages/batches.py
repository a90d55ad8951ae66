"""Batches: the list, a new batch, the board, nominations."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from lifecycle.roles import COUNTRIES, Role
from lifecycle.services import setup, views
from lifecycle.services import workflows as published
from lifecycle.services.accounts import Visitor
from lifecycle.services.board import batch_board
from lifecycle.services.worklist import bulk_menu
from web.auth import page, services_of
from web.pages.forms import done
from web.rendering import render

router = APIRouter()
C = Role.COORDINATOR


@router.get("/batches")
def batch_list(request: Request, done: str | None = None, _: Visitor = page(C)) -> Response:
    services = services_of(request)
    return render(request, "batches.html", {
        "batches": views.batch_list(services),
        "tracks": published.published(services),
        "done": done,
    })


@router.post("/batches")
def create_batch(
    request: Request,
    track: Annotated[str, Form()],
    number: Annotated[int, Form(ge=1, le=10_000)],
    start: Annotated[date, Form()],
    end: Annotated[date, Form()],
    funder: Annotated[str, Form(max_length=200)] = "JAIF",
    _: Visitor = page(C),
) -> Response:
    ref = setup.create_batch(
        services_of(request), track=track, number=number, start=start, end=end, funder=funder
    )
    return done(f"/batches/{ref}", f"Batch {ref} created")


@router.get("/batches/{ref}")
def board(request: Request, ref: str, done: str | None = None, _: Visitor = page(C)) -> Response:
    return render(request, "board.html", {
        "board": batch_board(services_of(request), ref),
        "bulk": bulk_menu(services_of(request)),
        "countries": COUNTRIES,
        "done": done,
    })


@router.post("/batches/{ref}/officers")
def nominate(
    request: Request,
    ref: str,
    name: Annotated[str, Form(max_length=200)],
    country: Annotated[str, Form(max_length=40)],
    ministry: Annotated[str, Form(max_length=300)],
    email: Annotated[str, Form(max_length=320)],
    position: Annotated[str | None, Form(max_length=200)] = None,
    who: Visitor = page(C),
) -> Response:
    outcome = setup.nominate(
        services_of(request), batch=ref, name=name, country=country, ministry=ministry,
        email=email, position=position or None, actor=who.email,
    )
    return done(f"/batches/{ref}", outcome.message)
