"""Reminders and the template editor over the API (/api/reminders, /api/templates)."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from lifecycle.persistence.tables import Reminder
from lifecycle.roles import Role
from notifications.rendering import TemplateRenderer
from tests.web.conftest import (
    OTHER_OFFICER,
    World,
    form_with_csrf,
    problem,
    session_cookie,
    unchanged,
)
from web.app import create_app

SHIPPED = Path(__file__).parents[2] / "notifications" / "templates"
NAMES = ["induction_welcome", "activity_report_due", "signoff_due", "signoff_overdue",
         "signoff_escalation", "travel_documents_due", "visit_report_due", "alumni_followup",
         "coordinator_digest", "nomination_received", "nomination_decided"]
GOOD_DRAFT = {"subject": "Due in {{ 6 * 7 }} days", "txt": "Please sign.\n",
              "html": "<p>Please sign.</p>\n"}
TYPO_DRAFT = {**GOOD_DRAFT, "subject": "Due for {{ officer.nme }}"}


def failed_row(ref: str, n: int, reminder_id: int) -> dict[str, object]:
    """The n-th officer's first activity report, refused by the mail server."""
    email = f"o{n}.kh@mfa.example"
    return {
        "id": reminder_id,
        "key": f"{ref}/activity_report/1/{email}",
        "officer": ref,
        "rule": "activity_report",
        "occurrence": 1,
        "kind": "reminder",
        "template": "activity_report_due",
        "recipient_role": "officer",
        "recipient_name": f"Officer {n} ឈី រដ្ឋា",
        "recipient_email": email,
        "status": "failed",
        "attempts": 1,
        "last_error": "550 5.1.1 mailbox unavailable",
        "due_at": "2023-02-02T02:00:00+00:00",
        "send_at": "2023-02-02T02:00:00+00:00",
        "send_local": "2023-02-02 09:00 Asia/Phnom_Penh",
        "sent_at": None,
    }


def reminder_id(world: World, key: str) -> int:
    with world.services.db.reading() as session:
        found = session.scalar(select(Reminder.id).where(Reminder.key == key))
    assert found is not None
    return found


def test_the_reminder_list_filters_by_status_and_officer(client: TestClient, world: World) -> None:
    """Failed reminders are what a coordinator looks for: the filter shows exactly them."""
    headers = world.bearer(Role.COORDINATOR)
    theirs_key = f"{world.theirs}/activity_report/1/{OTHER_OFFICER}"
    response = client.get("/api/reminders?status=failed", headers=headers)
    assert 200 == response.status_code, response.text
    assert [
        failed_row(world.mine, 0, world.failed_reminder),
        failed_row(world.theirs, 1, reminder_id(world, theirs_key)),
    ] == response.json()
    everything = client.get("/api/reminders", headers=headers).json()
    assert {"pending", "failed", "cancelled"} == {row["status"] for row in everything}
    theirs = client.get(f"/api/reminders?officer={world.theirs}", headers=headers).json()
    assert [row for row in everything if row["officer"] == world.theirs] == theirs
    assert [] == client.get("/api/reminders?status=sent", headers=headers).json()


def test_reminder_list_refusals(client: TestClient, world: World) -> None:
    headers = world.bearer(Role.COORDINATOR)
    with unchanged(world.services):
        response = client.get("/api/reminders?status=lost", headers=headers)
        assert (
            "unknown status 'lost'; statuses: pending, sending, sent, failed, cancelled, expired"
        ) == problem(response, 422, "invalid_data")["detail"]
        response = client.get("/api/reminders?officer=JD17-99", headers=headers)
        problem(response, 404, "not_found")
        for role in (Role.SUPERVISOR, Role.OFFICER, Role.VIEWER):
            problem(client.get("/api/reminders", headers=world.bearer(role)), 403,
                    "permission_denied")


