"""One officer's agreed due date: moved with a reason, reminders re-planned, refusals
that change nothing; through the service, the CLI, the officer page and the API."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lifecycle.errors import InvalidData, PermissionDenied
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import Reminder
from lifecycle.roles import Role
from notifications.extensions import set_deadline
from tests.support import COORDINATOR, SUPERVISOR
from tests.web.conftest import World, form_with_csrf, session_cookie, unchanged
from tests.web.test_action_links import run_attache

MIDTERM = "placement.midterm"


def midterm_dues(world: World, ref: str) -> set[date]:
    """The due dates of the officer's pending mid-term reminders."""
    with world.services.db.reading() as session:
        officer = repo.officer_by_ref(session, ref)
        return {
            r.due_at.date() for r in session.scalars(select(Reminder).where(
                Reminder.officer_id == officer.id, Reminder.about == MIDTERM,
                Reminder.status == "pending", Reminder.kind == "reminder",
            ))
        }


def test_an_agreed_extension_replans_only_that_officers_reminders(world: World) -> None:
    before_mine, before_theirs = midterm_dues(world, world.mine), midterm_dues(world, world.theirs)
    assert max(before_mine) == date(2023, 7, 3)  # six months after entering the placement
    outcome = set_deadline(world.services, world.mine, MIDTERM, date(2023, 7, 31),
                           reason="Home leave in June, agreed with the ministry",
                           actor=COORDINATOR)
    # Due on Sunday 2 July; its last reminder goes out the next working day.
    assert "now due 2023-07-31 (was 2023-07-02)" in outcome.message
    assert max(midterm_dues(world, world.mine)) == date(2023, 7, 31)
    assert midterm_dues(world, world.theirs) == before_theirs


@pytest.mark.parametrize(
    ("name", "day", "reason", "actor", "error", "says"),
    [
        (MIDTERM, date(2023, 7, 2), "x", COORDINATOR, InvalidData, "is not after"),
        (MIDTERM, date(2023, 6, 1), "x", COORDINATOR, InvalidData, "moves a deadline later"),
        ("induction", date(2023, 9, 1), "x", COORDINATOR, InvalidData, "with a due date"),
        (MIDTERM, date(2023, 9, 1), " ", COORDINATOR, InvalidData, "needs a reason"),
        (MIDTERM, date(2023, 9, 1), "x", SUPERVISOR, PermissionDenied, "needs a coordinator"),
    ],
    ids=["same-day", "earlier", "undated", "no-reason", "supervisor"],
)
def test_a_refused_move_changes_nothing(
    world: World, name: str, day: date, reason: str, actor: str, error: type, says: str
) -> None:
    with unchanged(world.services), pytest.raises(error, match=says):
        set_deadline(world.services, world.mine, name, day, reason=reason, actor=actor)


def test_the_page_api_and_cli_move_it_and_show_it(
    world: World, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    signed = world.session(Role.COORDINATOR)
    moved = client.post(
        f"/officers/{world.mine}/deadlines", headers=session_cookie(signed),
        data=form_with_csrf(signed, name=MIDTERM, due="2023-07-20", reason="Medical leave"),
    )
    assert moved.status_code == 303, moved.text
    page = client.get(f"/officers/{world.mine}", headers=session_cookie(signed))
    assert 'data-testid="extended-placement.midterm"' in page.text
    assert "extended from 02 Jul 2023: Medical leave" in page.text
    bearer, url = world.bearer(Role.COORDINATOR), f"/api/officers/{world.mine}/deadlines"
    api = client.post(url, headers=bearer,
                      json={"name": MIDTERM, "due": "2023-07-10", "reason": "Typo"})
    assert api.status_code == 422 and "is not after" in api.json()["detail"]
    api = client.post(url, headers=bearer,
                      json={"name": MIDTERM, "due": "2023-07-27", "reason": "Mission to Bali"})
    assert api.status_code == 200, api.text
    code, said = run_attache(
        capsys, "--database", world.services.db.url, "--now", world.clock.now().isoformat(),
        "deadline", "set", world.mine, MIDTERM, "2023-08-03", "--reason", "Again",
        "--as", COORDINATOR,
    )
    assert code == 0 and "now due 2023-08-03 (was 2023-07-27)" in said
    code, said = run_attache(capsys, "--database", world.services.db.url, "officer", "show",
                             world.mine)
    assert "due date for placement.midterm moved 2023-07-02 -> 2023-07-20: Medical leave" in said
