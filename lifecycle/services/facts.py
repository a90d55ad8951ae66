"""Loads what the guards look at for one officer."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lifecycle.engine import CompiledWorkflow
from lifecycle.guards import OfficerFacts, SignoffFact
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import Officer, Signoff
from lifecycle.services.context import Services


def workflow_of(services: Services, officer: Officer) -> CompiledWorkflow:
    return services.workflows.get(officer.definition)


def latest_signoffs(rows: list[Signoff]) -> dict[str, Signoff]:
    latest: dict[str, Signoff] = {}
    for row in rows:  # ordered by id, so the last decision wins
        latest[row.name] = row
    return latest


def load_facts(session: Session, officer: Officer) -> OfficerFacts:
    signoffs = latest_signoffs(repo.signoffs(session, officer))
    return OfficerFacts(
        state=officer.state,
        ticked=frozenset(t.item_key for t in repo.ticks(session, officer)),
        signoffs={
            name: SignoffFact(row.decision, row.signer.name, row.comment)
            for name, row in signoffs.items()
        },
        has_placement=repo.open_placement(session, officer) is not None,
        enabled_optional=frozenset(officer.batch.optional_stages),
    )
