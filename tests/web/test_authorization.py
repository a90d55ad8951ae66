"""Who may call what: one table for every route of the app, pages and API alike.

The table is checked three ways: it names exactly the app's routes, it agrees with the
roles each route's gate declares, and a real request per route and per visitor (each
role, and nobody) is let through or refused as it says, on SQLite and PostgreSQL.
A refused request must leave the database exactly as it was.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from lifecycle.roles import Role
from tests.support import DIVISION, OTHER_SUPERVISOR, SUPERVISOR, dump
from tests.web.conftest import (
    EMAILS,
    PASSWORD,
    World,
    form_with_csrf,
    problem,
    session_cookie,
    unchanged,
)

A, C, S, OFF, V = Role.ADMIN, Role.COORDINATOR, Role.SUPERVISOR, Role.OFFICER, Role.VIEWER
EVERYONE = frozenset(Role)
PUBLIC = None  # no gate at all: anonymous visitors too
NOT_ROUTES = ("/static", "/api/openapi.json")  # files and the schema: public by design

BATCH = {"track": "junior-diplomats", "number": 18, "start": "2024-02-01",
         "end": "2025-01-31"}
NOMINATION = {"name": "Chhy Ratha", "country": "KH", "ministry": "Ministry of Foreign Affairs",
              "email": "chhy.ratha@mfaic.example"}
DRAFT = {"subject": "Due in {{ 6 * 7 }} days", "txt": "Please sign.\n",
         "html": "<p>Please sign.</p>\n"}
SHEET = ("nominations.csv",
         b"name,country,ministry,email\nChhy Ratha,KH,Ministry of Foreign Affairs,"
         b"chhy.sheet@mfaic.example\n", "text/csv")
CAREER = {"kind": "promotion", "position": "Director", "organisation": "MFA", "country": "JP",
          "from_date": "2023-01-01"}
NEW_USER = {"name": "Htet Htet Htoo", "email": "htet.htoo@asean.example", "role": "viewer",
            "password": "a long enough passphrase"}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    roles: frozenset[Role] | None  # who the gate lets through (admins always); None: public
    body: dict[str, Any] | None = None  # a valid JSON body (API) or form (pages)
    upload: bool = False  # sends SHEET as the multipart field "file"


def roles(*allowed: Role) -> frozenset[Role]:
    return frozenset({A, *allowed})


# THE table: every (method, path) of the app and who may use it.
TABLE = [
    # -- API (bearer token) ----------------------------------------------------------
    Route("GET", "/api/officers", roles(C)),
    Route("GET", "/api/worklist", roles(C, V)),
    Route("POST", "/api/officers/bulk", roles(C), {"action": "remind", "refs": ["JD17-01"]}),
    Route("GET", "/api/officers/{ref}", roles(C, S, OFF)),
    Route("GET", "/api/officers/{ref}/diagram", roles(C, S, OFF)),
    Route("GET", "/api/officers/{ref}/reminders", roles(C, S, OFF)),
    Route("POST", "/api/officers/{ref}/advance", roles(C), {"trigger": "start_training"}),
    Route("POST", "/api/officers/{ref}/deadlines", roles(C),
          {"name": "placement.midterm", "due": "2023-07-20", "reason": "Leave"}),
    Route("POST", "/api/officers/{ref}/placement", roles(C),
          {"division": DIVISION, "supervisor": OTHER_SUPERVISOR}),
    Route("PUT", "/api/officers/{ref}/checklist/{item}", roles(C, OFF)),
    Route("DELETE", "/api/officers/{ref}/checklist/{item}", roles(C, OFF)),
    Route("POST", "/api/officers/{ref}/signoffs/{name}", roles(S), {"decision": "approve"}),
    Route("GET", "/api/inbox", roles(S)),
    Route("GET", "/api/absences", roles(C, S)),
    Route("POST", "/api/absences", roles(C, S), {
        "supervisor": SUPERVISOR, "from": "2023-03-01", "until": "2023-03-10",
        "substitute": OTHER_SUPERVISOR}),
    Route("DELETE", "/api/absences/{absence_id}", roles(C, S)),  # unknown: 404
    Route("POST", "/api/officers/{ref}/signoffs/{name}/assignee", roles(C),
          {"to": OTHER_SUPERVISOR, "reason": "Maria on leave"}),
    Route("GET", "/api/batches", roles(C, V)),
    Route("GET", "/api/reports", roles(C, V)),  # aggregates only
    Route("POST", "/api/batches", roles(C), BATCH),
    Route("GET", "/api/batches/{ref}", roles(C)),
    Route("GET", "/api/batches/{ref}/board", roles(C)),
    Route("POST", "/api/batches/{ref}/officers", roles(C), NOMINATION),
    Route("POST", "/api/batches/{ref}/officers/import", roles(C), upload=True),
    Route("GET", "/api/batches/{ref}/reminders/preview", roles(C)),
    Route("GET", "/api/me", EVERYONE),
    Route("GET", "/api/users", roles(C)),
    Route("POST", "/api/users", roles(), NEW_USER),
    Route("GET", "/api/divisions", roles(C)),
    Route("POST", "/api/divisions", roles(C), {"name": "Energy Division", "department": "AEC"}),
    Route("GET", "/api/workflows", EVERYONE),
    Route("GET", "/api/workflows/{track}", EVERYONE),
    Route("GET", "/api/reminders", roles(C)),
    Route("POST", "/api/reminders/{reminder_id}/retry", roles(C)),
    Route("GET", "/api/templates", roles(C)),
    Route("GET", "/api/templates/{name}", roles(C)),
    Route("POST", "/api/templates/{name}/preview", roles(C), DRAFT),
    Route("PUT", "/api/templates/{name}", roles(C), DRAFT),
    Route("GET", "/api/officers/{ref}/career", roles(C, S, OFF)),
    Route("POST", "/api/officers/{ref}/career", roles(C), CAREER),  # placed: 400, not alumni
    Route("GET", "/api/officers/{ref}/testimonials", roles(C, S, OFF)),
    Route("POST", "/api/officers/{ref}/testimonials", roles(C), {"text": "Thank you"}),
    # -- pages (session cookie, CSRF token on every post) -----------------------------
    Route("GET", "/signin", PUBLIC),
    Route("POST", "/signin", PUBLIC),  # the form is filled in per visitor
    Route("POST", "/signout", EVERYONE),
    Route("GET", "/", EVERYONE),
    Route("GET", "/batches", roles(C)),
    Route("POST", "/batches", roles(C), BATCH),
    Route("GET", "/batches/{ref}", roles(C)),
    Route("POST", "/batches/{ref}/officers", roles(C), NOMINATION),
    Route("GET", "/batches/{ref}/import", roles(C)),
    Route("GET", "/batches/{ref}/import/template.xlsx", roles(C)),
    Route("POST", "/batches/{ref}/import", roles(C), upload=True),
    Route("GET", "/me", roles(OFF)),
    Route("GET", "/officers/{ref}", roles(C, S, OFF)),
    Route("POST", "/officers/{ref}/advance", roles(C), {"trigger": "start_training"}),
    Route("POST", "/officers/{ref}/placement", roles(C),
          {"division": DIVISION, "supervisor": OTHER_SUPERVISOR}),
    Route("POST", "/officers/{ref}/checklist/{item}", roles(C, OFF), {"ticked": "true"}),
    Route("POST", "/officers/{ref}/signoffs/{name}", roles(S), {"decision": "approve"}),
    Route("GET", "/inbox", roles(S)),
    Route("POST", "/inbox/away", roles(S),
          {"starts_on": "2023-03-01", "ends_on": "2023-03-10", "substitute": OTHER_SUPERVISOR}),
    Route("POST", "/inbox/away/{absence_id}/cancel", roles(S)),  # unknown: 404
    Route("POST", "/officers/{ref}/signoffs/reassign", roles(C),
          {"name": "placement.midterm", "to": OTHER_SUPERVISOR, "reason": "Maria on leave"}),
    Route("GET", "/reminders", roles(C)),
    Route("POST", "/reminders/{reminder_id}/retry", roles(C)),
    Route("GET", "/templates", roles(C)),
    Route("GET", "/templates/{name}", roles(C)),
    Route("POST", "/templates/{name}/preview", roles(C), DRAFT),
    Route("POST", "/templates/{name}", roles(C), DRAFT),
    Route("GET", "/users", roles(C)),
    Route("POST", "/users", roles(), NEW_USER),
    Route("GET", "/reports", roles(C, V)),
    Route("GET", "/reports/download", roles(C, V)),  # no format: 422 once let through
    Route("GET", "/account", EVERYONE),
    Route("POST", "/account/tokens", EVERYONE, {"label": "laptop"}),
    Route("POST", "/account/calendars", roles(C, S, OFF)),  # no kind: one's own (staff: 422)
    Route("POST", "/account/calendars/{feed_id}/revoke", EVERYONE),  # unknown feed: 404
    Route("POST", "/batches/{ref}/calendars", roles(C)),
    Route("GET", "/calendars/{token}.ics", PUBLIC),  # the token is the credential
    Route("GET", "/api/officers/{ref}/certificate", roles(C, S, OFF)),  # none yet: 404
    Route("GET", "/api/certificates/verify/{code}", PUBLIC),  # the code is what's checked
    Route("GET", "/officers/{ref}/certificate.pdf", roles(C, S, OFF)),  # none yet: 404
    Route("POST", "/officers/{ref}/certificate/revoke", roles(C), {"reason": "typo"}),
    Route("GET", "/verify", PUBLIC),
    Route("GET", "/verify/{code}", PUBLIC),  # unknown code: 404
    Route("POST", "/officers/{ref}/career", roles(C), CAREER),
    Route("POST", "/officers/{ref}/career/{record_id}/delete", roles(C)),  # unknown: 404
    Route("POST", "/officers/{ref}/testimonials", roles(C), {"text": "Thank you"}),
    Route("POST", "/officers/{ref}/surveys/{round_months}/link", roles(C)),
    Route("GET", "/surveys/{token}", PUBLIC),  # the signed link is the credential
    Route("POST", "/surveys/{token}", PUBLIC, {"same_position": "yes"}),
    Route("GET", "/links/{token}", PUBLIC),  # a reminder's signed action link
    Route("POST", "/links/{token}", PUBLIC, {"comment": "Please add the annex"}),
    Route("GET", "/search", roles(C, V)),
    Route("GET", "/officers", roles(C, V)),
    Route("POST", "/officers/bulk", roles(C), {"action": "remind", "ref": "JD17-01"}),
    Route("POST", "/officers/{ref}/documents/{item}", roles(C, OFF), upload=True),
    Route("GET", "/officers/{ref}/documents/{item}", roles(C, OFF)),
    Route("GET", "/api/officers/{ref}/documents", roles(C, OFF)),
    Route("POST", "/api/officers/{ref}/documents/{item}", roles(C, OFF), upload=True),
    Route("GET", "/api/officers/{ref}/documents/{item}", roles(C, OFF)),
    Route("POST", "/officers/{ref}/revert", roles(C), {"reason": "Wrong click"}),
    Route("POST", "/officers/{ref}/deadlines", roles(C),
          {"name": "placement.midterm", "due": "2023-07-20", "reason": "Leave"}),
    Route("GET", "/nominate/{token}", PUBLIC),  # a ministry's signed invitation
    Route("POST", "/nominate/{token}", PUBLIC, {"name": "ស៊ុន ដារ៉ា"}),
]

# Let through by the gate, then refused by a rule of the domain: only the supervisor an
# officer is placed with signs their stages off, and an admin is never that supervisor.
RULE_REFUSALS = {
    ("POST", "/api/officers/{ref}/signoffs/{name}", A),
    ("POST", "/officers/{ref}/signoffs/{name}", A),
}

ALLOWED, FORBIDDEN, RULE, SIGN_IN = "allowed", "forbidden (403)", "refused by a rule", "sign in"


def app_routes(app: FastAPI) -> Iterator[tuple[str, str, Any]]:
    """(method, path, route) for every route the app serves, except files and schema."""
    for context in iter_route_contexts(app.routes):
        path = context.path
        if path is None or path.startswith(NOT_ROUTES):
            continue
        methods = set(context.methods or ())
        if "GET" in methods:
            methods.discard("HEAD")  # added by Starlette, not declared
        for method in sorted(methods):
            yield method, path, context


def declared_roles(context: Any) -> frozenset[Role] | None:
    """The ``allowed_roles`` of the route's gate dependency (None: the route has no gate)."""
    found: list[frozenset[Role]] = []

    def walk(dependant: Any) -> None:
        for sub in dependant.dependencies:
            if hasattr(sub.call, "allowed_roles"):
                found.append(sub.call.allowed_roles)
            walk(sub)

    walk(context.dependant)
    assert len(found) <= 1, f"{context.path} has {len(found)} gates"
    return found[0] if found else None


