"""Schemathesis fuzzes every operation of /api/openapi.json against the ASGI app.

Generated requests (valid and invalid) are sent with a coordinator's token, and to the
admin-only user creation with an admin's: no answer may be a server error, and an answer
whose status the document describes must match the schema it gives there. Each case is
sent twice: as generated, and with its path naming things that exist (the seeded
officer, batch, template...), so the fuzzed query and body reach the business rules
instead of stopping at a 404. Bounded and derandomized, so it runs the same way each
time, in well under two minutes, on SQLite.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from lifecycle.persistence.database import Database
from lifecycle.roles import Role
from lifecycle.services import Services
from notifications.rendering import TemplateRenderer
from tests.web.conftest import World, problem
from web.app import create_app


def _document() -> schemathesis.BaseSchema:
    # The document depends on the routes only: an app over an unopened in-memory database
    # serves it. Each generated request then goes to the test's own app (``app=`` below),
    # whose database is a fresh copy of the seeded programme. Loaded eagerly because the
    # fixture-based loader of schemathesis 4.32 breaks on pytest 9.2 (Node._nodeid).
    database = Database("sqlite://")
    try:
        app = create_app(Services(database), TemplateRenderer())
        return schemathesis.openapi.from_asgi("/api/openapi.json", app)
    finally:
        database.dispose()


schema = _document()
FUZZ = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
CHECKS = [not_a_server_error, response_schema_conformance]
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def existing(case: Case, world: World) -> dict[str, object]:
    """Path parameters that name seeded records, for the case's operation."""
    path = case.operation.path
    template = path.startswith("/api/templates")
    known: dict[str, object] = {
        "ref": world.mine if path.startswith("/api/officers") else "JD17",
        "item": "passport",
        "name": "signoff_due" if template else "placement.midterm",
        "track": "junior-diplomats",
        "reminder_id": world.failed_reminder,
        "absence_id": 999_999,  # none in the seed
        "code": "K7QH-2M9X-4TRB-ZC0D",  # well-formed; no certificate in the seed has it
    }
    return {name: known[name] for name in case.path_parameters or {}}


def fuzz(case: Case, app: FastAPI, world: World, role: Role) -> None:
    case.call_and_validate(app=app, headers=world.bearer(role), checks=CHECKS)
    if case.path_parameters:
        case.path_parameters = existing(case, world)
        case.call_and_validate(app=app, headers=world.bearer(role), checks=CHECKS)


@SQLITE_ONLY
@schema.exclude(method="POST", path="/api/users").parametrize()
@FUZZ
def test_no_operation_fails_with_a_server_error(case: Case, app: FastAPI, world: World) -> None:
    fuzz(case, app, world, Role.COORDINATOR)


@SQLITE_ONLY
@schema.include(method="POST", path="/api/users").parametrize()
@FUZZ
def test_adding_users_never_fails_with_a_server_error(
    case: Case, app: FastAPI, world: World
) -> None:
    """Only admins may add users: fuzzed as an admin, so the body is really processed."""
    fuzz(case, app, world, Role.ADMIN)


def test_the_document_describes_the_problem_answers_the_api_gives(
    client: TestClient, world: World
) -> None:
    """Every operation documents its errors as RFC 9457 problem JSON, the format the API
    really answers in, not FastAPI's default 422 body (which it never sends)."""
    document = client.get("/api/openapi.json").json()
    assert "HTTPValidationError" not in document.get("components", {}).get("schemas", {})
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status in ("400", "401", "403", "404", "409", "422"):
                content = operation["responses"][status]["content"]
                assert ["application/problem+json"] == list(content), (method, path, status)
                schema_ = content["application/problem+json"]["schema"]
                assert {"type", "title", "status", "detail"} <= set(schema_["required"])
    documented = document["paths"]["/api/officers/{ref}/advance"]["post"]["responses"]["422"]
    schema_ = documented["content"]["application/problem+json"]["schema"]
    response = client.post(f"/api/officers/{world.mine}/advance", json={"trigger": ""},
                           headers=world.bearer(Role.COORDINATOR))
    body = problem(response, 422, "invalid_data")  # the answer has every documented field
    assert set(schema_["required"]) <= set(body)
    assert schema_.get("additionalProperties", True) is not False  # extras: fields, missing
