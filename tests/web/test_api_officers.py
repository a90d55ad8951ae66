"""The officers API (/api/officers..., /api/inbox) on SQLite and PostgreSQL.

Successes are checked against the exact JSON; every refusal against its problem answer
(status, kind, and the extras a client acts on) and a dump proving nothing was written.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from lifecycle.roles import Role
from lifecycle.services import accounts
from tests.support import COORDINATOR, DIVISION, INDUCTION, OTHER_SUPERVISOR, SUPERVISOR
from tests.web.conftest import OFFICER, World, problem, session_cookie, unchanged

START = "2023-01-02T02:00:00+00:00"  # the seeding instant (tests.conftest.START)
NOW = "2023-02-03T02:00:00+00:00"  # 32 days later, when the web requests are made
TRAINING_LABEL = "Diplomatic training (IDFR, Malaysia)"
STUDY_VISIT_BLOCKERS = [
    "sign-off 'placement.final' (Placement final review) has not been given",
    "Study-visit travel documents checklist: 'passport' (Passport valid for the visit) "
    "is not ticked",
    "Study-visit travel documents checklist: 'visa' (Visa for Japan) is not ticked",
    "Study-visit travel documents checklist: 'itinerary' (Itinerary) is not ticked",
]


def summary(ref: str, n: int, state: str = "placement") -> dict[str, Any]:
    """The summary of the n-th officer tests.support.nominate created."""
    return {
        "ref": ref,
        "name": f"Officer {n} ឈី រដ្ឋា",
        "country": "KH",
        "ministry": "Ministry of Foreign Affairs",
        "position": None,
        "email": f"o{n}.kh@mfa.example",
        "timezone": "Asia/Phnom_Penh",
        "batch": "JD17",
        "state": state,
    }


def get(client: TestClient, world: World, path: str, role: Role = Role.COORDINATOR) -> Any:
    response = client.get(path, headers=world.bearer(role))
    assert 200 == response.status_code, response.text
    return response.json()


def version_of(client: TestClient, world: World, ref: str) -> int:
    version: int = get(client, world, f"/api/officers/{ref}")["version"]
    return version


# -- reading -------------------------------------------------------------------------


def test_the_officer_list_shows_every_officer_and_filters_by_batch_and_state(
    client: TestClient, world: World
) -> None:
    """Coordinators list all officers; batch and state filters narrow the list."""
    both = [summary(world.mine, 0), summary(world.theirs, 1)]
    assert both == get(client, world, "/api/officers")
    assert both == get(client, world, "/api/officers?batch=JD17&state=placement")
    assert [] == get(client, world, "/api/officers?state=nominated")


def test_the_officer_list_refuses_an_unknown_state_or_batch(
    client: TestClient, world: World
) -> None:
    """A typo in a filter is an error naming what exists, not an empty list."""
    headers = world.bearer(Role.COORDINATOR)
    with unchanged(world.services):
        body = problem(client.get("/api/officers?state=placment", headers=headers), 422,
                       "invalid_data")
        assert body["detail"].startswith("no state 'placment' in any track; states: ")
        assert "placement" in body["detail"].split("states: ")[1].split(", ")
        body = problem(client.get("/api/officers?batch=JD99", headers=headers), 404, "not_found")
        assert "JD99" in body["detail"]


def test_an_officer_record_is_the_whole_story(client: TestClient, world: World) -> None:
    """The detail has the stage, options, checklists, sign-offs, placement and history."""
    detail = get(client, world, f"/api/officers/{world.mine}")
    ticked = {"ticked": True, "ticked_by": COORDINATOR, "ticked_at": START}
    unticked = {"ticked": False, "ticked_by": None, "ticked_at": None}
    pending = {"status": "pending", "signer": None, "comment": None, "signed_at": None,
               "on_behalf_of": None, "assigned_to": None}
    transition = {"at": START, "kind": "transition", "actor": COORDINATOR, "reason": None}
    assert {
        **summary(world.mine, 0),
        "label": "Divisional placement",
        "state_since": START,
        "definition": {"track": "junior-diplomats", "version": 1},
        "version": detail["version"],
        "allowed_triggers": ["start_training", "withdraw"],
        "blocked_triggers": {"start_study_visit": STUDY_VISIT_BLOCKERS},
        "checklist": [
            {"checklist": "induction", "label": "Induction week", "items": [
                {"key": "asean_introduction",
                 "label": "Introduction to ASEAN and the Secretariat", **ticked},
                {"key": "rules_briefing",
                 "label": "Briefing on the Secretariat's rules and procedures", **ticked},
                {"key": "jakarta_visits",
                 "label": "Visits to ASEAN-related organisations in Jakarta", **ticked},
            ]},
            {"checklist": "travel_documents", "label": "Study-visit travel documents", "items": [
                {"key": "passport", "label": "Passport valid for the visit", **unticked},
                {"key": "visa", "label": "Visa for Japan", **unticked},
                {"key": "itinerary", "label": "Itinerary", **unticked},
            ]},
            {"checklist": "visit_report", "label": "Study-visit report", "items": [
                {"key": "visit_report", "label": "Visit report submitted", **unticked},
            ]},
        ],
        "signoffs": [
            {"name": "placement.midterm", "label": "Placement mid-term review", **pending},
            {"name": "placement.final", "label": "Placement final review", **pending},
        ],
        "placement": {
            "division": DIVISION,
            "department": "APSC",
            "supervisor": SUPERVISOR,
            "supervisor_name": "Maria Santos",
            "covered_by": None,
            "kind": "initial",
            "start": "2023-02-01",  # the batch start: placed before the batch began
            "end": "2024-01-31",
        },
        "history": [
            {**transition, "trigger": "accept", "from": "nominated", "to": "accepted"},
            {**transition, "trigger": "start_induction", "from": "accepted", "to": "induction"},
            {**transition, "trigger": "start_placement", "from": "induction", "to": "placement"},
            *({"at": START, "kind": "tick", "item": item, "actor": COORDINATOR, "via": None}
              for item in INDUCTION),
            {"at": START, "kind": "placement", "placement": "initial", "actor": COORDINATOR,
             "division": DIVISION, "supervisor": SUPERVISOR},
        ],
    } == detail
    assert isinstance(detail["version"], int) and detail["version"] >= 1


def test_each_role_reads_only_the_officers_in_its_scope(client: TestClient, world: World) -> None:
    """Supervisors read their own officers, officers themselves; the rest is 403."""
    for role in (Role.ADMIN, Role.COORDINATOR, Role.SUPERVISOR, Role.OFFICER):
        assert world.mine == get(client, world, f"/api/officers/{world.mine}", role)["ref"]
    with unchanged(world.services):
        for role in (Role.SUPERVISOR, Role.OFFICER):
            response = client.get(f"/api/officers/{world.theirs}", headers=world.bearer(role))
            body = problem(response, 403, "permission_denied")
            assert f"may not see officer {world.theirs}" in body["detail"]
        response = client.get(f"/api/officers/{world.mine}", headers=world.bearer(Role.VIEWER))
        assert "viewer" in problem(response, 403, "permission_denied")["detail"]


def test_an_unknown_officer_is_404_on_every_officer_endpoint(
    client: TestClient, world: World
) -> None:
    """Reads and writes about an officer who does not exist answer 404 and write nothing."""
    headers = world.bearer(Role.COORDINATOR)
    with unchanged(world.services):
        for method, path, body in [
            ("GET", "/api/officers/JD17-99", None),
            ("GET", "/api/officers/JD17-99/diagram", None),
            ("GET", "/api/officers/JD17-99/reminders", None),
            ("POST", "/api/officers/JD17-99/advance", {"trigger": "accept"}),
            ("POST", "/api/officers/JD17-99/placement",
             {"division": DIVISION, "supervisor": SUPERVISOR}),
            ("PUT", "/api/officers/JD17-99/checklist/passport", None),
            ("DELETE", "/api/officers/JD17-99/checklist/passport", None),
        ]:
            response = client.request(method, path, json=body, headers=headers)
            assert "'JD17-99'" in problem(response, 404, "not_found")["detail"], path
        response = client.post("/api/officers/JD17-99/signoffs/placement.midterm",
                               json={"decision": "approve"},
                               headers=world.bearer(Role.SUPERVISOR))
        problem(response, 404, "not_found")


def test_the_diagram_marks_the_current_stage(client: TestClient, world: World) -> None:
    """The Mermaid state diagram names the track and highlights where the officer is."""
    diagram = get(client, world, f"/api/officers/{world.mine}/diagram", Role.OFFICER)
    assert ["mermaid"] == list(diagram)
    text = diagram["mermaid"]
    assert "IAI Attachment Programme for Junior Diplomats (v1)" in text
    assert "stateDiagram-v2" in text
    assert "Class placement s_active" in text
    assert "Class induction s_default" in text
    assert "placement --> diplomatic_training: start_training" in text


def test_an_officers_reminders_are_theirs_only(client: TestClient, world: World) -> None:
    """The officer's reminders list holds their rows, including the one that failed."""
    rows = get(client, world, f"/api/officers/{world.mine}/reminders", Role.SUPERVISOR)
    assert {world.mine} == {row["officer"] for row in rows}
    failed = [row for row in rows if row["status"] == "failed"]
    assert [{
        "id": world.failed_reminder,
        "key": f"{world.mine}/activity_report/1/{OFFICER}",
        "officer": world.mine,
        "rule": "activity_report",
        "occurrence": 1,
        "kind": "reminder",
        "template": "activity_report_due",
        "recipient_role": "officer",
        "recipient_name": "Officer 0 ឈី រដ្ឋា",
        "recipient_email": OFFICER,
        "status": "failed",
        "attempts": 1,
        "last_error": "550 5.1.1 mailbox unavailable",
        "due_at": "2023-02-02T02:00:00+00:00",  # a month into the placement, 09:00 Jakarta
        "send_at": "2023-02-02T02:00:00+00:00",
        "send_local": "2023-02-02 09:00 Asia/Phnom_Penh",
        "sent_at": None,
    }] == failed
    assert {"pending", "failed", "cancelled"} == {row["status"] for row in rows}


