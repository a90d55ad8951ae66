"""A programme whose travel documents are uploaded files (tests/definitions/documents).

Junior Diplomats v2 (test-only) is published next to the shipped v1; batch JD18 uses
it, with the study visit on 2023-11-06. Needs the users and division of
``tests.support.seed_programme``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lifecycle.services import Services, setup
from lifecycle.services import officers as act
from tests.support import COORDINATOR, DIVISION, INDUCTION, SUPERVISOR
from workflows.loader import load_definitions

FOLDER = Path(__file__).parent / "definitions" / "documents"
STUDY_VISIT = date(2023, 11, 6)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64  # a PE header


def documents_batch(services: Services) -> None:
    setup.publish_definitions(services, load_definitions(FOLDER))
    setup.create_batch(
        services, track="junior-diplomats", number=18, start=date(2023, 2, 1),
        end=date(2024, 1, 31), quotas={"KH": 5}, milestones={"study_visit": STUDY_VISIT},
    )


def placed_officer(services: Services, email: str, *, supervisor: str = SUPERVISOR) -> str:
    """One JD18 officer in their divisional placement (travel documents open)."""
    ref = setup.nominate(
        services, batch="JD18", name="Hoang Quoc Trung", country="KH",
        ministry="Ministry of Foreign Affairs", email=email, actor=COORDINATOR,
    ).ref
    act.advance(services, ref, "accept", actor=COORDINATOR)
    act.advance(services, ref, "start_induction", actor=COORDINATOR)
    for item in INDUCTION:
        act.tick(services, ref, item, actor=COORDINATOR)
    act.place(services, ref, division=DIVISION, supervisor=supervisor, actor=COORDINATOR)
    act.advance(services, ref, "start_placement", actor=COORDINATOR)
    return ref
