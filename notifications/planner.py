"""Keeps each officer's reminder rows in step with the officer, in the same transaction.

Registered as a ``lifecycle`` change listener: whenever a service changes an officer's
state, placement, checklist or sign-offs, the rules are re-planned and the outbox
synced before the commit, so a reminder whose reason is gone is cancelled atomically
with the change that removed it.

The facts come from ``lifecycle.services.facts``, which reads them once per
transaction (the guards of an advance have just read them); planning many officers
(``replan_many``) reads everyone's facts and reminder rows in a few set-based queries.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from lifecycle.attention import Attention, attention_of
from lifecycle.persistence import attention_rows
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import Officer
from lifecycle.registry import WorkflowRegistry
from lifecycle.roles import SECRETARIAT_TIMEZONE
from lifecycle.services import facts as officer_facts
from lifecycle.services.context import Services
from notifications.delivery_window import next_send_time
from notifications.workdays import WorkingCalendar

if TYPE_CHECKING:
    from lifecycle.definition import WorkflowDefinition
    from lifecycle.persistence import outbox
    from notifications.rules import Occurrence, PlanFacts, ReminderRule

# The rules (pydantic models) and the outbox are imported when the planner first plans:
# every command registers it (notifications.wiring), and a read never changes an officer
# (bench figure 6b).

JAKARTA = ZoneInfo(SECRETARIAT_TIMEZONE)
# A reminder is "due" at the start of the recipient's working day on its due date.
DUE_TIME = time(9, 0)


class ReminderPlanner:
    def __init__(self, workflows: WorkflowRegistry, calendar: WorkingCalendar | None = None):
        self.workflows = workflows
        self._calendar = calendar
        self._rules: dict[tuple[str, int], tuple[ReminderRule, ...]] = {}

    @cached_property
    def calendar(self) -> WorkingCalendar:
        # The default calendar is built when a plan first needs it: building one loads
        # the holidays package, which a command that changes no officer never needs.
        return self._calendar or WorkingCalendar()

    def rules_for(self, definition: WorkflowDefinition) -> tuple[ReminderRule, ...]:
        rules = self._rules.get(definition.key)
        if rules is None:
            from notifications.rules import load_rules

            rules = self._rules[definition.key] = load_rules(definition)
        return rules

    def officer_changed(self, session: Session, officer: Officer, now: datetime) -> None:
        self.replan_many(session, (officer,), now)

    def officers_changed(
        self, session: Session, officers: Sequence[Officer], now: datetime
    ) -> None:
        self.replan_many(session, officers, now)

    def replan_many(self, session: Session, officers: Sequence[Officer], now: datetime) -> None:
        """Re-plan every officer's reminders and sync their rows: the same rows as one
        ``officer_changed`` each, from a handful of queries for all of them."""
        # What each officer waits on is written with its reminders: the deadlines are
        # the plan's, so the officers lists can find who is late by an index.
        waits: dict[int, Attention] = {}
        stored: dict[int, Attention] = {}
        from lifecycle.persistence import outbox

        wanted = self.wanted_many(session, officers, waits, stored)
        outbox.sync_officers(session, wanted, now)
        attention_rows.save(session, waits, stored)

    def wanted_many(
        self,
        session: Session,
        officers: Sequence[Officer],
        waits: dict[int, Attention] | None = None,
        stored: dict[int, Attention] | None = None,
    ) -> dict[int, list[outbox.WantedReminder]]:
        """The reminders each officer's rules call for now, by officer id; and what each
        waits on, into ``waits``, and what was stored of it, into ``stored``."""
        from notifications.rules import needs_answered_surveys, plan

        rows = officer_facts.officers_rows(session, officers)
        plans = []
        surveyed = []
        for officer in officers:
            definition = self.workflows.get(officer.definition).definition
            rules = self.rules_for(definition)
            plans.append((officer, definition, rules))
            if needs_answered_surveys(rules, officer.state):
                surveyed.append(officer.id)
        answered = repo.answered_survey_rounds_of(session, surveyed) if surveyed else {}
        wanted: dict[int, list[outbox.WantedReminder]] = {}
        instants = _Instants()
        # A batch's officers mostly stand in the same facts (they move together), and
        # equal facts under one definition make the same plan: it is made once.
        planned: dict[tuple[int, Hashable], list[Occurrence]] = {}
        for officer, definition, rules in plans:
            own = rows[officer.id]
            facts = _plan_facts(officer, own, answered.get(officer.id, frozenset()))
            key = (officer.definition_id, facts.signature())
            occurrences = planned.get(key)
            if occurrences is None:
                occurrences = planned[key] = plan(definition, rules, facts, self.calendar)
            wanted[officer.id] = self._wanted(session, officer, own, occurrences, instants)
            if waits is not None:
                waits[officer.id] = _waits_on(definition, officer, own, wanted[officer.id])
            if stored is not None:
                stored[officer.id] = own.waits
        return wanted

    def _wanted(
        self,
        session: Session,
        officer: Officer,
        rows: repo.OfficerRows,
        occurrences: list[Occurrence],
        instants: _Instants,
    ) -> list[outbox.WantedReminder]:
        from lifecycle.persistence import outbox

        ref = officer.ref
        recipients: dict[str, list[repo.Contact]] = {
            "officer": [repo.Contact(officer.name, officer.email, officer.timezone)],
        }
        delegated = bool(rows.covers or rows.assigned)
        wanted = []
        for occ in occurrences:
            prefix = f"{ref}/{occ.rule}/{occ.occurrence}/"
            for role in occ.to:
                if role == "supervisor":
                    # Whoever is asked that day: a reassigned sign-off's assignee, or
                    # the substitute of an absence covering the day, else the supervisor.
                    contact = (
                        rows.signing_contact(occ.about, occ.due) if delegated
                        else rows.supervisor
                    )
                    people = [contact] if contact is not None else []
                else:
                    if role not in recipients:  # read only when a rule writes to them
                        recipients[role] = officer_facts.coordinators(session)
                    people = recipients[role]
                for name, email, zone in people:
                    due_at, send_at, expires_at = instants[occ.due, zone, occ.expires_after_days]
                    # In the fields' order (key, rule, occurrence, kind, template, about,
                    # recipient role, e-mail, name, zone, due, send, expiry): a batch's
                    # re-plan makes hundreds.
                    wanted.append(outbox.WantedReminder(
                        prefix + email, occ.rule, occ.occurrence, occ.kind, occ.template,
                        occ.about, role, email, name, zone, due_at, send_at, expires_at,
                    ))  # fmt: skip
        return wanted


def _waits_on(
    definition: WorkflowDefinition,
    officer: Officer,
    rows: repo.OfficerRows,
    wanted: list[outbox.WantedReminder],
) -> Attention:
    # A deadline is the last "due" reminder about the item (as the inbox reads it).
    deadline_of: dict[str, datetime] = {}
    for want in wanted:
        if want.kind == "reminder" and want.about is not None:
            known = deadline_of.get(want.about)
            if known is None or want.due_at > known:
                deadline_of[want.about] = want.due_at
    decisions = {name: row.decision for name, row in rows.signoffs.items()}
    return attention_of(definition, officer.state, rows.ticked, decisions, deadline_of)


class _Instants(dict[tuple[date, str, int], tuple[datetime, datetime, datetime]]):
    """When a reminder due on a day is due, sent and expires in a zone, by (day, zone,
    days to expiry): a batch's officers mostly share their due dates and zones, so each
    is worked out once, on its first look-up (a plain dict look-up after that)."""

    def __missing__(self, key: tuple[date, str, int]) -> tuple[datetime, datetime, datetime]:
        day, zone, expires_after_days = key
        due_at = _local_instant(day, zone)
        send_at = next_send_time(due_at, ZoneInfo(zone))
        found = self[key] = (due_at, send_at, send_at + timedelta(days=expires_after_days))
        return found


def plan_facts(
    session: Session, officer: Officer, rules: tuple[ReminderRule, ...] = ()
) -> PlanFacts:
    """The officer's facts as the rules see them. The answered survey rounds are read
    only when one of ``rules`` (those about to be planned) looks at them in the
    officer's state, so an advance anywhere else pays no query for them."""
    from notifications.rules import needs_answered_surveys

    answered = (
        repo.answered_survey_rounds(session, officer)
        if needs_answered_surveys(rules, officer.state)
        else frozenset()
    )
    return _plan_facts(officer, officer_facts.officer_rows(session, officer), answered)


