"""Delegation through the console and the API: a supervisor records their absence from
the inbox, the substitute sees and signs the covered officer, a coordinator reassigns a
sign-off on the officer page; every refusal answers its status and changes nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from lifecycle.roles import Role
from lifecycle.services import accounts
from tests.support import COORDINATOR, OTHER_SUPERVISOR, SUPERVISOR
from tests.web.conftest import World, form_with_csrf, problem, session_cookie, unchanged

MIDTERM = "placement.midterm"


def substitute_bearer(world: World) -> dict[str, str]:
    token = accounts.issue_token(world.services, OTHER_SUPERVISOR, "t", actor=OTHER_SUPERVISOR)
    return {"Authorization": f"Bearer {token}"}


def test_a_supervisor_records_their_absence_from_the_inbox(
    world: World, client: TestClient
) -> None:
    signed = world.session(Role.SUPERVISOR)
    today = world.clock.now().date()
    posted = client.post("/inbox/away", headers=session_cookie(signed), data=form_with_csrf(
        signed, starts_on=today.isoformat(), ends_on="2023-03-31", substitute=OTHER_SUPERVISOR,
        reason="Mission"))
    assert posted.status_code == 303, posted.text
    inbox = client.get("/inbox", headers=session_cookie(signed))
    assert "Other Supervisor &lt;other.super@asean.example&gt; covers for you" in inbox.text
    page = client.get(f"/officers/{world.mine}", headers=session_cookie(signed))
    assert "is away: Other Supervisor covers until 2023-03-31" in page.text
    # The substitute sees the covered officer now, and signs on the supervisor's behalf.
    bearer = substitute_bearer(world)
    assert client.get(f"/api/officers/{world.mine}", headers=bearer).status_code == 200
    [listed] = client.get("/api/absences", headers=bearer).json()
    assert (listed["supervisor"], listed["until"]) == (SUPERVISOR, "2023-03-31")
    signed_off = client.post(f"/api/officers/{world.mine}/signoffs/{MIDTERM}", headers=bearer,
                             json={"decision": "approve"})
    assert signed_off.status_code == 200, signed_off.text
    assert signed_off.json()["message"].endswith("on behalf of Maria Santos")
    shown = client.get(f"/api/officers/{world.mine}", headers=bearer).json()
    [midterm] = [s for s in shown["signoffs"] if s["name"] == MIDTERM]
    assert (midterm["signer"], midterm["on_behalf_of"]) == (OTHER_SUPERVISOR, SUPERVISOR)
    # Cancelled: the substitute no longer stands in, but keeps the record they signed.
    cancel = client.post(f"/inbox/away/{listed['id']}/cancel", headers=session_cookie(signed),
                         data=form_with_csrf(signed))
    assert cancel.status_code == 303
    assert client.get(f"/api/officers/{world.mine}", headers=bearer).status_code == 200
    refused = client.post(f"/api/officers/{world.mine}/signoffs/placement.final",
                          headers=bearer, json={"decision": "approve"})
    problem(refused, 403, "permission_denied")


def test_a_substitute_sees_nobody_before_standing_in(world: World, client: TestClient) -> None:
    bearer = substitute_bearer(world)
    problem(client.get(f"/api/officers/{world.mine}", headers=bearer), 403, "permission_denied")


def test_a_coordinator_reassigns_a_sign_off_on_the_officer_page(
    world: World, client: TestClient
) -> None:
    signed = world.session(Role.COORDINATOR)
    page = client.get(f"/officers/{world.mine}", headers=session_cookie(signed))
    assert "data-reassign" in page.text
    posted = client.post(
        f"/officers/{world.mine}/signoffs/reassign", headers=session_cookie(signed),
        data=form_with_csrf(signed, name=MIDTERM, to=OTHER_SUPERVISOR, reason="Maria on leave"),
    )
    assert posted.status_code == 303, posted.text
    assert "now+with+Other+Supervisor" in posted.headers["location"]
    bearer = substitute_bearer(world)
    [item] = [i for i in client.get("/api/inbox", headers=bearer).json()
              if i["officer"] == world.mine]
    assert (item["signoff"], item["on_behalf_of"]) == (MIDTERM, "Maria Santos")


def test_each_refusal_answers_its_status_and_changes_nothing(
    world: World, client: TestClient
) -> None:
    coordinator, supervisor = world.bearer(Role.COORDINATOR), world.bearer(Role.SUPERVISOR)
    absence = {"supervisor": SUPERVISOR, "from": "2023-03-01", "until": "2023-03-10",
               "substitute": OTHER_SUPERVISOR}
    assert client.post("/api/absences", headers=coordinator, json=absence).status_code == 201
    url = f"/api/officers/{world.mine}/signoffs/{MIDTERM}/assignee"
    with unchanged(world.services):
        problem(client.post("/api/absences", headers=coordinator,
                            json=absence | {"from": "2023-03-05", "until": "2023-03-20"}),
                409, "conflict")
        problem(client.post("/api/absences", headers=coordinator,
                            json=absence | {"substitute": COORDINATOR, "from": "2023-04-01",
                                            "until": "2023-04-02"}), 422, "invalid_data")
        problem(client.post("/api/absences", headers=coordinator,
                            json=absence | {"from": "2023-04-09", "until": "2023-04-02"}),
                422, "invalid_data")
        problem(client.post("/api/absences", headers=world.bearer(Role.OFFICER), json=absence),
                403, "permission_denied")
        problem(client.delete("/api/absences/999", headers=coordinator), 404, "not_found")
        problem(client.post(url, headers=supervisor, json={"to": OTHER_SUPERVISOR, "reason": "x"}),
                403, "permission_denied")
        problem(client.post(url, headers=coordinator, json={"to": SUPERVISOR, "reason": "x"}),
                422, "invalid_data")
        signed = world.session(Role.SUPERVISOR)
        forged = client.post("/inbox/away", headers=session_cookie(signed), data={
            "starts_on": "2023-05-01", "ends_on": "2023-05-02", "substitute": OTHER_SUPERVISOR})
        assert forged.status_code == 403  # no CSRF token
