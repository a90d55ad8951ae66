"""The batch board: every officer as a card in its stage's column, with what to do next."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from lifecycle.definition import TriggerDef, WorkflowDefinition
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import Officer
from lifecycle.services.context import Services
from lifecycle.services.facts import latest_signoffs, load_facts, workflow_of
from lifecycle.services.inbox import deadline
from lifecycle.services.views import batch_summary
from lifecycle.services.workflows import compiled

JSONDict = dict[str, object]
DUE_SOON = timedelta(days=7)


def batch_board(services: Services, batch_ref: str) -> JSONDict:
    now = services.now()
    with services.db.reading() as session:
        batch = repo.batch_by_ref(session, batch_ref)
        officers = repo.officers(session, batch)
        columns: dict[str, list[JSONDict]] = {}
        definition = None
        for officer in officers:
            workflow = workflow_of(services, officer)
            definition = workflow.definition
            columns.setdefault(officer.state, []).append(_card(session, services, officer, now))
        if definition is None:  # an empty batch: its track's newest definition
            definition = compiled(services, batch.track.slug).definition
        order = [s.name for s in definition.states]
        labels = {s.name: s.label for s in definition.states}
        skipped = set(definition.optional_states) - set(batch.optional_stages)
        return {
            **batch_summary(session, batch),
            "columns": [
                {"state": name, "label": labels[name], "officers": columns.get(name, [])}
                for name in order
                if name not in skipped or columns.get(name)
            ],
        }


def _card(session: Session, services: Services, officer: Officer, now: datetime) -> JSONDict:
    workflow = workflow_of(services, officer)
    definition = workflow.definition
    options = workflow.options(load_facts(session, officer))
    latest = latest_signoffs(repo.signoffs(session, officer))
    overdue: list[str] = []
    due_soon: list[str] = []  # due within the coming week
    returned: list[str] = []
    for spec in definition.signoffs:
        approved = spec.name in latest and latest[spec.name].decision == "approved"
        if officer.state != spec.stage or approved:
            continue
        if spec.name in latest:
            returned.append(spec.label)
        due = deadline(session, officer.id, spec.name)
        if due is not None and due < now:
            overdue.append(spec.label)
        elif due is not None and due < now + DUE_SOON:
            due_soon.append(spec.label)
    return {
        "ref": officer.ref,
        "name": officer.name,
        "country": officer.country,
        "source": officer.source,  # console, sheet or ministry: where the nomination came from
        "version": officer.version,
        "actions": [
            {
                "trigger": t,
                "label": _trigger(definition, t).label,
                "reason_required": _trigger(definition, t).reason_required,
            }
            for t in options.allowed
        ],
        "blocked": options.blocked,
        "blocked_labels": {t: _trigger(definition, t).label for t in options.blocked},
        "overdue": overdue,
        "due_soon": due_soon,
        "returned": returned,
    }


def _trigger(definition: WorkflowDefinition, name: str) -> TriggerDef:
    spec = definition.trigger(name)
    assert spec is not None  # options() only names triggers of this definition
    return spec