# -- advancing -----------------------------------------------------------------------


def test_advancing_moves_the_officer_and_bumps_the_version(
    client: TestClient, world: World
) -> None:
    """A legal trigger with the current version moves the officer and records who did it."""
    version = version_of(client, world, world.mine)
    response = client.post(
        f"/api/officers/{world.mine}/advance",
        json={"trigger": "start_training", "expected_version": version},
        headers=world.bearer(Role.COORDINATOR),
    )
    assert 200 == response.status_code, response.text
    assert {
        "ref": world.mine,
        "message": f"{world.mine}: placement -> diplomatic_training ({TRAINING_LABEL})",
        "state": "diplomatic_training",
        "version": version + 1,
    } == response.json()
    detail = get(client, world, f"/api/officers/{world.mine}")
    assert ("diplomatic_training", NOW, version + 1) == (
        detail["state"], detail["state_since"], detail["version"]
    )
    assert {"at": NOW, "kind": "transition", "trigger": "start_training", "from": "placement",
            "to": "diplomatic_training", "actor": COORDINATOR, "reason": None} == (
        detail["history"][-1]
    )


def test_a_stale_expected_version_is_a_conflict(client: TestClient, world: World) -> None:
    """Someone changed the officer since the client looked: 409, nothing written."""
    version = version_of(client, world, world.mine)
    with unchanged(world.services):
        response = client.post(
            f"/api/officers/{world.mine}/advance",
            json={"trigger": "start_training", "expected_version": version - 1},
            headers=world.bearer(Role.COORDINATOR),
        )
        body = problem(response, 409, "conflict")
    assert (
        f"{world.mine} changed since you looked (version {version - 1}, now {version}); "
        "nothing was changed: reload and try again"
    ) == body["detail"]