def _plan_facts(officer: Officer, rows: repo.OfficerRows, answered: frozenset[int]) -> PlanFacts:
    from notifications.rules import PlanFacts

    batch = officer.batch
    dates = {"start": batch.start_date, "end": batch.end_date}
    dates |= {name: date.fromisoformat(day) for name, day in (batch.milestones or {}).items()}
    entered_at, left_at = officer_facts.entries_and_exits(rows.transitions)
    entered = {state: _jakarta_date(at) for state, at in entered_at.items()}
    left = {state: _jakarta_date(at) for state, at in left_at.items()}
    if officer.state not in entered:  # still in the initial state: entered at nomination
        entered[officer.state] = _jakarta_date(officer.state_since)
    lifecycle = officer_facts.facts_from(officer, rows)
    return PlanFacts(
        lifecycle, dates, entered, left, answered, dict(rows.deadlines), dict(rows.expiries)
    )


def _jakarta_date(instant: datetime) -> date:
    return instant.astimezone(JAKARTA).date()


def _local_instant(day: date, zone: str) -> datetime:
    return datetime.combine(day, DUE_TIME, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def calendar_of(services: Services) -> WorkingCalendar:
    """The working calendar the reminders are planned on (their planner's), so the dates
    a page or a use case shows are the dates the reminders count from."""
    planners = [x for x in services.listeners if isinstance(x, ReminderPlanner)]
    return planners[0].calendar if planners else WorkingCalendar()
