"""A document that runs out too early blocks the trigger needing its checklist, and
says so; judged when the trigger is tried, so a study visit moved later after the
passport was accepted blocks it again. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from lifecycle.errors import GuardFailed
from lifecycle.services import documents, setup
from lifecycle.services import officers as act
from tests.support import COORDINATOR
from tests.web.conftest import World, unchanged
from tests.web.test_documents import PDF, holder, png  # noqa: F401 - holder: a fixture

TRAVEL = ("visa", "itinerary")


def _travel_documents(world: World, ref: str, passport_expires: date) -> None:
    documents.upload(world.services, ref, "passport", png(), filename="passport.png",
                     actor=COORDINATOR, expires_on=passport_expires)
    for item in TRAVEL:
        documents.upload(world.services, ref, item, PDF, filename=f"{item}.pdf",
                         actor=COORDINATOR)


def _refusal(world: World, ref: str) -> list[str]:
    with unchanged(world.services), pytest.raises(GuardFailed) as refused:
        act.advance(world.services, ref, "start_study_visit", actor=COORDINATOR)
    return refused.value.missing


def test_a_passport_expiring_too_early_blocks_the_study_visit_saying_why(
    world: World, holder: str  # noqa: F811
) -> None:
    """Valid until 2024-03-01 while the visit on 2023-11-06 needs 2024-05-04: the guard
    names both dates instead of a bare 'not ticked'."""
    _travel_documents(world, holder, date(2024, 3, 1))
    missing = _refusal(world, holder)
    assert ("passport expires 2024-03-01; it must be valid until 2024-05-04 (180 days "
            "after the study visit)") in missing
    assert not [m for m in missing if "'passport'" in m and "not ticked" in m]


def test_moving_the_study_visit_later_blocks_a_passport_accepted_before(
    world: World, holder: str  # noqa: F811
) -> None:
    """Accepted (and ticked) for a visit on 2023-11-06; the visit moves to 2023-12-20,
    so 2024-06-01 is no longer six months past it."""
    _travel_documents(world, holder, date(2024, 6, 1))
    assert not [m for m in _refusal(world, holder) if "passport" in m]
    setup.set_milestone(world.services, "JD17", "study_visit", date(2023, 12, 20),
                        actor=COORDINATOR)
    assert ("passport expires 2024-06-01; it must be valid until 2024-06-17 (180 days "
            "after the study visit)") in _refusal(world, holder)