def test_the_table_names_every_route_of_the_app_and_nothing_else(app: FastAPI) -> None:
    """A new route without a row here fails this test until someone decides who may use it."""
    served = {(method, path) for method, path, _ in app_routes(app)}
    listed = {(route.method, route.path) for route in TABLE}
    assert len(TABLE) == len(listed), "a route is listed twice"
    assert (set(), set()) == (served - listed, listed - served)


def test_the_table_agrees_with_the_roles_each_gate_declares(app: FastAPI) -> None:
    table = {(route.method, route.path): route.roles for route in TABLE}
    declared = {
        (method, path): declared_roles(context) for method, path, context in app_routes(app)
    }
    assert table == declared


# -- one real request per route and visitor ---------------------------------------------


def concrete(path: str, world: World) -> str:
    """The path template filled in with things that exist, in every allowed role's scope."""
    officer = path.startswith(("/api/officers", "/officers"))
    template = path.startswith(("/api/templates", "/templates"))
    return path.format(
        ref=world.mine if officer else "JD17",
        item="passport",  # open during the placement, for coordinators and the officer
        name="signoff_due" if template else "placement.midterm",
        track="junior-diplomats",
        reminder_id=world.failed_reminder,
        feed_id=999_999,  # no such feed: the gate is what is checked here
        record_id=999_999,  # no such career record: likewise
        absence_id=999_999,  # no such absence: likewise
        round_months=6,
        token="no-such-token",
        code="K7QH-2M9X-4TRB-ZC0D",  # no certificate has it
    )


