"""Alumni follow-up: career records, testimonials and the follow-up survey rounds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lifecycle.persistence.tables import Officer


def open_survey_rounds(session: Session, officer: Officer, now: datetime) -> None:
    """Open ``officer``'s follow-up survey rounds (idempotent). Being built: issue 6."""
