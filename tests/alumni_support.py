"""Helpers the alumni tests share: an officer walked to graduation through the services."""

from __future__ import annotations

from lifecycle.services import Services
from lifecycle.services import officers as act
from tests.support import COORDINATOR, SUPERVISOR, TRAVEL, nominate, seed_programme, to_placement


def graduate_placed(services: Services, ref: str, supervisor: str = SUPERVISOR) -> None:
    """Walk an officer in their placement (with ``supervisor``) on to graduation."""
    for signoff in ("placement.midterm", "placement.final"):
        act.sign_off(services, ref, signoff, actor=supervisor, approve=True)
    for item in TRAVEL:
        act.tick(services, ref, item, actor=COORDINATOR)
    act.advance(services, ref, "start_study_visit", actor=COORDINATOR)
    act.tick(services, ref, "visit_report", actor=COORDINATOR)
    act.advance(services, ref, "graduate", actor=COORDINATOR)


def graduated(services: Services, n: int = 1) -> list[str]:
    """The programme seeded and ``n`` officers nominated, placed and graduated, in order."""
    seed_programme(services)
    refs = nominate(services, n)
    for ref in refs:
        to_placement(services, ref)
        graduate_placed(services, ref)
    return refs
