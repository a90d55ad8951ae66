"""Keeps each officer's reminder rows in step with the officer, in the same transaction.

Registered as a ``lifecycle`` change listener: whenever a service changes an officer's
state, placement, checklist or sign-offs, the rules are re-planned and the outbox
synced before the commit, so a reminder whose reason is gone is cancelled atomically
with the change that removed it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecycle.definition import WorkflowDefinition
from lifecycle.persistence import outbox
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import Officer, User
from lifecycle.registry import WorkflowRegistry
from lifecycle.roles import SECRETARIAT_TIMEZONE, Role
from lifecycle.services.facts import load_facts
from notifications.delivery_window import next_send_time
from notifications.rules import (
    Occurrence,
    PlanFacts,
    ReminderRule,
    load_rules,
    needs_answered_surveys,
    plan,
)
from notifications.workdays import WorkingCalendar

JAKARTA = ZoneInfo(SECRETARIAT_TIMEZONE)
# A reminder is "due" at the start of the recipient's working day on its due date.
DUE_TIME = time(9, 0)


class ReminderPlanner:
    def __init__(self, workflows: WorkflowRegistry, calendar: WorkingCalendar | None = None):
        self.workflows = workflows
        self.calendar = calendar or WorkingCalendar()
        self._rules: dict[tuple[str, int], tuple[ReminderRule, ...]] = {}

    def rules_for(self, definition: WorkflowDefinition) -> tuple[ReminderRule, ...]:
        rules = self._rules.get(definition.key)
        if rules is None:
            rules = self._rules[definition.key] = load_rules(definition)
        return rules

    def officer_changed(self, session: Session, officer: Officer, now: datetime) -> None:
        wanted = list(self.wanted(session, officer))
        outbox.sync_officer(session, officer.id, wanted, now)

    def occurrences(self, session: Session, officer: Officer) -> list[Occurrence]:
        definition = self.workflows.get(officer.definition).definition
        rules = self.rules_for(definition)
        facts = plan_facts(session, officer, rules)
        return plan(definition, rules, facts, self.calendar)

    def wanted(self, session: Session, officer: Officer) -> Iterator[outbox.WantedReminder]:
        occurrences = self.occurrences(session, officer)
        if not occurrences:
            return
        recipients = _recipients(session, officer)
        for occ in occurrences:
            for role in occ.to:
                for name, email, zone in recipients.get(role, []):
                    due_at = _local_instant(occ.due, zone)
                    send_at = next_send_time(due_at, ZoneInfo(zone))
                    yield outbox.WantedReminder(
                        key=f"{officer.ref}/{occ.rule}/{occ.occurrence}/{email}",
                        rule=occ.rule,
                        occurrence=occ.occurrence,
                        kind=occ.kind,
                        template=occ.template,
                        about=occ.about,
                        recipient_role=role,
                        recipient_email=email,
                        recipient_name=name,
                        recipient_timezone=zone,
                        due_at=due_at,
                        send_at=send_at,
                        expires_at=send_at + timedelta(days=occ.expires_after_days),
                    )


def plan_facts(
    session: Session, officer: Officer, rules: tuple[ReminderRule, ...] = ()
) -> PlanFacts:
    """The officer's facts as the rules see them. The answered survey rounds are read
    only when one of ``rules`` (those about to be planned) looks at them in the
    officer's state, so an advance anywhere else pays no query for them."""
    batch = officer.batch
    dates = {"start": batch.start_date, "end": batch.end_date}
    dates |= {name: date.fromisoformat(day) for name, day in (batch.milestones or {}).items()}
    entered: dict[str, date] = {}
    left: dict[str, date] = {}
    events = repo.audit_events(session, officer)
    if not events:  # still in the initial state: it was entered at nomination
        entered[officer.state] = _jakarta_date(officer.state_since)
    for event in events:  # in order, so the latest entry and exit win
        entered[event.to_state] = _jakarta_date(event.occurred_at)
        left[event.from_state] = _jakarta_date(event.occurred_at)
    answered = (
        repo.answered_survey_rounds(session, officer)
        if needs_answered_surveys(rules, officer.state)
        else frozenset()
    )
    return PlanFacts(load_facts(session, officer), dates, entered, left, answered)


def _recipients(session: Session, officer: Officer) -> dict[str, list[tuple[str, str, str]]]:
    recipients = {"officer": [(officer.name, officer.email, officer.timezone)]}
    placement = repo.open_placement(session, officer)
    if placement is not None:
        s = placement.supervisor
        recipients["supervisor"] = [(s.name, s.email, s.timezone)]
    coordinators = session.scalars(
        select(User).where(User.role == Role.COORDINATOR).order_by(User.id)
    )
    recipients["coordinator"] = [(u.name, u.email, u.timezone) for u in coordinators]
    return recipients


def _jakarta_date(instant: datetime) -> date:
    return instant.astimezone(JAKARTA).date()


def _local_instant(day: date, zone: str) -> datetime:
    return datetime.combine(day, DUE_TIME, tzinfo=ZoneInfo(zone)).astimezone(UTC)