def test_an_illegal_trigger_is_400_naming_the_possible_ones(
    client: TestClient, world: World
) -> None:
    """'graduate' does not leave 'placement': 400 with the state and the legal triggers."""
    with unchanged(world.services):
        response = client.post(f"/api/officers/{world.mine}/advance",
                               json={"trigger": "graduate"},
                               headers=world.bearer(Role.COORDINATOR))
        body = problem(response, 400, "illegal_trigger")
    assert ("placement", ["start_training", "start_study_visit", "withdraw"]) == (
        body["state"], body["allowed_triggers"]
    )
    assert "'graduate' is not possible from state 'placement'" in body["detail"]


def test_a_failed_guard_is_400_listing_what_is_missing(client: TestClient, world: World) -> None:
    """The study visit needs the final sign-off and the travel documents: all are named."""
    with unchanged(world.services):
        response = client.post(f"/api/officers/{world.mine}/advance",
                               json={"trigger": "start_study_visit"},
                               headers=world.bearer(Role.COORDINATOR))
        body = problem(response, 400, "guard_failed")
    assert ("start_study_visit", STUDY_VISIT_BLOCKERS) == (body["trigger"], body["missing"])


def test_withdrawing_needs_a_reason_and_then_ends_the_placement(
    client: TestClient, world: World
) -> None:
    """No reason: 422 and nothing written. With one: withdrawn, and no placement open."""
    headers = world.bearer(Role.COORDINATOR)
    with unchanged(world.services):
        response = client.post(f"/api/officers/{world.mine}/advance",
                               json={"trigger": "withdraw", "reason": "  "}, headers=headers)
        assert "'withdraw' needs a reason" in problem(response, 422, "invalid_data")["detail"]
    response = client.post(f"/api/officers/{world.mine}/advance",
                           json={"trigger": "withdraw", "reason": "Recalled by the ministry"},
                           headers=headers)
    assert ("withdrawn", f"{world.mine}: placement -> withdrawn (Withdrawn)") == (
        response.json()["state"], response.json()["message"]
    )
    detail = get(client, world, f"/api/officers/{world.mine}")
    assert (None, "Recalled by the ministry") == (
        detail["placement"], detail["history"][-1]["reason"]
    )


