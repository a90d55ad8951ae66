"""Calendar feeds on the web: the public .ics URL, and the forms that create and revoke."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from icalendar import Calendar

from lifecycle.roles import Role
from lifecycle.services import calendars
from tests.support import COORDINATOR, OTHER_SUPERVISOR, SUPERVISOR
from tests.web.conftest import World, form_with_csrf, session_cookie, unchanged

URL = re.compile(r'data-testid="calendar-url">http://testserver(/calendars/[^<]+\.ics)<')


def create(client: TestClient, world: World, role: Role, path: str = "/account/calendars",
           **fields: str) -> str:
    """Post the form as ``role``; the .ics path the page shows once."""
    signed = world.session(role)
    response = client.post(path, data=form_with_csrf(signed, **fields),
                           headers=session_cookie(signed))
    assert 200 == response.status_code, response.text
    found = URL.search(response.text)
    assert found, response.text
    return found.group(1)


def test_a_supervisor_subscribes_to_their_own_calendar(client: TestClient, world: World) -> None:
    """No sign-in for the .ics: the token is the credential; the deadline keeps its instant."""
    path = create(client, world, Role.SUPERVISOR)
    client.cookies.clear()
    response = client.get(path)
    assert 200 == response.status_code
    assert "text/calendar; charset=utf-8" == response.headers["content-type"]
    calendar = Calendar.from_ical(response.content)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    midterm = events[f"signoff-{world.mine}-placement.midterm@attache.asean.org"]
    assert datetime(2023, 7, 3, 2, 0, tzinfo=UTC) == midterm.decoded("DTSTART").astimezone(UTC)
    assert not any(world.theirs in uid for uid in events)
    assert ["Asia/Jakarta"] == [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")]


def test_an_officer_subscribes_to_their_own_calendar(client: TestClient, world: World) -> None:
    events = Calendar.from_ical(client.get(create(client, world, Role.OFFICER)).content)
    uids = [str(e["UID"]) for e in events.walk("VEVENT")]
    assert any(uid.startswith(f"stage-{world.mine}-") for uid in uids)
    assert not any(world.theirs in uid for uid in uids)


def test_the_account_page_lists_and_revokes_feeds(client: TestClient, world: World) -> None:
    """A revoked URL answers 404, as an unknown one does, with no hint which."""
    path = create(client, world, Role.SUPERVISOR)
    signed = world.session(Role.SUPERVISOR)
    page = client.get("/account", headers=session_cookie(signed))
    assert f"supervisor {SUPERVISOR}" in page.text
    [feed] = calendars.my_feeds(world.services, actor=SUPERVISOR)
    response = client.post(f"/account/calendars/{feed.id}/revoke", data=form_with_csrf(signed),
                           headers=session_cookie(signed))
    assert 303 == response.status_code
    client.cookies.clear()
    revoked, unknown = client.get(path), client.get("/calendars/no-such-token.ics")
    assert (404, 404) == (revoked.status_code, unknown.status_code)
    assert revoked.text == unknown.text
    assert "revoked" not in revoked.text.lower()


def test_a_coordinator_makes_a_batch_calendar_from_the_board(
    client: TestClient, world: World
) -> None:
    signed = world.session(Role.COORDINATOR)
    board = client.get("/batches/JD17", headers=session_cookie(signed))
    assert 'action="/batches/JD17/calendars"' in board.text
    path = create(client, world, Role.COORDINATOR, "/batches/JD17/calendars")
    uids = [str(e["UID"]) for e in Calendar.from_ical(client.get(path).content).walk("VEVENT")]
    assert any(uid.startswith(f"stage-{world.mine}-") for uid in uids)
    assert any(uid.startswith(f"stage-{world.theirs}-") for uid in uids)
    assert "batch-JD17-start@attache.asean.org" in uids
    officer = create(client, world, Role.COORDINATOR, kind="officer", ref=world.theirs)
    assert 200 == client.get(officer).status_code
    feeds = calendars.my_feeds(world.services, actor=COORDINATOR)
    assert [("batch", "JD17"), ("officer", world.theirs)] == [(f.kind, f.ref) for f in feeds]


def test_a_supervisor_may_not_create_another_supervisors_feed(
    client: TestClient, world: World
) -> None:
    signed = world.session(Role.SUPERVISOR)
    with unchanged(world.services):
        response = client.post("/account/calendars", headers=session_cookie(signed),
                               data=form_with_csrf(signed, kind="supervisor",
                                                   ref=OTHER_SUPERVISOR))
        assert 403 == response.status_code
        response = client.post("/account/calendars", headers=session_cookie(signed),
                               data={"kind": "supervisor", "ref": SUPERVISOR})
        assert 403 == response.status_code  # no CSRF token
        viewer = world.session(Role.VIEWER)
        response = client.post("/account/calendars", data=form_with_csrf(viewer),
                               headers=session_cookie(viewer))
        assert 403 == response.status_code