def send(client: TestClient, world: World, route: Route, visitor: Role | None) -> Any:
    client.cookies.clear()  # a sign-in earlier in the loop must not speak for this visitor
    path = concrete(route.path, world)
    files = {"file": SHEET} if route.upload else None
    if route.path.startswith("/api/"):
        headers = world.bearer(visitor) if visitor else {}
        body = route.body if route.method in ("POST", "PUT") else None
        return client.request(route.method, path, json=body, files=files, headers=headers)
    if route == Route("POST", "/signin", PUBLIC):
        email = EMAILS[visitor or C]
        return client.post(path, data={"email": email, "password": PASSWORD})
    if visitor is None:
        return client.request(route.method, path, data=route.body, files=files)
    signed = world.session(visitor)
    form = form_with_csrf(signed, **(route.body or {})) if route.method == "POST" else None
    return client.request(route.method, path, data=form, files=files,
                          headers=session_cookie(signed))


GATE = re.compile(r"is an? \w+; this needs: ")


def outcome(route: Route, response: Any) -> str:
    status = response.status_code
    assert status < 500, f"{route.method} {route.path}: {status} {response.text[:500]}"
    if route.path.startswith("/api/"):
        if status == 401:
            problem(response, 401, "not_signed_in")
            return SIGN_IN
        if status == 403:
            detail = problem(response, 403, "permission_denied")["detail"]
            return FORBIDDEN if GATE.search(detail) else RULE
        return ALLOWED
    if status == 303 and response.headers["location"].startswith("/signin?next="):
        return SIGN_IN
    if status == 403:
        found = re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', response.text, re.S)
        assert found, response.text
        return FORBIDDEN if GATE.search(html.unescape(found.group(1))) else RULE
    return ALLOWED