def test_an_invalid_advance_body_is_422_naming_each_field(
    client: TestClient, world: World
) -> None:
    """Unknown fields, an empty trigger and a version below 1 are all reported at once."""
    with unchanged(world.services):
        response = client.post(
            f"/api/officers/{world.mine}/advance",
            json={"trigger": "", "expected_version": 0, "urgent": True},
            headers=world.bearer(Role.COORDINATOR),
        )
        body = problem(response, 422, "invalid_data")
        assert {"trigger", "expected_version", "urgent"} == set(body["fields"])
        response = client.post(f"/api/officers/{world.mine}/advance", content=b"not json",
                               headers={**world.bearer(Role.COORDINATOR),
                                        "Content-Type": "application/json"})
        problem(response, 422, "invalid_data")


def test_only_coordinators_advance_and_place(client: TestClient, world: World) -> None:
    """Supervisors, officers and viewers are refused with 403 before anything happens."""
    with unchanged(world.services):
        for role in (Role.SUPERVISOR, Role.OFFICER, Role.VIEWER):
            response = client.post(f"/api/officers/{world.mine}/advance",
                                   json={"trigger": "start_training"},
                                   headers=world.bearer(role))
            assert f"is a {role.value}" in problem(response, 403, "permission_denied")["detail"]
            response = client.post(f"/api/officers/{world.mine}/placement",
                                   json={"division": DIVISION, "supervisor": OTHER_SUPERVISOR},
                                   headers=world.bearer(role))
            problem(response, 403, "permission_denied")


# -- placement -----------------------------------------------------------------------


