"""The people and workflow API (/api/me, users, divisions, workflows), both backends."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from lifecycle.persistence.tables import User
from lifecycle.roles import Role
from tests.support import COORDINATOR, DIVISION, OTHER_SUPERVISOR, SUPERVISOR, VIEWER
from tests.web.conftest import ADMIN, EMAILS, OFFICER, World, problem, unchanged
from workflows.loader import load_definitions

JAKARTA = "Asia/Jakarta"
NEW_USER = {
    "name": "Htet Htet Htoo",
    "email": "Htet.Htoo@asean.example",
    "role": "Supervisor",
    "timezone": "Asia/Yangon",
    "password": "a long enough passphrase",
}


def test_me_is_the_token_owner_for_every_role(client: TestClient, world: World) -> None:
    names = {
        Role.ADMIN: "Attache Admin", Role.COORDINATOR: "Siti Rahmawati",
        Role.SUPERVISOR: "Maria Santos", Role.OFFICER: "Officer 0 ឈី រដ្ឋា",
        Role.VIEWER: "JAIF Viewer",
    }
    for role, email in EMAILS.items():
        response = client.get("/api/me", headers=world.bearer(role))
        assert (200, {"email": email, "name": names[role], "role": role.value,
                      "timezone": JAKARTA}) == (response.status_code, response.json())


def test_the_user_list_is_sorted_by_role_then_name(client: TestClient, world: World) -> None:
    def user(name: str, email: str, role: str) -> dict[str, str]:
        return {"name": name, "email": email, "role": role, "timezone": JAKARTA}

    response = client.get("/api/users", headers=world.bearer(Role.COORDINATOR))
    assert [
        user("Attache Admin", ADMIN, "admin"),
        user("Siti Rahmawati", COORDINATOR, "coordinator"),
        user("Officer 0 ឈី រដ្ឋា", OFFICER, "officer"),
        user("Maria Santos", SUPERVISOR, "supervisor"),
        user("Other Supervisor", OTHER_SUPERVISOR, "supervisor"),
        user("JAIF Viewer", VIEWER, "viewer"),
    ] == response.json()
    with unchanged(world.services):
        for role in (Role.SUPERVISOR, Role.OFFICER, Role.VIEWER):
            problem(client.get("/api/users", headers=world.bearer(role)), 403,
                    "permission_denied")


def test_an_admin_adds_a_user_who_can_sign_in_at_once(client: TestClient, world: World) -> None:
    """The address and role are normalised; the password is stored as an Argon2id hash."""
    response = client.post("/api/users", json=NEW_USER, headers=world.bearer(Role.ADMIN))
    assert 201 == response.status_code, response.text
    assert {"email": "htet.htoo@asean.example", "name": "Htet Htet Htoo", "role": "supervisor",
            "timezone": "Asia/Yangon"} == response.json()
    with world.services.db.reading() as session:
        stored = session.scalar(select(User.password_hash).where(
            User.email == "htet.htoo@asean.example"))
    assert stored is not None and stored.startswith("$argon2id$")
    assert NEW_USER["password"] not in stored
    signin = client.post("/signin", data={"email": "htet.htoo@asean.example",
                                          "password": NEW_USER["password"]})
    assert (303, "/") == (signin.status_code, signin.headers["location"])


def test_a_user_added_without_password_cannot_sign_in(client: TestClient, world: World) -> None:
    body = {key: value for key, value in NEW_USER.items() if key != "password"}
    response = client.post("/api/users", json=body, headers=world.bearer(Role.ADMIN))
    assert 201 == response.status_code, response.text
    signin = client.post("/signin", data={"email": body["email"], "password": "anything at all"})
    assert 401 == signin.status_code


def test_adding_users_is_for_admins_only_and_refusals_write_nothing(
    client: TestClient, world: World
) -> None:
    """Duplicate, bad role, address, zone or short password: refused before any write."""
    cases: list[tuple[dict[str, Any], int, str, str]] = [
        ({"email": COORDINATOR.upper()}, 409, "conflict",
         f"a user with e-mail {COORDINATOR} already exists"),
        ({"role": "director"}, 422, "invalid_data", "role 'director' is not one of admin"),
        ({"email": "htet@"}, 422, "invalid_data", "e-mail 'htet@' is not valid"),
        ({"timezone": "Asia/Rangoon "}, 422, "invalid_data", "is not an IANA zone name"),
        ({"password": "short"}, 422, "invalid_data", "a password needs at least 10 characters"),
        ({"name": ""}, 422, "invalid_data", "name: String should have at least 1 character"),
        ({"admin": True}, 422, "invalid_data", "admin: Extra inputs are not permitted"),
    ]
    with unchanged(world.services):
        for change, status, kind, detail in cases:
            response = client.post("/api/users", json={**NEW_USER, **change},
                                   headers=world.bearer(Role.ADMIN))
            assert detail in problem(response, status, kind)["detail"], change
        for role in (Role.COORDINATOR, Role.SUPERVISOR, Role.OFFICER, Role.VIEWER):
            response = client.post("/api/users", json=NEW_USER, headers=world.bearer(role))
            body = problem(response, 403, "permission_denied")
            assert f"{EMAILS[role]} is a {role.value}; this needs: admin" == body["detail"]


def test_divisions_are_listed_and_added(client: TestClient, world: World) -> None:
    headers = world.bearer(Role.COORDINATOR)
    assert [{"name": DIVISION, "department": "APSC"}] == client.get(
        "/api/divisions", headers=headers).json()
    name = "Social Welfare, Women, Labour and Migrant Workers Division"
    response = client.post("/api/divisions", json={"name": name, "department": "ascc"},
                           headers=headers)
    assert (201, {"name": name, "department": "ASCC"}) == (response.status_code, response.json())
    assert [{"name": DIVISION, "department": "APSC"}, {"name": name, "department": "ASCC"}] == (
        client.get("/api/divisions", headers=headers).json()
    )


def test_division_refusals_write_nothing(client: TestClient, world: World) -> None:
    headers = world.bearer(Role.COORDINATOR)
    with unchanged(world.services):
        response = client.post("/api/divisions", json={"name": DIVISION, "department": "APSC"},
                               headers=headers)
        assert f"division {DIVISION!r} already exists" == problem(response, 409, "conflict")[
            "detail"]
        response = client.post("/api/divisions", json={"name": "Energy", "department": "IAI"},
                               headers=headers)
        assert "department 'IAI' is not one of APSC, AEC, ASCC" == problem(
            response, 422, "invalid_data")["detail"]
        response = client.post("/api/divisions", json={"name": "Energy"}, headers=headers)
        assert ["department"] == list(problem(response, 422, "invalid_data")["fields"])
        for role in (Role.SUPERVISOR, Role.OFFICER, Role.VIEWER):
            response = client.post("/api/divisions", json={"name": "Energy", "department": "AEC"},
                                   headers=world.bearer(role))
            problem(response, 403, "permission_denied")


def test_every_role_reads_the_published_workflows(client: TestClient, world: World) -> None:
    """The list names each published track; one track is its definition plus a diagram."""
    shipped = {f.definition.track: f for f in load_definitions()}
    for role in EMAILS:
        response = client.get("/api/workflows", headers=world.bearer(role))
        assert [
            {"track": track, "version": 1, "title": shipped[track].definition.title,
             "ref_prefix": prefix, "source": f"workflows/definitions/{track}.v1.yaml",
             "published_at": "2023-01-02T02:00:00+00:00"}
            for track, prefix in (("aec-ascc", "AE"), ("junior-diplomats", "JD"))
        ] == response.json()
    response = client.get("/api/workflows/junior-diplomats", headers=world.bearer(Role.VIEWER))
    assert 200 == response.status_code, response.text
    body = response.json()
    mermaid = body.pop("mermaid")
    assert shipped["junior-diplomats"].definition.model_dump(mode="json") == body
    assert ["nominated", "accepted", "declined", "induction", "placement",
            "diplomatic_training", "study_visit", "graduated", "alumni", "withdrawn"] == [
        state["name"] for state in body["states"]]
    assert "stateDiagram-v2" in mermaid and "placement --> study_visit" in mermaid
    with unchanged(world.services):
        response = client.get("/api/workflows/senior-diplomats",
                              headers=world.bearer(Role.OFFICER))
        assert "no track 'senior-diplomats'" in problem(response, 404, "not_found")["detail"]
