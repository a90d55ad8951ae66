"""The batches API (/api/batches...) on SQLite and PostgreSQL: exact answers and refusals."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from lifecycle.roles import Role
from tests.web.conftest import OFFICER, World, problem, unchanged

JD17 = {
    "ref": "JD17",
    "track": "junior-diplomats",
    "title": "IAI Attachment Programme for Junior Diplomats",
    "number": 17,
    "start": "2023-02-01",
    "end": "2024-01-31",
    "funder": "Japan-ASEAN Integration Fund (JAIF)",
    "optional_stages": ["diplomatic_training"],
    "milestones": {},
    "quotas": {"KH": 7},
    "officers": 2,
    "by_state": {"placement": 2},
}
NEW_BATCH = {
    "track": "junior-diplomats",
    "number": 18,
    "start": "2024-02-01",
    "end": "2025-01-31",
    "funder": "JAIF",
    "quotas": {"KH": 5, "la": 3},
    "optional_stages": [],
    "milestones": {"study_visit": "2024-11-04"},
}
NOMINATION = {
    "name": "Chhy Ratha",
    "country": "kh",
    "ministry": "Ministry of Foreign Affairs and International Cooperation",
    "email": "Chhy.Ratha@MFAIC.example",
    "position": "Attaché, Department of ASEAN",
}


def summary(ref: str, n: int) -> dict[str, Any]:
    return {
        "ref": ref, "name": f"Officer {n} ឈី រដ្ឋា", "country": "KH",
        "ministry": "Ministry of Foreign Affairs", "position": None,
        "email": f"o{n}.kh@mfa.example", "timezone": "Asia/Phnom_Penh", "batch": "JD17",
        "state": "placement",
    }


def test_coordinators_and_viewers_list_the_batches_as_aggregates(
    client: TestClient, world: World
) -> None:
    """The list counts officers by stage and names nobody: viewers may read it."""
    for role in (Role.COORDINATOR, Role.VIEWER, Role.ADMIN):
        response = client.get("/api/batches", headers=world.bearer(role))
        assert (200, [JD17]) == (response.status_code, response.json())


def test_a_batch_detail_lists_its_officers_and_countries(
    client: TestClient, world: World
) -> None:
    response = client.get("/api/batches/jd17", headers=world.bearer(Role.COORDINATOR))
    assert 200 == response.status_code, response.text
    assert {
        **JD17,
        "by_country": {"KH (Cambodia)": 2},
        "officer_list": [summary(world.mine, 0), summary(world.theirs, 1)],
    } == response.json()


def test_creating_a_batch_answers_201_with_the_batch(client: TestClient, world: World) -> None:
    """Quotas are stored by country code, milestones as dates, the batch listed at once."""
    response = client.post("/api/batches", json=NEW_BATCH, headers=world.bearer(Role.COORDINATOR))
    assert 201 == response.status_code, response.text
    created = {
        "ref": "JD18",
        "track": "junior-diplomats",
        "title": "IAI Attachment Programme for Junior Diplomats",
        "number": 18,
        "start": "2024-02-01",
        "end": "2025-01-31",
        "funder": "JAIF",
        "optional_stages": [],
        "milestones": {"study_visit": "2024-11-04"},
        "quotas": {"KH": 5, "LA": 3},
        "officers": 0,
        "by_state": {},
    }
    assert {**created, "by_country": {}, "officer_list": []} == response.json()
    listed = client.get("/api/batches", headers=world.bearer(Role.VIEWER)).json()
    assert [JD17, created] == listed


def test_batch_creation_refusals_write_nothing(client: TestClient, world: World) -> None:
    """Duplicate, unknown track, bad country, dates, stages, milestones and body: refused."""
    cases: list[tuple[dict[str, Any], int, str, str]] = [
        ({"number": 17}, 409, "conflict", "batch JD17 already exists"),
        ({"track": "senior-diplomats"}, 404, "not_found", "no track 'senior-diplomats'"),
        ({"quotas": {"TH": 2}}, 422, "invalid_data", "country 'TH' is not one of"),
        ({"quotas": {"KH": -1}}, 422, "invalid_data", "quota for KH must be 0 or more"),
        ({"end": "2024-01-01"}, 422, "invalid_data", "the batch must end after it starts"),
        ({"optional_stages": ["study_visit"]}, 422, "invalid_data",
         "'study_visit' is not an optional stage of junior-diplomats"),
        ({"milestones": {"study_visit": "2026-01-01"}}, 422, "invalid_data",
         "milestone study_visit 2026-01-01 is outside the batch"),
        ({"milestones": {"study visit!": "2024-06-01"}}, 422, "invalid_data",
         "must be letters, digits and _"),
        ({"number": 0}, 422, "invalid_data", "number: Input should be greater than or equal to 1"),
        ({"start": "1 February 2024"}, 422, "invalid_data", "start: "),
        # Year 1 passed, then overflowed the planner's date arithmetic on the next change.
        ({"start": "0001-01-01"}, 422, "invalid_data", "batch dates must lie between"),
        ({"end": "9999-12-31"}, 422, "invalid_data", "batch dates must lie between"),
        ({"colour": "blue"}, 422, "invalid_data", "colour: Extra inputs are not permitted"),
    ]
    headers = world.bearer(Role.COORDINATOR)
    with unchanged(world.services):
        for change, status, kind, detail in cases:
            response = client.post("/api/batches", json={**NEW_BATCH, **change}, headers=headers)
            assert detail in problem(response, status, kind)["detail"], change
        response = client.post("/api/batches", json={"track": "junior-diplomats"},
                               headers=headers)
        assert {"number", "start", "end"} == set(problem(response, 422, "invalid_data")["fields"])
        for role in (Role.SUPERVISOR, Role.OFFICER, Role.VIEWER):
            response = client.post("/api/batches", json=NEW_BATCH, headers=world.bearer(role))
            problem(response, 403, "permission_denied")


def test_a_quota_too_large_to_store_is_refused_not_a_crash(
    client: TestClient, world: World
) -> None:
    """2**40 seats overflowed PostgreSQL's INTEGER and 10**20 SQLite's (a 500); seats are
    now bounded like batch numbers, and the refusal names the field."""
    headers = world.bearer(Role.COORDINATOR)
    with unchanged(world.services):
        for seats in (2**40, 10**20, 10_001):
            response = client.post("/api/batches", json={**NEW_BATCH, "quotas": {"KH": seats}},
                                   headers=headers)
            assert ["quotas.KH"] == list(problem(response, 422, "invalid_data")["fields"])
    response = client.post("/api/batches", json={**NEW_BATCH, "quotas": {"KH": 10_000}},
                           headers=headers)
    assert (201, {"KH": 10_000}) == (response.status_code, response.json()["quotas"])


def test_an_unknown_batch_is_404_everywhere(client: TestClient, world: World) -> None:
    headers = world.bearer(Role.COORDINATOR)
    with unchanged(world.services):
        for method, path, body in [
            ("GET", "/api/batches/JD99", None),
            ("GET", "/api/batches/JD99/board", None),
            ("GET", "/api/batches/JD99/reminders/preview", None),
            ("GET", "/api/batches/not-a-ref", None),
            ("POST", "/api/batches/JD99/officers", NOMINATION),
        ]:
            response = client.request(method, path, json=body, headers=headers)
            assert "no batch" in problem(response, 404, "not_found")["detail"], path


def test_the_board_puts_each_officer_in_their_stage_column(
    client: TestClient, world: World
) -> None:
    """Every stage is a column (the optional one too: the batch includes it)."""
    headers = world.bearer(Role.COORDINATOR)
    response = client.get("/api/batches/JD17/board", headers=headers)
    assert 200 == response.status_code, response.text
    board = response.json()

    def card(ref: str, n: int) -> dict[str, Any]:
        version = client.get(f"/api/officers/{ref}", headers=headers).json()["version"]
        return {
            "ref": ref, "name": f"Officer {n} ឈី រដ្ឋា", "country": "KH", "source": "console",
            "version": version,
            "actions": [
                {"trigger": "start_training", "label": "Start diplomatic training",
                 "reason_required": False},
                {"trigger": "withdraw", "label": "Withdraw", "reason_required": True},
            ],
            "blocked": {"start_study_visit": [
                "sign-off 'placement.final' (Placement final review) has not been given",
                "Study-visit travel documents checklist: 'passport' (Passport valid for the "
                "visit) is not ticked",
                "Study-visit travel documents checklist: 'visa' (Visa for Japan) is not ticked",
                "Study-visit travel documents checklist: 'itinerary' (Itinerary) is not ticked",
            ]},
            "blocked_labels": {"start_study_visit": "Start study visit in Japan"},
            "overdue": [],
            "due_soon": [],
            "returned": [],
            "batch": "JD17", "state": "placement", "state_label": "Divisional placement",
            "checklists": [{"name": "travel_documents", "label": "Study-visit travel documents",
                            "done": 0, "total": 3}],
            "days_late": 0,
        }

    columns = [
        ("nominated", "Nominated"), ("accepted", "Accepted"), ("declined", "Declined"),
        ("induction", "Induction week"), ("placement", "Divisional placement"),
        ("diplomatic_training", "Diplomatic training (IDFR, Malaysia)"),
        ("study_visit", "Study visit in Japan"), ("graduated", "Graduated"),
        ("alumni", "Alumni"), ("withdrawn", "Withdrawn"),
    ]
    cards = {"placement": [card(world.mine, 0), card(world.theirs, 1)]}
    assert {
        **JD17,
        "columns": [
            {"state": state, "label": label, "officers": cards.get(state, []),
             "count": len(cards.get(state, [])), "more": 0, "overdue": 0}
            for state, label in columns
        ],
    } == board


def test_a_new_batch_without_training_has_no_training_column(
    client: TestClient, world: World
) -> None:
    """An empty batch shows its track's stages, minus the optional stage it skips."""
    headers = world.bearer(Role.COORDINATOR)
    assert 201 == client.post("/api/batches", json=NEW_BATCH, headers=headers).status_code
    board = client.get("/api/batches/JD18/board", headers=headers).json()
    assert ["nominated", "accepted", "declined", "induction", "placement", "study_visit",
            "graduated", "alumni", "withdrawn"] == [c["state"] for c in board["columns"]]
    assert [] == [c for c in board["columns"] if c["officers"]]


