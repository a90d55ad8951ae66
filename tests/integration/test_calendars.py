"""Calendar feeds: what each feed shows, in which zone, and who may create or revoke one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from lifecycle.clock import FakeClock
from lifecycle.errors import InvalidData, NotFound, PermissionDenied
from lifecycle.persistence.tables import CalendarFeed
from lifecycle.services import Services, calendars, setup
from lifecycle.services import officers as act
from tests.integration import attache
from tests.support import (
    COORDINATOR,
    DIVISION,
    INDUCTION,
    OTHER_SUPERVISOR,
    SUPERVISOR,
    VIEWER,
    nominate,
    seed_programme,
    to_placement,
)

MIDTERM_DUE = datetime(2023, 7, 3, 2, 0, tzinfo=UTC)  # what the reminders planner computes


@pytest.fixture
def world(services: Services, clock: FakeClock) -> list[str]:
    """JD17 with a study visit; JD17-01 placed with SUPERVISOR, JD17-02 with the other
    supervisor, JD17-03 only nominated."""
    seed_programme(services)
    setup.set_milestone(services, "JD17", "study_visit", date(2023, 12, 4), actor=COORDINATOR)
    refs = nominate(services, 3)
    clock.advance(timedelta(hours=1, minutes=30))
    to_placement(services, refs[0])
    act.advance(services, refs[1], "accept", actor=COORDINATOR)
    act.advance(services, refs[1], "start_induction", actor=COORDINATOR)
    for item in INDUCTION:
        act.tick(services, refs[1], item, actor=COORDINATOR)
    act.place(services, refs[1], division=DIVISION, supervisor=OTHER_SUPERVISOR,
              actor=COORDINATOR)
    return refs


def parse(services: Services, token: str) -> dict[str, object]:
    calendar = Calendar.from_ical(calendars.calendar_for_token(services, token))
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_an_officer_feed_parses_back_with_stages_deadlines_and_batch_dates(
    services: Services, world: list[str]
) -> None:
    """Timed events keep the officer's zone and the stored instant; batch dates are DATEs."""
    token = calendars.create_feed(services, "officer", world[0], actor=COORDINATOR)
    raw = calendars.calendar_for_token(services, token)
    calendar = Calendar.from_ical(raw)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    midterm = events[f"signoff-{world[0]}-placement.midterm@attache.asean.org"]
    start = midterm.decoded("DTSTART")
    assert "Asia/Phnom_Penh" == midterm["DTSTART"].params["TZID"]
    assert MIDTERM_DUE == start.astimezone(UTC)
    assert f"signoff-{world[0]}-placement.final@attache.asean.org" in events
    visit = events["batch-JD17-study_visit@attache.asean.org"]
    assert date(2023, 12, 4) == visit.decoded("DTSTART")
    assert not isinstance(visit.decoded("DTSTART"), datetime)
    assert date(2023, 12, 5) == visit.decoded("DTEND")  # exclusive: one day
    induction = events["batch-JD17-induction@attache.asean.org"]
    assert (date(2023, 1, 25), date(2023, 2, 1)) == (  # the week before work starts
        induction.decoded("DTSTART"), induction.decoded("DTEND"))
    assert date(2023, 2, 1) == events["batch-JD17-start@attache.asean.org"].decoded("DTSTART")
    assert date(2024, 1, 31) == events["batch-JD17-end@attache.asean.org"].decoded("DTSTART")
    stages = sorted(str(e["SUMMARY"]).split(": ")[-1] for u, e in events.items()
                    if u.startswith(f"stage-{world[0]}-"))
    assert ["Accepted", "Divisional placement", "Induction week"] == stages
    entered = next(e for u, e in events.items() if u.startswith(f"stage-{world[0]}-"))
    assert datetime(2023, 1, 2, 3, 30, tzinfo=UTC) == entered.decoded("DTSTART").astimezone(UTC)
    assert ["Asia/Phnom_Penh"] == [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")]
    assert not any(world[1] in uid or world[2] in uid for uid in events)


def test_uids_are_stable_so_calendar_apps_update_rather_than_duplicate(
    services: Services, world: list[str], clock: FakeClock
) -> None:
    token = calendars.create_feed(services, "officer", world[1], actor=COORDINATOR)
    before = set(parse(services, token))
    clock.advance(timedelta(days=3))
    again = calendars.create_feed(services, "officer", world[1], actor=COORDINATOR)
    assert before == set(parse(services, token)) == set(parse(services, again))


def test_a_supervisor_feed_holds_only_officers_placed_with_them(
    services: Services, world: list[str]
) -> None:
    token = calendars.create_feed(services, "supervisor", SUPERVISOR, actor=SUPERVISOR)
    events = parse(services, token)
    officers = {uid.split("-")[1] + "-" + uid.split("-")[2] for uid in events
                if uid.startswith(("stage-", "signoff-"))}
    assert {world[0]} == officers
    midterm = events[f"signoff-{world[0]}-placement.midterm@attache.asean.org"]
    assert "Asia/Jakarta" == midterm["DTSTART"].params["TZID"]  # the supervisor's zone
    assert MIDTERM_DUE == midterm.decoded("DTSTART").astimezone(UTC)
    other = parse(services, calendars.create_feed(
        services, "supervisor", OTHER_SUPERVISOR, actor=COORDINATOR))
    assert not any(world[0] in uid for uid in other)
    assert any(uid.startswith(f"stage-{world[1]}-") for uid in other)


def test_a_batch_feed_holds_every_officer_of_the_batch(
    services: Services, world: list[str]
) -> None:
    events = parse(services, calendars.create_feed(services, "batch", "jd17", actor=COORDINATOR))
    for ref in world:
        assert any(uid.startswith(f"stage-{ref}-") for uid in events) or ref == world[2]
    assert "batch-JD17-study_visit@attache.asean.org" in events
    midterm = events[f"signoff-{world[0]}-placement.midterm@attache.asean.org"]
    assert "Asia/Jakarta" == midterm["DTSTART"].params["TZID"]


def test_a_revoked_or_unknown_token_opens_nothing(services: Services, world: list[str]) -> None:
    token = calendars.create_feed(services, "officer", world[0], actor=COORDINATOR)
    [feed] = calendars.my_feeds(services, actor=COORDINATOR)
    calendars.revoke_feed(services, feed.id, actor=COORDINATOR)
    for secret in (token, "not-a-token"):
        with pytest.raises(NotFound) as refused:
            calendars.calendar_for_token(services, secret)
        assert "no such calendar" == refused.value.message
    assert [] == calendars.my_feeds(services, actor=COORDINATOR)
    with pytest.raises(NotFound):
        calendars.revoke_feed(services, feed.id, actor=COORDINATOR)


def test_only_the_hash_of_the_token_is_stored(services: Services, world: list[str]) -> None:
    token = calendars.create_feed(services, "batch", "JD17", actor=COORDINATOR)
    with services.db.reading() as session:
        [row] = session.scalars(select(CalendarFeed)).all()
        assert token not in (row.token_hash, row.subject_ref)
        assert ("batch", "JD17") == (row.subject_kind, row.subject_ref)


def test_who_may_create_which_feed(services: Services, world: list[str]) -> None:
    """Staff: anything; a supervisor: themself; an officer: themself; a viewer: nothing."""
    setup.add_user(services, name="Officer 0", email="o0.kh@mfa.example", role="officer")
    calendars.create_feed(services, "officer", world[0], actor="o0.kh@mfa.example")
    calendars.create_feed(services, "supervisor", SUPERVISOR, actor=SUPERVISOR)
    refused = [
        ("officer", world[1], "o0.kh@mfa.example"),
        ("batch", "JD17", "o0.kh@mfa.example"),
        ("supervisor", OTHER_SUPERVISOR, SUPERVISOR),
        ("officer", world[0], SUPERVISOR),
        ("batch", "JD17", SUPERVISOR),
        ("batch", "JD17", VIEWER),
    ]
    for kind, ref, actor in refused:
        with pytest.raises(PermissionDenied):
            calendars.create_feed(services, kind, ref, actor=actor)
    [mine] = calendars.my_feeds(services, actor=SUPERVISOR)
    with pytest.raises(PermissionDenied):
        calendars.revoke_feed(services, mine.id, actor="o0.kh@mfa.example")
    calendars.revoke_feed(services, mine.id, actor=COORDINATOR)


def test_unknown_subjects_and_kinds_are_refused(services: Services, world: list[str]) -> None:
    with pytest.raises(NotFound):
        calendars.create_feed(services, "officer", "JD17-99", actor=COORDINATOR)
    with pytest.raises(NotFound):
        calendars.create_feed(services, "batch", "JD99", actor=COORDINATOR)
    with pytest.raises(InvalidData):
        calendars.create_feed(services, "supervisor", COORDINATOR, actor=COORDINATOR)
    with pytest.raises(InvalidData):
        calendars.create_feed(services, "division", DIVISION, actor=COORDINATOR)


def test_the_cli_creates_lists_and_revokes_feeds(
    database_url: str, services: Services, world: list[str]
) -> None:
    """The URL path is printed once; a supervisor is refused another's feed (exit 6)."""
    created = attache(database_url, "calendar", "create", "supervisor", SUPERVISOR,
                      "--as", SUPERVISOR)
    assert 0 == created.code, created.err
    path = created.out.strip()
    assert path.startswith("/calendars/") and path.endswith(".ics")
    token = path.removeprefix("/calendars/").removesuffix(".ics")
    assert f"signoff-{world[0]}-placement.midterm@attache.asean.org" in parse(services, token)
    refused = attache(database_url, "calendar", "create", "supervisor", OTHER_SUPERVISOR,
                      "--as", SUPERVISOR)
    assert (6, "") == (refused.code, refused.out)
    [feed] = calendars.my_feeds(services, actor=SUPERVISOR)
    listed = attache(database_url, "calendar", "list", "--as", SUPERVISOR)
    assert 0 == listed.code and SUPERVISOR in listed.out
    revoked = attache(database_url, "calendar", "revoke", str(feed.id), "--as", SUPERVISOR)
    assert 0 == revoked.code, revoked.err
    with pytest.raises(NotFound):
        calendars.calendar_for_token(services, token)
    assert 3 == attache(database_url, "calendar", "revoke", str(feed.id),
                        "--as", SUPERVISOR).code
