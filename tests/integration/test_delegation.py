"""Delegation: a supervisor away names a substitute, a coordinator reassigns a sign-off.

On SQLite and PostgreSQL: who the reminders go to, who may sign and on whose behalf,
what the inboxes say, and every bad input refused with the database unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lifecycle.clock import FakeClock
from lifecycle.errors import (
    AttacheError,
    Conflict,
    InvalidData,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
)
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import Reminder, Signoff
from lifecycle.services import Services, setup
from lifecycle.services import officers as act
from lifecycle.services.delegation import absences, cancel_away, reassign_signoff, set_away
from lifecycle.services.inbox import covers, pending_signoffs
from notifications.reminder_context import ContextBuilder
from notifications.workdays import WorkingCalendar
from tests.conftest import BACKENDS, seeded_or_fresh
from tests.support import (
    COORDINATOR,
    COVERED,
    OTHER_SUPERVISOR,
    SUPERVISOR,
    THIRD_SUPERVISOR,
    VIEWER,
    dump,
    nominate,
    placed_with_cover_at_hand,
    seed_programme,
)

MIDTERM = "placement.midterm"
FINAL = "placement.final"
THIRD = THIRD_SUPERVISOR


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Overrides tests.conftest's: ``ref``'s world is copied, seeded once per session."""
    yield from seeded_or_fresh(request, tmp_path, {"ref": placed_with_cover_at_hand})


@pytest.fixture
def ref(services: Services) -> str:
    """The officer placed in ``placed_with_cover_at_hand``'s world."""
    return COVERED


def supervisor_reminders(services: Services, about: str) -> list[tuple[date, str, str]]:
    """(day due, recipient, status) of the sign-off's reminders to its signer."""
    with services.db.reading() as session:
        rows = session.scalars(
            select(Reminder)
            .where(Reminder.about == about, Reminder.recipient_role == "supervisor")
            .order_by(Reminder.due_at, Reminder.id)
        )
        return [(r.due_at.date(), r.recipient_email, r.status) for r in rows]


def pending_to(services: Services, about: str) -> dict[date, str]:
    return {day: to for day, to, status in supervisor_reminders(services, about)
            if status == "pending"}


def user_id(services: Services, email: str) -> int:
    with services.db.reading() as session:
        return repo.user_by_email(session, email).id


def midterm_window(services: Services) -> tuple[date, date]:
    """The days the mid-term review's reminders are due on, first and last."""
    days = sorted(pending_to(services, MIDTERM))
    return days[0], days[-1]


def test_an_absence_sends_the_reminders_due_in_it_to_the_substitute(
    services: Services, ref: str
) -> None:
    days = sorted(pending_to(services, MIDTERM))
    assert len(days) >= 3 and set(pending_to(services, MIDTERM).values()) == {SUPERVISOR}
    # Away over the first two reminders only.
    absence = set_away(services, SUPERVISOR, days[0], days[1], OTHER_SUPERVISOR,
                       actor=SUPERVISOR, reason="Mission to Manila")
    assert (absence.officers, absence.substitute, absence.reason) == (
        1, OTHER_SUPERVISOR, "Mission to Manila")
    wanted = pending_to(services, MIDTERM)
    assert {d: wanted[d] for d in days[:2]} == dict.fromkeys(days[:2], OTHER_SUPERVISOR)
    assert {wanted[d] for d in days[2:]} == {SUPERVISOR}
    # The supervisor's rows in the window were cancelled, not deleted.
    cancelled = {(d, to) for d, to, status in supervisor_reminders(services, MIDTERM)
                 if status == "cancelled"}
    assert cancelled == {(d, SUPERVISOR) for d in days[:2]}
    # Calling it off gives the supervisor their reminders back.
    cancel_away(services, absence.id, actor=COORDINATOR)
    assert set(pending_to(services, MIDTERM).values()) == {SUPERVISOR}
    assert absences(services) == []
    assert [a.cancelled for a in absences(services, include_past=True)] == [True]


