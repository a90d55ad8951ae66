"""What a worker does next to one officer: an action the officer's current state allows.

Pure: it reads the officer as ``lifecycle.services.views.officer_detail`` shows it and
the simulated date. The coordinators and supervisors it plays keep to the programme's
calendar (no placement before the batch starts, no study visit before its date...), so
officers spend simulated months in each stage and their reminders fall due while the
dispatchers run; within that, every choice is random, including leaving the programme
or having a review returned.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from lifecycle.definition import WorkflowDefinition
from lifecycle.state_roles import StateRole
from loadtest.programme import COORDINATOR, DIVISIONS, SUPERVISORS

JAKARTA = ZoneInfo("Asia/Jakarta")
LEAVE_CHANCE = 0.004  # per decision where declining or withdrawing is possible
MOVE_CHANCE = 0.03  # moving a placed officer to the other division
RETURN_CHANCE = 0.15  # a supervisor returning a review instead of approving it
PAIRS = tuple(zip(DIVISIONS, SUPERVISORS, strict=True))  # (division, supervisor)


@dataclass(frozen=True)
class BatchDates:
    start: date
    study_visit: date


@dataclass(frozen=True)
class Action:
    ref: str
    kind: str  # advance | tick | place | sign_off
    name: str  # the trigger, checklist item, sign-off or division
    actor: str
    expected_version: int
    supervisor: str | None = None  # place
    approve: bool = True  # sign_off
    reason: str | None = None

    @property
    def label(self) -> str:
        if self.kind == "sign_off":
            return f"sign_off:{self.name}:{'approved' if self.approve else 'returned'}"
        if self.kind == "place":
            return "place"
        return f"{self.kind}:{self.name}"


class Waiting:
    """Nothing to do for this officer yet (its next step is later in the calendar)."""


class Finished:
    """The officer is in a final state."""


WAITING, FINISHED = Waiting(), Finished()


def choose(
    detail: dict[str, Any],
    definition: WorkflowDefinition,
    dates: BatchDates,
    now: datetime,
    rng: random.Random,
) -> Action | Waiting | Finished:
    state = detail["state"]
    if state in definition.final_states:
        return FINISHED
    calendar = _Calendar(detail, dates, now.astimezone(JAKARTA).date())
    candidates = [
        *_ticks(detail, definition, calendar),
        *_placements(detail, definition, rng),
        *_signoffs(detail, definition, calendar, rng),
        *_advances(detail, calendar, rng),
    ]
    return rng.choice(candidates) if candidates else WAITING


@dataclass(frozen=True)
class _Calendar:
    detail: dict[str, Any]
    dates: BatchDates
    today: date

    @property
    def in_state_since(self) -> date:
        since = datetime.fromisoformat(self.detail["state_since"])
        return since.astimezone(JAKARTA).date()

    def after_entering(self, days: int) -> bool:
        return self.today >= self.in_state_since + timedelta(days=days)

    def before_visit(self, days: int) -> bool:
        return self.today >= self.dates.study_visit - timedelta(days=days)


def _action(detail: dict[str, Any], kind: str, name: str, actor: str, **extra: Any) -> Action:
    return Action(detail["ref"], kind, name, actor, detail["version"], **extra)


def _ticks(
    detail: dict[str, Any], definition: WorkflowDefinition, calendar: _Calendar
) -> list[Action]:
    found = []
    for checklist in detail["checklist"]:
        spec = definition.checklist(checklist["checklist"])
        if spec is None or detail["state"] not in spec.open_in:
            continue
        # Travel documents arrive a few weeks before the visit (after its first reminder),
        # the visit report some days into it (after its first reminder).
        if spec.name == "travel_documents" and not calendar.before_visit(20):
            continue
        if spec.name == "visit_report" and not calendar.after_entering(12):
            continue
        found += [
            _action(detail, "tick", item["key"], COORDINATOR)
            for item in checklist["items"]
            if not item["ticked"]
        ]
    return found


def _placements(
    detail: dict[str, Any], definition: WorkflowDefinition, rng: random.Random
) -> list[Action]:
    if not definition.has_role(detail["state"], StateRole.PLACEABLE):
        return []
    placement = detail["placement"]
    if placement is None:
        division, supervisor = rng.choice(PAIRS)
    elif rng.random() < MOVE_CHANCE:
        division, supervisor = next(p for p in PAIRS if p[1] != placement["supervisor"])
    else:
        return []
    return [_action(detail, "place", division, COORDINATOR, supervisor=supervisor)]


def _signoffs(
    detail: dict[str, Any],
    definition: WorkflowDefinition,
    calendar: _Calendar,
    rng: random.Random,
) -> list[Action]:
    placement = detail["placement"]
    if placement is None:
        return []
    status = {s["name"]: s["status"] for s in detail["signoffs"]}
    found = []
    for spec in definition.signoffs:
        if spec.stage != detail["state"] or status[spec.name] == "approved":
            continue
        if any(status[earlier] != "approved" for earlier in spec.after):
            continue
        # Mid-term near six months in (after its first reminders); the final review in
        # the weeks before the study visit.
        ready = calendar.after_entering(170) if not spec.after else calendar.before_visit(25)
        if not ready:
            continue
        approve = rng.random() >= RETURN_CHANCE
        found.append(
            _action(
                detail, "sign_off", spec.name, placement["supervisor"], approve=approve,
                reason=None if approve else "Please add the meetings of the last month.",
            )
        )
    return found


def _advances(detail: dict[str, Any], calendar: _Calendar, rng: random.Random) -> list[Action]:
    found = []
    trained = any(h.get("trigger") == "start_training" for h in detail["history"])
    for trigger in detail["allowed_triggers"]:
        if trigger in ("decline", "withdraw"):
            if rng.random() < LEAVE_CHANCE:
                found.append(_action(detail, "advance", trigger, COORDINATOR,
                                     reason="Recalled by the ministry."))
            continue
        if _on_time(trigger, calendar, trained=trained):
            found.append(_action(detail, "advance", trigger, COORDINATOR))
    return found


def _on_time(trigger: str, calendar: _Calendar, *, trained: bool) -> bool:
    if trigger == "start_placement":
        return calendar.today >= calendar.dates.start
    if trigger == "start_training":  # once, a month or more into the placement
        return not trained and calendar.after_entering(30)
    if trigger == "end_training":
        return calendar.after_entering(21)
    if trigger == "start_study_visit":
        return calendar.today >= calendar.dates.study_visit
    if trigger == "graduate":
        return calendar.after_entering(14)
    if trigger == "join_alumni":
        return calendar.after_entering(45)
    return True