def test_retrying_a_failed_reminder_queues_it_again(client: TestClient, world: World) -> None:
    """Retry resets the attempts and makes it due now; a second retry is a conflict."""
    headers = world.bearer(Role.COORDINATOR)
    key = f"{world.mine}/activity_report/1/o0.kh@mfa.example"
    response = client.post(f"/api/reminders/{world.failed_reminder}/retry", headers=headers)
    assert (200, {"message": f"reminder #{world.failed_reminder} ({key}) will be sent on the "
                             "next dispatch pass"}) == (response.status_code, response.json())
    with world.services.db.reading() as session:
        row = session.get(Reminder, world.failed_reminder)
        assert row is not None
        assert ("pending", 0, world.clock.now()) == (row.status, row.attempts, row.next_attempt_at)
    with unchanged(world.services):
        response = client.post(f"/api/reminders/{world.failed_reminder}/retry", headers=headers)
        assert (
            f"reminder #{world.failed_reminder} is pending; only failed reminders can be retried"
        ) == problem(response, 409, "conflict")["detail"]


def test_a_failed_reminder_past_its_expiry_is_not_retried(
    client: TestClient, world: World
) -> None:
    """Queued again, it would only be marked expired: the coordinator is told why."""
    with world.services.db.reading() as session:
        row = session.get(Reminder, world.failed_reminder)
        assert row is not None
        expires_at = row.expires_at
    world.clock.set(expires_at + timedelta(minutes=1))
    with unchanged(world.services):
        response = client.post(f"/api/reminders/{world.failed_reminder}/retry",
                               headers=world.bearer(Role.COORDINATOR))
        assert (
            f"reminder #{world.failed_reminder} can no longer be sent: it was to go out by "
            f"{expires_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC, and that has passed"
        ) == problem(response, 409, "conflict")["detail"]


def test_retry_refusals_write_nothing(client: TestClient, world: World) -> None:
    headers = world.bearer(Role.COORDINATOR)
    with unchanged(world.services):
        response = client.post("/api/reminders/999999/retry", headers=headers)
        assert "no reminder #999999" == problem(response, 404, "not_found")["detail"]
        response = client.post("/api/reminders/first/retry", headers=headers)
        assert ["path.reminder_id"] == list(problem(response, 422, "invalid_data")["fields"])
        for role in (Role.SUPERVISOR, Role.OFFICER, Role.VIEWER):
            response = client.post(f"/api/reminders/{world.failed_reminder}/retry",
                                   headers=world.bearer(role))
            problem(response, 403, "permission_denied")


def test_templates_are_listed_and_read_from_the_shipped_files(
    client: TestClient, world: World
) -> None:
    headers = world.bearer(Role.COORDINATOR)
    assert NAMES == client.get("/api/templates", headers=headers).json()
    response = client.get("/api/templates/signoff_due", headers=headers)
    assert {
        part: (SHIPPED / f"signoff_due.{part}.j2").read_text(encoding="utf-8")
        for part in ("subject", "txt", "html")
    } == response.json()
    with unchanged(world.services):
        response = client.get("/api/templates/signoff_later", headers=headers)
        assert "no template 'signoff_later'" in problem(response, 404, "not_found")["detail"]


def test_a_preview_renders_a_good_draft_and_names_a_typo(
    client: TestClient, world: World, template_dir: Path
) -> None:
    """Previews write nothing anywhere; a typo comes back with its file and line."""
    headers = world.bearer(Role.COORDINATOR)
    path = "/api/templates/signoff_due/preview"
    with unchanged(world.services):
        response = client.post(path, json=GOOD_DRAFT, headers=headers)
        assert (200, {"ok": True, "problems": [], "rendered": {
            "subject": "Due in 42 days", "text": "Please sign.\n",
            "html": "<p>Please sign.</p>\n"}}) == (response.status_code, response.json())
        response = client.post(path, json=TYPO_DRAFT, headers=headers)
        assert (200, {"ok": False, "rendered": None, "problems": [{
            "file": "signoff_due (draft)/signoff_due.subject.j2", "line": 1,
            "message": "'officer' has no attribute 'nme'", "kind": "undefined"}]}) == (
            response.status_code, response.json())
    assert [] == list(template_dir.iterdir())