def test_the_substitute_signs_on_behalf_during_the_absence_only(
    services: Services, clock: FakeClock, ref: str
) -> None:
    first, last = midterm_window(services)
    set_away(services, SUPERVISOR, first, last, OTHER_SUPERVISOR, actor=COORDINATOR)
    before = dump(services)
    with pytest.raises(PermissionDenied) as refused:  # not yet away
        act.sign_off(services, ref, MIDTERM, actor=OTHER_SUPERVISOR, approve=True)
    assert "Maria Santos" in refused.value.message
    assert dump(services) == before
    clock.set(clock.now() + timedelta(days=(first - clock.now().date()).days + 1))
    outcome = act.sign_off(services, ref, MIDTERM, actor=OTHER_SUPERVISOR, approve=True)
    assert outcome.message.endswith("by Other Supervisor on behalf of Maria Santos")
    with pytest.raises(PermissionDenied) as stranger:
        act.sign_off(services, ref, FINAL, actor=THIRD, approve=True)
    assert "Other Supervisor <other.super@asean.example> standing in" in stranger.value.message
    with services.db.reading() as session:
        [row] = session.scalars(select(Signoff))
        assert (row.signer.email, row.on_behalf_of.email if row.on_behalf_of else None) == (
            OTHER_SUPERVISOR, SUPERVISOR)
    # The absent supervisor may still sign; their own sign-off is on nobody's behalf.
    act.sign_off(services, ref, FINAL, actor=SUPERVISOR, approve=False, comment="Add annex")
    with services.db.reading() as session:
        last_row = session.scalars(select(Signoff).order_by(Signoff.id.desc())).first()
        assert last_row is not None and last_row.on_behalf_of_id is None
    # Nothing rewrote the placement.
    with services.db.reading() as session:
        placement = repo.open_placement(session, repo.officer_by_ref(session, ref))
        assert placement is not None and placement.supervisor.email == SUPERVISOR


def test_the_inboxes_say_who_covers_and_list_the_covered_sign_offs(
    services: Services, clock: FakeClock, ref: str
) -> None:
    first, last = midterm_window(services)
    set_away(services, SUPERVISOR, first, last, OTHER_SUPERVISOR, actor=SUPERVISOR)
    [note] = covers(services, user_id(services, SUPERVISOR))
    assert (note["kind"], note["email"], note["now"]) == ("covered_by", OTHER_SUPERVISOR, False)
    assert pending_signoffs(services, user_id(services, OTHER_SUPERVISOR)) == []
    clock.set(clock.now() + timedelta(days=(first - clock.now().date()).days + 1))
    [theirs] = covers(services, user_id(services, OTHER_SUPERVISOR))
    assert (theirs["kind"], theirs["email"], theirs["now"]) == (
        "covering_for", SUPERVISOR, True)
    [item] = pending_signoffs(services, user_id(services, OTHER_SUPERVISOR))
    assert (item["officer"], item["signoff"], item["on_behalf_of"]) == (
        ref, MIDTERM, "Maria Santos")
    [own] = pending_signoffs(services, user_id(services, SUPERVISOR))
    assert own["on_behalf_of"] is None


def test_the_substitutes_reminder_carries_links_that_sign_on_behalf(
    services: Services, clock: FakeClock, ref: str
) -> None:
    from lifecycle.services import action_links

    first, last = midterm_window(services)
    set_away(services, SUPERVISOR, first, last, OTHER_SUPERVISOR, actor=COORDINATOR)
    clock.set(clock.now() + timedelta(days=(first - clock.now().date()).days + 1))
    builder = ContextBuilder(services.workflows, WorkingCalendar(), "http://testserver")
    with services.db.reading() as session:
        row = session.scalars(select(Reminder).where(
            Reminder.recipient_email == OTHER_SUPERVISOR, Reminder.about == MIDTERM,
            Reminder.status == "pending")).first()
        assert row is not None
        context: Any = builder.build(session, row, services.now())
    assert context["supervisor"]["email"] == SUPERVISOR
    token = context["links"]["approve"].rsplit("/", 1)[-1]
    followed = action_links.follow(services, token)
    assert followed.message.endswith("on behalf of Maria Santos")