def expected(route: Route, visitor: Role | None) -> str:
    if route.roles is PUBLIC:
        return ALLOWED
    if visitor is None:
        return SIGN_IN
    if (route.method, route.path, visitor) in RULE_REFUSALS:
        return RULE
    return ALLOWED if visitor in route.roles else FORBIDDEN


VISITORS: list[Role | None] = [None, V, OFF, S, C, A]


@pytest.mark.parametrize(
    "route", TABLE, ids=[f"{route.method} {route.path}" for route in TABLE]
)
def test_each_visitor_is_let_through_or_refused_as_the_table_says(
    client: TestClient, world: World, route: Route
) -> None:
    """Nobody, then each role: refusals first write nothing; no answer is a 5xx."""
    actual, wanted = {}, {}
    for visitor in VISITORS:
        name = visitor.value if visitor else "anonymous"
        before = dump(world.services)
        result = outcome(route, send(client, world, route, visitor))
        if result != ALLOWED:
            assert before == dump(world.services), f"{name} was refused but something changed"
        actual[name], wanted[name] = result, expected(route, visitor)
    assert wanted == actual


def test_the_table_exercises_every_role_and_refusal() -> None:
    """The matrix is not vacuous: every role is both allowed and refused somewhere."""
    for role in Role:
        outcomes = {expected(route, role) for route in TABLE}
        assert ALLOWED in outcomes, role
        assert role is A or FORBIDDEN in outcomes, role
    assert {expected(route, None) for route in TABLE} == {ALLOWED, SIGN_IN}


# -- scopes: which officers each role sees -------------------------------------------------