def test_saving_a_good_draft_writes_the_override_and_serves_it(
    client: TestClient, world: World, template_dir: Path
) -> None:
    headers = world.bearer(Role.COORDINATOR)
    response = client.put("/api/templates/signoff_due", json=GOOD_DRAFT, headers=headers)
    assert (200, True) == (response.status_code, response.json()["ok"])
    assert {f"signoff_due.{part}.j2": GOOD_DRAFT[part] for part in GOOD_DRAFT} == {
        path.name: path.read_text(encoding="utf-8") for path in template_dir.iterdir()
    }
    assert GOOD_DRAFT == client.get("/api/templates/signoff_due", headers=headers).json()


def test_a_draft_with_a_problem_is_never_saved(
    client: TestClient, world: World, template_dir: Path
) -> None:
    headers = world.bearer(Role.COORDINATOR)
    with unchanged(world.services):
        response = client.put("/api/templates/signoff_due", json=TYPO_DRAFT, headers=headers)
        body = problem(response, 422, "invalid_data")
        assert (
            "signoff_due was not saved: signoff_due (draft)/signoff_due.subject.j2, line 1: "
            "'officer' has no attribute 'nme'"
        ) == body["detail"]
        response = client.put("/api/templates/signoff_later", json=GOOD_DRAFT, headers=headers)
        problem(response, 404, "not_found")
        response = client.put("/api/templates/signoff_due", json={"subject": "x"},
                              headers=headers)
        assert {"txt", "html"} == set(problem(response, 422, "invalid_data")["fields"])
        for role in (Role.SUPERVISOR, Role.OFFICER, Role.VIEWER):
            response = client.put("/api/templates/signoff_due", json=GOOD_DRAFT,
                                  headers=world.bearer(role))
            problem(response, 403, "permission_denied")
            response = client.post("/api/templates/signoff_due/preview", json=GOOD_DRAFT,
                                   headers=world.bearer(role))
            problem(response, 403, "permission_denied")
    assert [] == list(template_dir.iterdir())


def test_without_an_override_folder_templates_are_read_only(world: World) -> None:
    """Served without ATTACHE_TEMPLATE_DIR, a save is a configuration problem (422)."""
    app = create_app(world.services, TemplateRenderer())
    with TestClient(app) as client, unchanged(world.services):
        response = client.put("/api/templates/signoff_due", json=GOOD_DRAFT,
                              headers=world.bearer(Role.COORDINATOR))
        assert "templates cannot be edited here" in problem(
            response, 422, "configuration_error")["detail"]


def test_a_reminder_number_beyond_any_row_is_refused_not_a_crash(
    client: TestClient, world: World
) -> None:
    """Found by the fuzz: 2**63 overflowed SQLite and 2**31 PostgreSQL's INTEGER (500).
    Now the API and the page answer 422 naming the parameter, and write nothing."""
    signed = world.session(Role.COORDINATOR)
    with unchanged(world.services):
        for number in (2**31, 2**63, 0):
            response = client.post(f"/api/reminders/{number}/retry",
                                   headers=world.bearer(Role.COORDINATOR))
            assert ["path.reminder_id"] == list(problem(response, 422, "invalid_data")["fields"])
            response = client.post(f"/reminders/{number}/retry",
                                   data=form_with_csrf(signed), headers=session_cookie(signed))
            assert 422 == response.status_code
            assert "reminder_id" in response.text
    response = client.post("/api/reminders/2147483647/retry",
                           headers=world.bearer(Role.COORDINATOR))
    assert "no reminder #2147483647" == problem(response, 404, "not_found")["detail"]
