"""Graduation certificates: issued on graduation, verified by a public code."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lifecycle.persistence.tables import Officer


def issue(session: Session, officer: Officer, now: datetime) -> None:
    """Issue ``officer``'s certificate (idempotent). Being built: see issue 6."""