def test_a_supervisor_sees_and_signs_off_only_officers_placed_with_them(
    client: TestClient, world: World
) -> None:
    headers = world.bearer(S)
    signed = world.session(S)
    assert 200 == client.get(f"/api/officers/{world.mine}", headers=headers).status_code
    assert 200 == client.get(f"/officers/{world.mine}", headers=session_cookie(signed)).status_code
    with unchanged(world.services):
        for path in (f"/api/officers/{world.theirs}", f"/api/officers/{world.theirs}/diagram",
                     f"/api/officers/{world.theirs}/reminders"):
            problem(client.get(path, headers=headers), 403, "permission_denied")
        response = client.get(f"/officers/{world.theirs}", headers=session_cookie(signed))
        assert 403 == response.status_code
        assert f"may not see officer {world.theirs}" in response.text
        response = client.post(f"/api/officers/{world.theirs}/signoffs/placement.midterm",
                               json={"decision": "approve"}, headers=headers)
        problem(response, 403, "permission_denied")
        response = client.post(f"/officers/{world.theirs}/signoffs/placement.midterm",
                               data=form_with_csrf(signed, decision="approve"),
                               headers=session_cookie(signed))
        assert 403 == response.status_code
        assert f"only {world.theirs}&#39;s supervisor can sign off" in response.text
    assert [world.mine] == [i["officer"] for i in client.get("/api/inbox", headers=headers).json()]
    response = client.post(f"/api/officers/{world.mine}/signoffs/placement.midterm",
                           json={"decision": "approve"}, headers=headers)
    assert 200 == response.status_code, response.text


def test_a_supervisor_keeps_reading_a_moved_officer_but_no_longer_signs(
    client: TestClient, world: World
) -> None:
    """They wrote part of the history, so they still see it; the new supervisor signs."""
    response = client.post(f"/api/officers/{world.mine}/placement",
                           json={"division": DIVISION, "supervisor": OTHER_SUPERVISOR},
                           headers=world.bearer(C))
    assert 200 == response.status_code, response.text
    assert 200 == client.get(f"/api/officers/{world.mine}", headers=world.bearer(S)).status_code
    with unchanged(world.services):
        response = client.post(f"/api/officers/{world.mine}/signoffs/placement.midterm",
                               json={"decision": "approve"}, headers=world.bearer(S))
        assert f"that is Other Supervisor <{OTHER_SUPERVISOR}>" in problem(
            response, 403, "permission_denied")["detail"]
    assert [] == client.get("/api/inbox", headers=world.bearer(S)).json()


def test_an_officer_sees_only_themself(client: TestClient, world: World) -> None:
    signed = world.session(OFF)
    response = client.get("/me", headers=session_cookie(signed))
    assert (303, f"/officers/{world.mine}") == (response.status_code, response.headers["location"])
    page = client.get(f"/officers/{world.mine}", headers=session_cookie(signed))
    assert 200 == page.status_code and "Officer 0 ឈី រដ្ឋា" in page.text
    assert world.mine == client.get(f"/api/officers/{world.mine}",
                                    headers=world.bearer(OFF)).json()["ref"]
    with unchanged(world.services):
        problem(client.get(f"/api/officers/{world.theirs}", headers=world.bearer(OFF)), 403,
                "permission_denied")
        problem(client.get("/api/officers", headers=world.bearer(OFF)), 403, "permission_denied")
        response = client.get(f"/officers/{world.theirs}", headers=session_cookie(signed))
        assert 403 == response.status_code and "Officer 1" not in response.text
        response = client.put(f"/api/officers/{world.theirs}/checklist/passport",
                              headers=world.bearer(OFF))
        problem(response, 403, "permission_denied")


def test_a_viewer_sees_aggregates_and_no_officer(client: TestClient, world: World) -> None:
    signed = world.session(V)
    assert 200 == client.get("/api/batches", headers=world.bearer(V)).status_code
    report = client.get("/reports", headers=session_cookie(signed))
    assert 200 == report.status_code
    assert "Officer 0" not in report.text and "o0.kh@mfa.example" not in report.text
    with unchanged(world.services):
        for ref in (world.mine, world.theirs):
            problem(client.get(f"/api/officers/{ref}", headers=world.bearer(V)), 403,
                    "permission_denied")
            assert 403 == client.get(f"/officers/{ref}",
                                     headers=session_cookie(signed)).status_code
        for path in ("/api/officers", "/api/batches/JD17", "/api/batches/JD17/board",
                     "/api/reminders"):
            problem(client.get(path, headers=world.bearer(V)), 403, "permission_denied")
