"""What graduating sets in motion, in the same transaction as the transition itself:
the certificate is issued and the alumni follow-up survey rounds are opened, so an
officer is never graduated without them (or given them without graduating)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lifecycle.persistence.tables import Officer
from lifecycle.services import alumni, certificates
from lifecycle.services.context import Services
from lifecycle.services.facts import workflow_of


def on_graduated(services: Services, session: Session, officer: Officer) -> None:
    certificates.issue(session, officer, services.now())
    definition = workflow_of(services, officer).definition
    alumni.open_survey_rounds(session, officer, definition, services.now())