def test_a_reassigned_sign_off_goes_to_its_assignee_alone(
    services: Services, clock: FakeClock, ref: str
) -> None:
    before_final = pending_to(services, FINAL)
    outcome = reassign_signoff(services, ref, MIDTERM, THIRD, reason="Maria on long leave",
                               actor=COORDINATOR)
    assert "now with Third Supervisor" in outcome.message
    assert set(pending_to(services, MIDTERM).values()) == {THIRD}
    assert pending_to(services, FINAL) == before_final  # the other sign-off stays
    [item] = pending_signoffs(services, user_id(services, THIRD))
    assert (item["signoff"], item["on_behalf_of"]) == (MIDTERM, "Maria Santos")
    [own] = [i for i in pending_signoffs(services, user_id(services, SUPERVISOR))
             if i["signoff"] == MIDTERM]
    assert own["reassigned_to"] == "Third Supervisor"
    with pytest.raises(PermissionDenied):
        act.sign_off(services, ref, MIDTERM, actor=OTHER_SUPERVISOR, approve=True)
    done = act.sign_off(services, ref, MIDTERM, actor=THIRD, approve=True)
    assert done.message.endswith("on behalf of Maria Santos")
    # Handing it back to the supervisor is a reassignment too.
    reassign_signoff(services, ref, FINAL, THIRD, reason="cover", actor=COORDINATOR)
    reassign_signoff(services, ref, FINAL, SUPERVISOR, reason="back", actor=COORDINATOR)
    assert set(pending_to(services, FINAL).values()) <= {SUPERVISOR}


def test_an_assignment_beats_an_absence(services: Services, clock: FakeClock, ref: str) -> None:
    first, last = midterm_window(services)
    set_away(services, SUPERVISOR, first, last, OTHER_SUPERVISOR, actor=COORDINATOR)
    reassign_signoff(services, ref, MIDTERM, THIRD, reason="expert", actor=COORDINATOR)
    assert set(pending_to(services, MIDTERM).values()) == {THIRD}
    clock.set(clock.now() + timedelta(days=(first - clock.now().date()).days + 1))
    assert [i["signoff"] for i in pending_signoffs(services, user_id(services, OTHER_SUPERVISOR))
            ] == []  # the final review is not yet open (it comes after the mid-term)


Refusal = tuple[Callable[[Services, str], Any], type[AttacheError], str]

