"""Glue shared by pages and API: visibility of officers, diagrams, outcomes as JSON."""

from __future__ import annotations

from typing import Any

from lifecycle.persistence import repository as repo
from lifecycle.services import Services
from lifecycle.services.access import visible_officer
from lifecycle.services.accounts import Visitor
from lifecycle.services.facts import workflow_of
from lifecycle.services.officers import Outcome


def visible(services: Services, who: Visitor, ref: str) -> str:
    """The officer's reference if ``who`` may see them (raises 404/403 otherwise)."""
    with services.db.reading() as session:
        return visible_officer(
            session, who.role, who.id, who.email, ref, services.today()
        ).ref


def officer_diagram(services: Services, ref: str) -> str:
    with services.db.reading() as session:
        officer = repo.officer_by_ref(session, ref)
        workflow = workflow_of(services, officer)
        return workflow.mermaid(current=officer.state)


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    return {
        "ref": outcome.ref,
        "message": outcome.message,
        "state": outcome.state,
        "version": outcome.version,
    }
