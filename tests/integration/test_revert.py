"""Undoing a wrong click: the last transition taken back, with every refusal named."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from lifecycle.clock import FakeClock
from lifecycle.errors import InvalidData, PermissionDenied, TransitionNotAllowed
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import Reminder
from lifecycle.services import Services
from lifecycle.services import officers as act
from lifecycle.services.revert import revert
from tests.conftest import BACKENDS, seeded_or_fresh
from tests.support import (
    COORDINATOR,
    DIVISION,
    SUPERVISOR,
    dump,
    nominate,
    seed_programme,
    to_placement,
)


def pending(services: Services, ref: str) -> set[str]:
    with services.db.reading() as session:
        officer = repo.officer_by_ref(session, ref)
        return set(session.scalars(select(Reminder.rule).where(
            Reminder.officer_id == officer.id, Reminder.status == "pending")))


def history(services: Services, ref: str) -> list[tuple[str, str, str]]:
    with services.db.reading() as session:
        officer = repo.officer_by_ref(session, ref)
        return [(e.trigger, e.from_state, e.to_state) for e in repo.audit_events(session, officer)]


NOMINATED = "JD17-01"


def seed_nominated(services: Services) -> None:
    seed_programme(services)
    assert [NOMINATED] == nominate(services)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Overrides tests.conftest's: ``ref``'s world is copied, seeded once per session."""
    yield from seeded_or_fresh(request, tmp_path, {"ref": seed_nominated})


@pytest.fixture
def ref(services: Services) -> str:
    """The programme and one officer nominated to JD17."""
    return NOMINATED


def test_a_wrong_accept_is_taken_back_and_its_reminders_with_it(
    services: Services, ref: str
) -> None:
    before = pending(services, ref)
    act.advance(services, ref, "accept", actor=COORDINATOR)
    assert "induction_welcome" in pending(services, ref)
    outcome = revert(services, ref, reason="Accepted the wrong officer", actor=COORDINATOR)
    assert outcome.state == "nominated"
    assert "reverted 'accept'; back to nominated" in outcome.message
    assert history(services, ref) == [
        ("accept", "nominated", "accepted"), ("revert", "accepted", "nominated")
    ]
    assert pending(services, ref) == before
    with services.db.reading() as session:
        reason = repo.audit_events(session, repo.officer_by_ref(session, ref))[-1].reason
    assert reason is not None and reason.endswith(": Accepted the wrong officer")


def test_a_withdrawal_reverted_reopens_the_placement(services: Services, ref: str) -> None:
    to_placement(services, ref)
    act.advance(services, ref, "withdraw", actor=COORDINATOR, reason="Recalled")
    with services.db.reading() as session:
        assert repo.open_placement(session, repo.officer_by_ref(session, ref)) is None
    revert(services, ref, reason="Withdrew the wrong officer", actor=COORDINATOR)
    with services.db.reading() as session:
        officer = repo.officer_by_ref(session, ref)
        placement = repo.open_placement(session, officer)
        assert (officer.state, placement is not None) == ("placement", True)
        assert placement is not None and placement.supervisor.email == SUPERVISOR


@pytest.mark.parametrize(
    ("setup_steps", "error", "says"),
    [
        ("none", TransitionNotAllowed, "nothing to revert"),
        ("twice", TransitionNotAllowed, "was itself a revert"),
        ("late", TransitionNotAllowed, "older than 7 days"),
        ("signed", TransitionNotAllowed, "placement.midterm was approved by"),
        ("placed", TransitionNotAllowed, r"a placement \(initial, "),
        ("no-reason", InvalidData, "needs a reason"),
        ("supervisor", PermissionDenied, "needs a coordinator"),
    ],
)
def test_a_refused_revert_names_why_and_changes_nothing(
    services: Services, clock: FakeClock, ref: str, setup_steps: str, error: type, says: str
) -> None:
    reason, actor = "Wrong click", COORDINATOR
    if setup_steps == "twice":
        act.advance(services, ref, "accept", actor=COORDINATOR)
        revert(services, ref, reason="Wrong click", actor=COORDINATOR)
    elif setup_steps == "late":
        act.advance(services, ref, "accept", actor=COORDINATOR)
        clock.advance(timedelta(days=7, minutes=1))
    elif setup_steps == "signed":
        to_placement(services, ref)
        clock.advance(timedelta(days=1))
        act.sign_off(services, ref, "placement.midterm", actor=SUPERVISOR, approve=True)
    elif setup_steps == "placed":
        act.advance(services, ref, "accept", actor=COORDINATOR)
        act.advance(services, ref, "start_induction", actor=COORDINATOR)
        clock.advance(timedelta(hours=1))
        act.place(services, ref, division=DIVISION, supervisor=SUPERVISOR, actor=COORDINATOR)
    elif setup_steps in ("no-reason", "supervisor"):
        act.advance(services, ref, "accept", actor=COORDINATOR)
        reason = " " if setup_steps == "no-reason" else reason
        actor = SUPERVISOR if setup_steps == "supervisor" else actor
    before = dump(services)
    with pytest.raises(error, match=says):
        revert(services, ref, reason=reason, actor=actor)
    assert dump(services) == before