def test_moving_an_officer_hands_them_to_the_new_supervisor(
    client: TestClient, world: World
) -> None:
    """A placed officer moved to another supervisor leaves the old one's scope."""
    version = version_of(client, world, world.mine)
    response = client.post(
        f"/api/officers/{world.mine}/placement",
        json={"division": DIVISION, "supervisor": OTHER_SUPERVISOR, "expected_version": version},
        headers=world.bearer(Role.COORDINATOR),
    )
    assert 200 == response.status_code, response.text
    assert {
        "ref": world.mine,
        "message": f"{world.mine} moved to {DIVISION}, supervisor Other Supervisor",
        "state": "placement",
        "version": version + 1,
    } == response.json()
    placement = get(client, world, f"/api/officers/{world.mine}")["placement"]
    assert ("move", OTHER_SUPERVISOR, "2023-02-03", "2024-01-31") == (
        placement["kind"], placement["supervisor"], placement["start"], placement["end"]
    )
    assert [] == get(client, world, "/api/inbox", Role.SUPERVISOR)


def test_placement_refusals_write_nothing(client: TestClient, world: World) -> None:
    """Unknown division or person, a non-supervisor, the same placement, a stale version."""
    headers = world.bearer(Role.COORDINATOR)
    version = version_of(client, world, world.mine)
    path = f"/api/officers/{world.mine}/placement"
    cases: list[tuple[dict[str, Any], int, str, str]] = [
        ({"division": "Nowhere Division", "supervisor": SUPERVISOR}, 404, "not_found",
         "no division 'Nowhere Division'"),
        ({"division": DIVISION, "supervisor": "nobody@asean.example"}, 404, "not_found",
         "no user with e-mail 'nobody@asean.example'"),
        ({"division": DIVISION, "supervisor": COORDINATOR}, 422, "invalid_data",
         f"{COORDINATOR} is a coordinator, not a supervisor"),
        ({"division": DIVISION, "supervisor": SUPERVISOR}, 422, "invalid_data",
         f"{world.mine} is already placed in {DIVISION} with {SUPERVISOR}"),
        ({"division": DIVISION, "supervisor": OTHER_SUPERVISOR,
          "expected_version": version + 1}, 409, "conflict", "changed since you looked"),
        ({"division": "", "supervisor": "x"}, 422, "invalid_data", "division"),
    ]
    with unchanged(world.services):
        for body, status, kind, detail in cases:
            answer = problem(client.post(path, json=body, headers=headers), status, kind)
            assert detail in answer["detail"], body


# -- checklists ----------------------------------------------------------------------


def test_an_officer_ticks_and_unticks_their_own_travel_documents(
    client: TestClient, world: World
) -> None:
    """Tick, tick again (a no-op saying who ticked), untick, untick again (422)."""
    headers = world.bearer(Role.OFFICER)
    path = f"/api/officers/{world.mine}/checklist/passport"
    version = version_of(client, world, world.mine)
    response = client.put(path, headers=headers)
    assert 200 == response.status_code, response.text
    assert {
        "ref": world.mine,
        "message": f"{world.mine}: ticked 'passport' (Study-visit travel documents)",
        "state": "placement",
        "version": version + 1,
    } == response.json()
    item = get(client, world, f"/api/officers/{world.mine}")["checklist"][1]["items"][0]
    assert {"key": "passport", "label": "Passport valid for the visit", "ticked": True,
            "ticked_by": OFFICER, "ticked_at": NOW} == item
    with unchanged(world.services):
        again = client.put(path, headers=headers)
        assert 200 == again.status_code
        assert (
            f"{world.mine}: 'passport' was already ticked by Officer 0 ឈី រដ្ឋា on 2023-02-03"
        ) == again.json()["message"]
    response = client.delete(path, headers=world.bearer(Role.COORDINATOR))
    assert 200 == response.status_code, response.text
    assert (f"{world.mine}: unticked 'passport'", version + 2) == (
        response.json()["message"], response.json()["version"]
    )
    with unchanged(world.services):
        response = client.delete(path, headers=headers)
        assert f"{world.mine}: 'passport' is not ticked" == problem(
            response, 422, "invalid_data")["detail"]