def test_nominating_an_officer_answers_201_and_files_them(
    client: TestClient, world: World
) -> None:
    """Country and e-mail are normalised; the officer gets the next reference."""
    headers = world.bearer(Role.COORDINATOR)
    response = client.post("/api/batches/JD17/officers", json=NOMINATION, headers=headers)
    assert 201 == response.status_code, response.text
    outcome = response.json()
    detail = client.get("/api/officers/JD17-03", headers=headers).json()
    assert {"ref": "JD17-03", "message": "nominated Chhy Ratha as JD17-03",
            "state": "nominated", "version": detail["version"]} == outcome
    assert {
        "ref": "JD17-03", "name": "Chhy Ratha", "country": "KH",
        "ministry": "Ministry of Foreign Affairs and International Cooperation",
        "position": "Attaché, Department of ASEAN", "email": "chhy.ratha@mfaic.example",
        "timezone": "Asia/Phnom_Penh", "batch": "JD17", "state": "nominated",
    } == {key: detail[key] for key in (
        "ref", "name", "country", "ministry", "position", "email", "timezone", "batch", "state")}
    assert ["accept", "decline", "withdraw"] == detail["allowed_triggers"]


def test_nomination_refusals_write_nothing(client: TestClient, world: World) -> None:
    """Bad country, taken e-mail, bad e-mail or zone, a full quota, non-coordinators."""
    headers = world.bearer(Role.COORDINATOR)
    cases: list[tuple[dict[str, Any], int, str, str]] = [
        ({"country": "TH"}, 422, "invalid_data", "country 'TH' is not one of KH (Cambodia)"),
        ({"country": "Thailand"}, 422, "invalid_data", "country 'Thailand' is not one of"),
        ({"email": OFFICER.upper()}, 409, "conflict",
         f"an officer with e-mail {OFFICER} already exists: {world.mine}"),
        ({"email": "not an address"}, 422, "invalid_data", "e-mail 'not an address' is not valid"),
        ({"timezone": "Asia/Atlantis"}, 422, "invalid_data", "time zone 'Asia/Atlantis'"),
        ({"name": "   "}, 422, "invalid_data", "name must not be empty"),
        ({"country": "K"}, 422, "invalid_data", "country: String should have at least 2"),
    ]
    with unchanged(world.services):
        for change, status, kind, detail in cases:
            response = client.post("/api/batches/JD17/officers", json={**NOMINATION, **change},
                                   headers=headers)
            assert detail in problem(response, status, kind)["detail"], change
        for role in (Role.SUPERVISOR, Role.OFFICER, Role.VIEWER):
            response = client.post("/api/batches/JD17/officers", json=NOMINATION,
                                   headers=world.bearer(role))
            problem(response, 403, "permission_denied")


