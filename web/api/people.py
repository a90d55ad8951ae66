"""The signed-in user, users, divisions and the published workflows."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status

from lifecycle.roles import Role
from lifecycle.services import accounts, setup, views
from lifecycle.services import workflows as published
from lifecycle.services.accounts import Visitor
from web.auth import EVERYONE, api, services_of
from web.schemas import DivisionBody, UserBody

router = APIRouter()
C = Role.COORDINATOR


@router.get("/me", tags=["people"])
def me(who: Visitor = api(*EVERYONE)) -> dict[str, Any]:
    return {"email": who.email, "name": who.name, "role": who.role, "timezone": who.timezone}


@router.get("/users", tags=["people"])
def list_users(request: Request, _: Visitor = api(C)) -> list[dict[str, Any]]:
    return views.user_list(services_of(request))


@router.post("/users", tags=["people"], status_code=status.HTTP_201_CREATED)
def add_user(request: Request, body: UserBody, _: Visitor = api()) -> dict[str, Any]:
    """Admins only. With ``password`` the user can sign in to the console at once."""
    user = accounts.add_user(
        services_of(request), name=body.name, email=body.email, role=body.role,
        timezone=body.timezone, password=body.password,
    )
    return {"email": user.email, "name": user.name, "role": user.role, "timezone": user.timezone}


@router.get("/divisions", tags=["people"])
def list_divisions(request: Request, _: Visitor = api(C)) -> list[dict[str, Any]]:
    return views.division_list(services_of(request))


@router.post("/divisions", tags=["people"], status_code=status.HTTP_201_CREATED)
def add_division(request: Request, body: DivisionBody, _: Visitor = api(C)) -> dict[str, Any]:
    division = setup.add_division(services_of(request), name=body.name, department=body.department)
    return {"name": division.name, "department": body.department.upper()}


@router.get("/workflows", tags=["workflows"])
def list_workflows(request: Request, _: Visitor = api(*EVERYONE)) -> list[dict[str, Any]]:
    return published.published(services_of(request))


@router.get("/workflows/{track}", tags=["workflows"])
def get_workflow(request: Request, track: str, _: Visitor = api(*EVERYONE)) -> dict[str, Any]:
    workflow = published.compiled(services_of(request), track)
    return {
        **workflow.definition.model_dump(mode="json"),
        "mermaid": workflow.mermaid(),
    }
