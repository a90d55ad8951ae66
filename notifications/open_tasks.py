"""What is still to be done for one officer in their current stage, and by when.

One list for every reader: the coordinators' digest keeps the tasks past their date, the
officer page shows all of them as "Due next" (for the officer on their own page: their
to-do list). A task is a sign-off of the current stage not yet approved, or a checklist
open in the current stage with an item not yet ticked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy.orm import Session

from lifecycle.definition import WorkflowDefinition
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import Officer
from lifecycle.services import Services
from notifications.planner import calendar_of, plan_facts
from notifications.rules import deadline_of
from notifications.workdays import WorkingCalendar


@dataclass(frozen=True)
class OpenTask:
    kind: Literal["signoff", "checklist"]
    name: str  # the sign-off's or checklist's machine name
    label: str
    due: date | None  # None: the definition sets no date for it
    responsible: str  # who must act: the supervisor's name, or the officer's
    responsible_role: Literal["supervisor", "officer", "coordinator"]
    missing: tuple[str, ...] = ()  # a checklist's items not yet ticked (labels)


def open_tasks(
    session: Session, officer: Officer, definition: WorkflowDefinition, calendar: WorkingCalendar
) -> list[OpenTask]:
    """The officer's open tasks, soonest due first (undated ones last)."""
    if officer.state in definition.final_states:
        return []
    facts = plan_facts(session, officer)
    placement = repo.open_placement(session, officer)
    tasks: list[OpenTask] = []
    for signoff in definition.signoffs:
        given = facts.lifecycle.signoffs.get(signoff.name)
        if officer.state != signoff.stage or (given is not None and given.decision == "approved"):
            continue
        tasks.append(OpenTask(
            "signoff", signoff.name, signoff.label,
            deadline_of(signoff.name, signoff.due, definition, facts, calendar),
            placement.supervisor.name if placement else "supervisor", "supervisor",
        ))
    for checklist in definition.checklists:
        missing = tuple(i.label for i in checklist.items if i.key not in facts.lifecycle.ticked)
        if officer.state not in checklist.open_in or not missing:
            continue
        by_officer = "officer" in checklist.roles
        tasks.append(OpenTask(
            "checklist", checklist.name, checklist.label,
            deadline_of(checklist.name, checklist.due, definition, facts, calendar),
            officer.name if by_officer else "coordinator",
            "officer" if by_officer else "coordinator",
            missing,
        ))
    return sorted(tasks, key=lambda t: (t.due is None, t.due or date.min, t.label))


def officer_tasks(services: Services, officer_ref: str) -> list[OpenTask]:
    """``open_tasks`` for one officer, counted on the reminders' own working calendar."""
    calendar = calendar_of(services)
    with services.db.reading() as session:
        officer = repo.officer_by_ref(session, officer_ref)
        definition = services.workflows.get(officer.definition).definition
        return open_tasks(session, officer, definition, calendar)