def test_a_full_country_quota_refuses_the_next_nomination(
    client: TestClient, world: World
) -> None:
    """JD17 has 7 seats for Cambodia and 2 taken: the 6th new nomination is refused."""
    headers = world.bearer(Role.COORDINATOR)
    for n in range(5):
        response = client.post("/api/batches/JD17/officers",
                               json={**NOMINATION, "email": f"extra{n}@mfaic.example"},
                               headers=headers)
        assert 201 == response.status_code, response.text
    with unchanged(world.services):
        response = client.post("/api/batches/JD17/officers",
                               json={**NOMINATION, "email": "one.too.many@mfaic.example"},
                               headers=headers)
        assert "batch JD17 quota for KH (Cambodia) is full: 7 of 7 seats taken" == problem(
            response, 422, "invalid_data")["detail"]
    response = client.post("/api/batches/JD17/officers",
                           json={**NOMINATION, "country": "VN", "email": "vn@mofa.example"},
                           headers=headers)
    assert (201, "Asia/Ho_Chi_Minh") == (
        response.status_code,
        client.get("/api/officers/vn@mofa.example", headers=headers).json()["timezone"],
    )


def test_the_reminder_preview_lists_what_is_still_to_come(
    client: TestClient, world: World
) -> None:
    """Unsent future reminders of the batch's officers, in sending order; none already
    failed or sent, and the next one is the second monthly activity report."""
    headers = world.bearer(Role.COORDINATOR)
    response = client.get("/api/batches/JD17/reminders/preview", headers=headers)
    assert 200 == response.status_code, response.text
    rows = response.json()
    assert {
        "key": f"{world.mine}/activity_report/2/{OFFICER}",
        "officer": world.mine,
        "rule": "activity_report",
        "occurrence": 2,
        "kind": "reminder",
        "template": "activity_report_due",
        "recipient_role": "officer",
        "recipient_name": "Officer 0 ឈី រដ្ឋា",
        "recipient_email": OFFICER,
        "send_at": "2023-03-02T02:00:00+00:00",
        "send_local": "2023-03-02 09:00 Asia/Phnom_Penh",
    } == rows[0]
    assert [row["send_at"] for row in rows] == sorted(row["send_at"] for row in rows)
    assert {world.mine, world.theirs} == {row["officer"] for row in rows}
    failed = client.get("/api/reminders?status=failed", headers=headers).json()
    assert 2 == len(failed)
    assert set() == {row["key"] for row in failed} & {row["key"] for row in rows}
    with unchanged(world.services):
        problem(client.get("/api/batches/JD17/reminders/preview",
                           headers=world.bearer(Role.VIEWER)), 403, "permission_denied")


def test_a_batch_number_too_large_to_store_is_simply_not_found(
    client: TestClient, world: World
) -> None:
    """JD2147483648 overflowed PostgreSQL's INTEGER and JD9223372036854775808 SQLite's
    (a 500); no batch can have such a number, so it is a 404 like any unknown batch."""
    headers = world.bearer(Role.COORDINATOR)
    for ref in ("JD2147483648", "JD9223372036854775808"):
        for path in (f"/api/batches/{ref}", f"/api/batches/{ref}/board",
                     f"/api/officers?batch={ref}"):
            assert f"no batch '{ref}'" in problem(
                client.get(path, headers=headers), 404, "not_found")["detail"]
