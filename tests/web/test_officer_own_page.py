"""The officer's own page: what is due next and by when, and nobody else's record."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from lifecycle.roles import Role
from lifecycle.services import accounts, setup
from tests.support import COORDINATOR
from tests.web.conftest import PASSWORD, World, session_cookie


def due_next(html: str) -> list[str]:
    section = re.search(r'data-testid="due-next">(.*?)</section>', html, re.S)
    assert section, html
    return [
        " ".join(re.sub(r"<[^>]+>", " ", item).split())
        for item in re.findall(r"<li[^>]*>(.*?)</li>", section.group(1), re.S)
    ]


def test_an_officer_sees_what_is_due_next_on_their_own_page(
    world: World, client: TestClient
) -> None:
    setup.set_milestone(world.services, "JD17", "study_visit", date(2023, 11, 6),
                        actor=COORDINATOR)
    me = session_cookie(world.session(Role.OFFICER))
    landing = client.get("/me", headers=me)
    assert landing.headers["location"] == f"/officers/{world.mine}"
    page = client.get(landing.headers["location"], headers=me)
    assert page.status_code == 200
    tasks = due_next(page.text)
    # Soonest first: the mid-term review (six months into the placement), then the travel
    # documents (a week before the study visit) and the final review (15 working days
    # before it); the officer's own task is marked as theirs.
    assert [t.split(" ·")[0] for t in tasks] == [
        "Placement mid-term review",
        "Placement final review",
        "Study-visit travel documents (Passport valid for the visit, Visa for Japan, Itinerary)",
    ]
    assert tasks[2].endswith("for you")
    assert "Maria Santos" in tasks[0]
    other = client.get(f"/officers/{world.theirs}", headers=me)
    assert other.status_code in (403, 404)


def test_an_overdue_task_is_flagged(world: World, client: TestClient) -> None:
    world.clock.set(world.clock.now().replace(year=2023, month=9, day=1))
    signed = accounts.sign_in(world.services, COORDINATOR, PASSWORD)  # sessions last hours
    page = client.get(f"/officers/{world.mine}", headers=session_cookie(signed))
    [midterm] = [t for t in due_next(page.text) if t.startswith("Placement mid-term review")]
    assert "overdue" in midterm