ABSENCE_REFUSALS: dict[str, Refusal] = {
    "substitute not a supervisor": (
        lambda s, r: set_away(s, SUPERVISOR, date(2023, 3, 1), date(2023, 3, 9), COORDINATOR,
                              actor=SUPERVISOR),
        InvalidData, "is a coordinator, not a supervisor"),
    "absent one not a supervisor": (
        lambda s, r: set_away(s, VIEWER, date(2023, 3, 1), date(2023, 3, 9), OTHER_SUPERVISOR,
                              actor=COORDINATOR),
        InvalidData, "is a viewer, not a supervisor"),
    "substitute is the supervisor": (
        lambda s, r: set_away(s, SUPERVISOR, date(2023, 3, 1), date(2023, 3, 9), SUPERVISOR,
                              actor=SUPERVISOR),
        InvalidData, "cannot stand in for themselves"),
    "until before from": (
        lambda s, r: set_away(s, SUPERVISOR, date(2023, 3, 9), date(2023, 3, 1),
                              OTHER_SUPERVISOR, actor=SUPERVISOR),
        InvalidData, "--until 2023-03-01 is before --from 2023-03-09"),
    "wholly past": (
        lambda s, r: set_away(s, SUPERVISOR, date(2022, 12, 1), date(2022, 12, 9),
                              OTHER_SUPERVISOR, actor=SUPERVISOR),
        InvalidData, "before today (2023-01-02"),
    "overlapping absence": (
        lambda s, r: set_away(s, SUPERVISOR, date(2023, 3, 5), date(2023, 3, 20), THIRD,
                              actor=SUPERVISOR),
        Conflict, "is already away from 2023-03-01 to 2023-03-09"),
    "substitute away themselves": (
        lambda s, r: set_away(s, THIRD, date(2023, 3, 8), date(2023, 3, 12), SUPERVISOR,
                              actor=COORDINATOR),
        Conflict, "super@asean.example is away themselves"),
    "supervisor covers for another": (
        lambda s, r: set_away(s, OTHER_SUPERVISOR, date(2023, 3, 2), date(2023, 3, 3), THIRD,
                              actor=OTHER_SUPERVISOR),
        Conflict, "covers for super@asean.example"),
    "another supervisor records it": (
        lambda s, r: set_away(s, SUPERVISOR, date(2023, 4, 1), date(2023, 4, 9), THIRD,
                              actor=OTHER_SUPERVISOR),
        PermissionDenied, "recording another supervisor's absence needs a coordinator"),
    "unknown substitute": (
        lambda s, r: set_away(s, SUPERVISOR, date(2023, 4, 1), date(2023, 4, 9),
                              "nobody@asean.example", actor=SUPERVISOR),
        NotFound, "no user with e-mail 'nobody@asean.example'"),
    "cancel someone else's": (
        lambda s, r: cancel_away(s, absences(s)[0].id, actor=THIRD),
        PermissionDenied, "cancelling another supervisor's absence"),
    "cancel unknown": (
        lambda s, r: cancel_away(s, 999, actor=COORDINATOR), NotFound, "no absence #999"),
    "reassign not a supervisor": (
        lambda s, r: reassign_signoff(s, r, MIDTERM, VIEWER, reason="x", actor=COORDINATOR),
        InvalidData, "is a viewer, not a supervisor"),
    "reassign to the one who has it": (
        lambda s, r: reassign_signoff(s, r, MIDTERM, SUPERVISOR, reason="x", actor=COORDINATOR),
        InvalidData, "is already super@asean.example's to sign"),
    "reassign without a reason": (
        lambda s, r: reassign_signoff(s, r, MIDTERM, THIRD, reason="  ", actor=COORDINATOR),
        InvalidData, "needs a reason"),
    "reassign by a supervisor": (
        lambda s, r: reassign_signoff(s, r, MIDTERM, THIRD, reason="x", actor=SUPERVISOR),
        PermissionDenied, "reassigning a sign-off needs a coordinator"),
    "reassign an unknown sign-off": (
        lambda s, r: reassign_signoff(s, r, "placement.nope", THIRD, reason="x",
                                      actor=COORDINATOR),
        InvalidData, "no sign-off 'placement.nope'"),
}


@pytest.mark.parametrize("case", list(ABSENCE_REFUSALS))
def test_each_bad_input_is_refused_with_its_message_and_changes_nothing(
    services: Services, ref: str, case: str
) -> None:
    set_away(services, SUPERVISOR, date(2023, 3, 1), date(2023, 3, 9), OTHER_SUPERVISOR,
             actor=SUPERVISOR)
    action, error, says = ABSENCE_REFUSALS[case]
    before = dump(services)
    with pytest.raises(error) as refused:
        action(services, ref)
    assert says in refused.value.message
    assert dump(services) == before


def test_an_approved_sign_off_cannot_be_reassigned(services: Services, ref: str) -> None:
    act.sign_off(services, ref, MIDTERM, actor=SUPERVISOR, approve=True)
    before = dump(services)
    with pytest.raises(TransitionNotAllowed) as refused:
        reassign_signoff(services, ref, MIDTERM, THIRD, reason="x", actor=COORDINATOR)
    assert "was already approved by Maria Santos" in refused.value.message
    assert dump(services) == before


def test_reassigning_needs_a_placed_officer_in_the_stage(services: Services) -> None:
    seed_programme(services)
    setup.add_user(services, name="Third Supervisor", email=THIRD, role="supervisor")
    [officer] = nominate(services)
    before = dump(services)
    with pytest.raises(TransitionNotAllowed) as refused:
        reassign_signoff(services, officer, MIDTERM, THIRD, reason="x", actor=COORDINATOR)
    assert "is not placed" in refused.value.message
    assert dump(services) == before
