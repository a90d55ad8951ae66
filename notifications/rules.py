"""Reminder rules (data in the workflow definitions) and which reminders are due: pure.

``plan`` turns one officer's facts into every reminder occurrence its rules call for;
the planner stores them as rows. Nothing here touches the database or the clock, so a
whole programme year can be planned, previewed and tested in memory.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Literal, NamedTuple

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lifecycle.definition import (
    GUARD_KINDS,
    Anchor,
    DueDef,
    GuardDef,
    WorkflowDefinition,
    anchor_problems,
)
from lifecycle.errors import ConfigurationError
from lifecycle.guards import OfficerFacts, unmet
from notifications.workdays import WorkingCalendar

Unit = Literal["days", "working_days", "months"]
RecipientRole = Literal["officer", "supervisor", "coordinator"]

# An alumnus who has not answered a survey round two weeks after its invitation is
# asked once more: long enough for a busy diplomat to get to it, and well inside the
# 30 days the invitation stays valid, so the chaser still arrives while the link works.
SURVEY_CHASE_DAYS = 14


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Repeat(_Strict):
    every: int = Field(ge=1)
    times: int | None = Field(default=None, ge=1)
    until: Anchor | None = None


class Escalation(_Strict):
    after: int = Field(ge=0)
    to: tuple[RecipientRole, ...] = Field(min_length=1)
    template: str


class ReminderRule(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    template: str
    kind: Literal["reminder", "overdue", "followup"] = "reminder"
    about: str | None = None
    to: tuple[RecipientRole, ...] = Field(min_length=1)
    anchor: Anchor
    offsets: tuple[int, ...] = Field(min_length=1)
    unit: Unit = "days"
    repeat: Repeat | None = None
    escalate: Escalation | None = None
    while_in: tuple[str, ...] = Field(min_length=1)
    done_when: GuardDef | None = None
    expires_after_days: int = Field(default=7, ge=1)

    @field_validator("done_when", mode="before")
    @classmethod
    def _guard_shorthand(cls, value: object) -> object:
        if isinstance(value, dict) and len(value) == 1 and "kind" not in value:
            ((kind, arg),) = value.items()
            return {"kind": kind, "arg": arg}
        return {"kind": value} if isinstance(value, str) else value


class Occurrence(NamedTuple):
    """One reminder to send on ``due`` to everyone in ``to``. (A named tuple: planning a
    batch makes hundreds, built in a third of a frozen dataclass's time.)"""

    rule: str
    occurrence: int
    kind: str
    template: str
    to: tuple[str, ...]
    due: date
    expires_after_days: int
    about: str | None
    anchor_date: date


@dataclass(frozen=True)
class PlanFacts:
    """What the rules look at: the lifecycle facts plus the officer's dates."""

    lifecycle: OfficerFacts
    batch_dates: Mapping[str, date]  # start, end and milestones such as study_visit
    entered: Mapping[str, date] = field(default_factory=dict)  # latest entry per state
    left: Mapping[str, date] = field(default_factory=dict)
    answered_surveys: frozenset[int] = frozenset()  # survey rounds answered, in months
    # The officer's own agreed due dates (extensions), by sign-off or checklist name.
    deadlines: Mapping[str, date] = field(default_factory=dict)
    # The expiry dates of the officer's current documents, by checklist item.
    document_expiries: Mapping[str, date] = field(default_factory=dict)

    def signature(self) -> Hashable:
        """Every fact above, hashable: two officers with equal signatures under one
        definition get the same plan (a test checks that each field counts)."""
        lifecycle = self.lifecycle
        return (
            lifecycle.state,
            lifecycle.ticked,
            frozenset(lifecycle.signoffs.items()),
            lifecycle.has_placement,
            lifecycle.enabled_optional,
            frozenset(self.batch_dates.items()),
            frozenset(self.entered.items()),
            frozenset(self.left.items()),
            self.answered_surveys,
            frozenset(self.deadlines.items()),
            frozenset(self.document_expiries.items()),
        )


def load_rules(definition: WorkflowDefinition, source: str = "") -> tuple[ReminderRule, ...]:
    """Validate a definition's ``reminders`` section against the definition itself."""
    where = source or f"{definition.track} v{definition.version}"
    rules: list[ReminderRule] = []
    problems: list[str] = []
    for i, raw in enumerate(definition.reminders):
        try:
            rule = ReminderRule.model_validate(raw)
        except ValidationError as exc:
            problems += [
                f"reminders[{i}].{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
                for err in exc.errors()
            ]
            continue
        problems += list(_rule_problems(definition, rule, f"reminders[{i}]"))
        rules.append(rule)
    names = [r.name for r in rules]
    problems += [f"reminders: {n!r} is defined twice" for n in set(names) if names.count(n) > 1]
    if problems:
        raise ConfigurationError(f"{where}: " + "; ".join(problems))
    return tuple(rules)


def _rule_problems(d: WorkflowDefinition, rule: ReminderRule, where: str) -> Iterator[str]:
    yield from anchor_problems(d, rule.anchor, f"{where}.anchor")
    if rule.repeat and rule.repeat.until:
        yield from anchor_problems(d, rule.repeat.until, f"{where}.repeat.until")
    if rule.repeat and not (rule.repeat.times or rule.repeat.until):
        yield f"{where}.repeat: needs `times` or `until`, or it would never stop"
    for state in rule.while_in:
        if state not in d.state_names:
            yield f"{where}.while_in: unknown state {state!r}"
    guard = rule.done_when
    if guard is not None and (
        guard.kind not in GUARD_KINDS
        or (guard.kind == "checklist_complete" and d.checklist(guard.arg or "") is None)
        or (guard.kind == "signoff_approved" and d.signoff(guard.arg or "") is None)
    ):
        yield f"{where}.done_when: {guard.label!r} is not a guard of this definition"


def plan(
    definition: WorkflowDefinition,
    rules: tuple[ReminderRule, ...],
    facts: PlanFacts,
    calendar: WorkingCalendar,
) -> list[Occurrence]:
    """Every occurrence the rules call for now; none once the reason is gone."""
    occurrences: list[Occurrence] = []
    for rule in rules:
        if facts.lifecycle.state not in rule.while_in:
            continue
        if rule.done_when and not unmet(rule.done_when, facts.lifecycle, definition):
            continue
        anchor = resolve(rule.anchor, definition, facts, calendar)
        if anchor is None:
            continue
        dates = [shift(anchor, offset, rule.unit, calendar) for offset in rule.offsets]
        dates += _repeats(rule, dates[-1], definition, facts, calendar)
        if is_survey_rule(rule):
            occurrences += _survey_rounds(rule, dates, anchor, facts, calendar)
        else:
            occurrences += [
                Occurrence(
                    rule.name,
                    n,
                    rule.kind,
                    rule.template,
                    rule.to,
                    due,
                    rule.expires_after_days,
                    rule.about,
                    anchor,
                )
                for n, due in enumerate(dates, start=1)
            ]
        if rule.escalate:
            due = shift(anchor, rule.escalate.after, rule.unit, calendar)
            occurrences.append(
                Occurrence(
                    f"{rule.name}.escalation",
                    1,
                    "escalation",
                    rule.escalate.template,
                    rule.escalate.to,
                    due,
                    rule.expires_after_days,
                    rule.about,
                    anchor,
                )
            )
    return occurrences


def is_survey_rule(rule: ReminderRule) -> bool:
    """A follow-up counted in months with no ``about`` invites to the survey rounds."""
    return rule.kind == "followup" and rule.unit == "months" and rule.about is None


def needs_answered_surveys(rules: tuple[ReminderRule, ...], state: str) -> bool:
    """Whether planning ``rules`` in ``state`` looks at the answered survey rounds."""
    return any(is_survey_rule(rule) and state in rule.while_in for rule in rules)


def _survey_rounds(
    rule: ReminderRule,
    dates: list[date],
    anchor: date,
    facts: PlanFacts,
    calendar: WorkingCalendar,
) -> Iterator[Occurrence]:
    """One invitation per round (about ``alumni_survey.<months>m``) and one chaser
    SURVEY_CHASE_DAYS later; both stop once the round is answered. Occurrence numbers
    stay those of the round, so answering one never renumbers (re-keys) the others."""
    months = [*rule.offsets]
    if rule.repeat is not None:
        months += [
            months[-1] + rule.repeat.every * k for k in range(1, len(dates) - len(months) + 1)
        ]
    for n, (due, offset) in enumerate(zip(dates, months, strict=True), start=1):
        if offset in facts.answered_surveys:
            continue
        about = f"alumni_survey.{offset}m"
        chase_due = shift(due, SURVEY_CHASE_DAYS, "days", calendar)
        for name, day in ((rule.name, due), (f"{rule.name}.chase", chase_due)):
            yield Occurrence(
                name,
                n,
                rule.kind,
                rule.template,
                rule.to,
                day,
                rule.expires_after_days,
                about,
                anchor,
            )


def _repeats(
    rule: ReminderRule,
    last: date,
    d: WorkflowDefinition,
    facts: PlanFacts,
    calendar: WorkingCalendar,
) -> list[date]:
    if rule.repeat is None:
        return []
    until = resolve(rule.repeat.until, d, facts, calendar) if rule.repeat.until else None
    limit = rule.repeat.times or 400  # `until` bounds it; 400 guards a runaway rule
    dates: list[date] = []
    for k in range(1, limit + 1):
        due = shift(last, rule.repeat.every * k, rule.unit, calendar)
        if until is not None and due > until:
            break
        dates.append(due)
    return dates


def resolve(
    anchor: Anchor, d: WorkflowDefinition, facts: PlanFacts, calendar: WorkingCalendar
) -> date | None:
    """The anchor's date for this officer, or None while it is not known yet."""
    if anchor.kind == "batch":
        return facts.batch_dates.get(anchor.name)
    if anchor.kind == "enter":
        return facts.entered.get(anchor.name)
    if anchor.kind == "leave":
        return facts.left.get(anchor.name)
    if anchor.kind == "document":
        return facts.document_expiries.get(anchor.name)
    spec = d.signoff(anchor.name) if anchor.kind == "signoff" else d.checklist(anchor.name)
    return deadline_of(anchor.name, spec.due if spec else None, d, facts, calendar)


def deadline_of(
    name: str, due: DueDef | None, d: WorkflowDefinition, facts: PlanFacts,
    calendar: WorkingCalendar,
) -> date | None:
    """When sign-off or checklist ``name`` is due for this officer: their agreed date if
    a coordinator moved it, else the definition's rule."""
    agreed = facts.deadlines.get(name)
    return agreed if agreed is not None else due_date(due, d, facts, calendar)


def due_date(
    due: DueDef | None, d: WorkflowDefinition, facts: PlanFacts, calendar: WorkingCalendar
) -> date | None:
    if due is None:
        return None
    start = resolve(due.anchor, d, facts, calendar)
    return None if start is None else shift(start, due.offset, due.unit, calendar)


def shift(day: date, offset: int, unit: Unit, calendar: WorkingCalendar) -> date:
    if unit == "days":
        return calendar.add_days(day, offset)
    return _counted(day, offset, unit, calendar)


# Remembered: stepping over working days (or building a relativedelta) is most of what
# planning costs, and the officers of a batch share their dates, so planning a batch
# asks the same few questions many times. The answers depend on nothing else (a
# calendar's holidays never change once it is built).
@lru_cache(maxsize=16_384)
def _counted(day: date, offset: int, unit: Unit, calendar: WorkingCalendar) -> date:
    if unit == "working_days":
        # A deadline on a weekend or holiday falls on the next working day: count from
        # there, or "due" and "1 day overdue" would land on the same Monday.
        return calendar.add_working_days(calendar.add_working_days(day, 0), offset)
    return day + relativedelta(months=offset)