def test_checklist_refusals_write_nothing(client: TestClient, world: World) -> None:
    """Another officer's list, a closed list, an unknown item, a role without the list."""
    with unchanged(world.services):
        response = client.put(f"/api/officers/{world.theirs}/checklist/passport",
                              headers=world.bearer(Role.OFFICER))
        problem(response, 403, "permission_denied")
        response = client.put(f"/api/officers/{world.mine}/checklist/asean_introduction",
                              headers=world.bearer(Role.COORDINATOR))
        body = problem(response, 400, "transition_not_allowed")
        assert "the Induction week checklist is open while accepted, induction" in body["detail"]
        response = client.put(f"/api/officers/{world.mine}/checklist/asean_introduction",
                              headers=world.bearer(Role.OFFICER))
        assert "ticking 'induction' items" in problem(response, 403, "permission_denied")[
            "detail"]
        response = client.put(f"/api/officers/{world.mine}/checklist/boarding_pass",
                              headers=world.bearer(Role.COORDINATOR))
        assert "no checklist item 'boarding_pass'" in problem(response, 422, "invalid_data")[
            "detail"]
        for role in (Role.SUPERVISOR, Role.VIEWER):
            response = client.delete(f"/api/officers/{world.mine}/checklist/passport",
                                     headers=world.bearer(role))
            problem(response, 403, "permission_denied")


# -- sign-offs and the inbox -----------------------------------------------------------


def test_the_supervisor_signs_off_the_midterm_then_returns_the_final(
    client: TestClient, world: World
) -> None:
    """Approving the mid-term opens the final review in the inbox; a return keeps it."""
    headers = world.bearer(Role.SUPERVISOR)
    version = version_of(client, world, world.mine)
    response = client.post(
        f"/api/officers/{world.mine}/signoffs/placement.midterm",
        json={"decision": "approve", "comment": "Excellent drafting", "expected_version": version},
        headers=headers,
    )
    assert 200 == response.status_code, response.text
    assert {
        "ref": world.mine,
        "message": f"{world.mine}: placement.midterm approved by Maria Santos",
        "state": "placement",
        "version": version + 1,
    } == response.json()
    [item] = get(client, world, "/api/inbox", Role.SUPERVISOR)
    assert ("placement.final", "pending") == (item["signoff"], item["status"])
    response = client.post(
        f"/api/officers/{world.mine}/signoffs/placement.final",
        json={"decision": "return", "comment": "Add the outcome document"},
        headers=headers,
    )
    assert f"{world.mine}: placement.final returned by Maria Santos" == response.json()["message"]
    [item] = get(client, world, "/api/inbox", Role.SUPERVISOR)
    assert ("placement.final", "returned", "Add the outcome document") == (
        item["signoff"], item["status"], item["last_comment"]
    )
    signoffs = get(client, world, f"/api/officers/{world.mine}")["signoffs"]
    assert [
        {"name": "placement.midterm", "label": "Placement mid-term review", "status": "approved",
         "signer": SUPERVISOR, "comment": "Excellent drafting", "signed_at": NOW,
         "on_behalf_of": None, "assigned_to": None},
        {"name": "placement.final", "label": "Placement final review", "status": "returned",
         "signer": SUPERVISOR, "comment": "Add the outcome document", "signed_at": NOW,
         "on_behalf_of": None, "assigned_to": None},
    ] == signoffs


def test_sign_off_refusals_write_nothing(client: TestClient, world: World) -> None:
    """Someone else's officer, out of order, a return without comment, bad input, stale."""
    path = f"/api/officers/{world.mine}/signoffs"
    mine = world.bearer(Role.SUPERVISOR)
    version = version_of(client, world, world.mine)
    with unchanged(world.services):
        response = client.post(f"/api/officers/{world.theirs}/signoffs/placement.midterm",
                               json={"decision": "approve"}, headers=mine)
        body = problem(response, 403, "permission_denied")
        assert (
            f"only {world.theirs}'s supervisor can sign off placement.midterm; "
            f"that is Other Supervisor <{OTHER_SUPERVISOR}>"
        ) == body["detail"]
        response = client.post(f"{path}/placement.final", json={"decision": "approve"},
                               headers=mine)
        assert "placement.midterm must be approved before placement.final" == problem(
            response, 400, "transition_not_allowed")["detail"]
        response = client.post(f"{path}/placement.midterm", json={"decision": "return"},
                               headers=mine)
        problem(response, 422, "invalid_data")
        response = client.post(f"{path}/placement.midterm", json={"decision": "maybe"},
                               headers=mine)
        assert ["decision"] == list(problem(response, 422, "invalid_data")["fields"])
        response = client.post(f"{path}/placement.initial", json={"decision": "approve"},
                               headers=mine)
        assert "no sign-off 'placement.initial'" in problem(response, 422, "invalid_data")[
            "detail"]
        response = client.post(f"{path}/placement.midterm",
                               json={"decision": "approve", "expected_version": version + 5},
                               headers=mine)
        problem(response, 409, "conflict")
        for role in (Role.COORDINATOR, Role.OFFICER, Role.VIEWER):
            response = client.post(f"{path}/placement.midterm", json={"decision": "approve"},
                                   headers=world.bearer(role))
            problem(response, 403, "permission_denied")


def test_approving_twice_is_refused(client: TestClient, world: World) -> None:
    """A sign-off already approved cannot be approved again."""
    path = f"/api/officers/{world.mine}/signoffs/placement.midterm"
    headers = world.bearer(Role.SUPERVISOR)
    assert 200 == client.post(path, json={"decision": "approve"}, headers=headers).status_code
    with unchanged(world.services):
        response = client.post(path, json={"decision": "approve"}, headers=headers)
        assert "placement.midterm was already approved by Maria Santos on 2023-02-03" == problem(
            response, 400, "transition_not_allowed")["detail"]


def test_each_supervisor_inbox_holds_their_officers_only(
    client: TestClient, world: World
) -> None:
    """The mid-term review is due six months into the placement, on a working day."""
    def item(ref: str, n: int, version: int) -> dict[str, Any]:
        return {
            "officer": ref,
            "officer_name": f"Officer {n} ឈី រដ្ឋា",
            "country": "KH",
            "version": version,
            "signoff": "placement.midterm",
            "label": "Placement mid-term review",
            "status": "pending",
            "last_comment": None,
            # 2 Jan + 6 months is Sunday 2 July: due Monday 3 July, 09:00 in Jakarta
            "due": "2023-07-03T02:00:00+00:00",
            "overdue": False,
            "on_behalf_of": None,
            "reassigned_to": None,
        }

    mine = item(world.mine, 0, version_of(client, world, world.mine))
    theirs = item(world.theirs, 1, version_of(client, world, world.theirs))
    assert [mine] == get(client, world, "/api/inbox", Role.SUPERVISOR)
    response = client.get("/api/inbox", headers={
        "Authorization": f"Bearer {other_supervisor_token(world)}"})
    assert [theirs] == response.json()
    with unchanged(world.services):
        for role in (Role.COORDINATOR, Role.OFFICER, Role.VIEWER):
            problem(client.get("/api/inbox", headers=world.bearer(role)), 403,
                    "permission_denied")


def other_supervisor_token(world: World) -> str:
    return accounts.issue_token(world.services, OTHER_SUPERVISOR, "inbox",
                                actor=OTHER_SUPERVISOR)


# -- who is asking -------------------------------------------------------------------


def test_the_api_needs_a_valid_bearer_token(client: TestClient, world: World) -> None:
    """No token, another scheme, an unknown or revoked token, or a cookie: all 401."""
    revoked = accounts.issue_token(world.services, COORDINATOR, "old laptop", actor=COORDINATOR)
    accounts.revoke_tokens(world.services, COORDINATOR, actor=COORDINATOR)
    cookie = session_cookie(world.session(Role.COORDINATOR))
    path = f"/api/officers/{world.mine}/advance"
    with unchanged(world.services):
        for headers in [
            {},
            {"Authorization": ""},
            {"Authorization": "Bearer "},
            {"Authorization": f"Basic {revoked}"},
            {"Authorization": "Bearer att_not-a-real-token"},
            {"Authorization": f"Bearer {revoked}"},
            cookie,
        ]:
            response = client.post(path, json={"trigger": "start_training"}, headers=headers)
            problem(response, 401, "not_signed_in")
            response = client.get("/api/me", headers=headers)
            problem(response, 401, "not_signed_in")
