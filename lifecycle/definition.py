"""What a workflow definition is: states, triggers, guards, checklists and sign-offs.

Definitions are data (YAML in ``workflows/``). This module parses and validates one,
so that a broken definition is refused when loaded with a message naming the file,
the key and the fault, never half-way through an officer's year.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import cached_property
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from lifecycle.document_types import DOCUMENT_TYPES
from lifecycle.errors import ConfigurationError
from lifecycle.roles import Role
from lifecycle.state_roles import StateRole, role_problems

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
GUARD_KINDS = ("checklist_complete", "signoff_approved", "placement_assigned")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


ANCHOR_KINDS = ("batch", "enter", "leave", "signoff", "checklist", "document")
# What a document's expiry may be measured against: dates known from the batch and the
# officer's own moves (a due date of a sign-off or checklist would be circular here).
OUTLAST_KINDS = ("batch", "enter", "leave")


class Anchor(_Strict):
    """A point in an officer's year that deadlines and reminders count from.

    ``batch``: start, end or a named batch milestone (e.g. study_visit); ``enter`` /
    ``leave``: when the officer last entered or left a state; ``signoff`` /
    ``checklist``: that sign-off's or checklist's own due date; ``document``: the
    expiry date of the officer's current document for that checklist item.
    """

    kind: Literal["batch", "enter", "leave", "signoff", "checklist", "document"]
    name: str

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        # YAML writes `{enter: placement}`; the model keeps kind and name apart.
        if isinstance(value, dict) and len(value) == 1 and "kind" not in value:
            ((kind, name),) = value.items()
            return {"kind": kind, "name": name}
        return value


class DueDef(_Strict):
    """A deadline: ``offset`` days, working days or months after ``anchor``."""

    anchor: Anchor
    offset: int = 0
    unit: Literal["days", "working_days", "months"] = "days"


class StateDef(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    label: str
    # Required, even if empty: every state says what it means (StateRole).
    roles: tuple[StateRole, ...]
    final: bool = False
    optional: bool = False


class UploadDef(_Strict):
    """The item is done by uploading a file of one of ``types``, at most ``max_mb``."""

    types: tuple[str, ...] = Field(min_length=1)
    max_mb: float = Field(gt=0)

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * 1024 * 1024)


class ExpiryDef(_Strict):
    """The document carries an expiry date that must be at least ``by_days`` after
    ``must_outlast`` (a passport valid six months past the study visit)."""

    must_outlast: Anchor
    by_days: int = Field(default=0, ge=0)


class ChecklistItemDef(_Strict):
    key: str = Field(pattern=NAME_PATTERN)
    label: str
    upload: UploadDef | None = None
    expiry: ExpiryDef | None = None


class ChecklistDef(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    label: str
    open_in: tuple[str, ...] = Field(min_length=1)
    roles: tuple[Role, ...] = Field(min_length=1)
    items: tuple[ChecklistItemDef, ...] = Field(min_length=1)
    due: DueDef | None = None


class SignoffDef(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
    label: str
    stage: str
    signer: Literal["supervisor"]
    after: tuple[str, ...] = ()
    due: DueDef | None = None


class GuardDef(_Strict):
    """One named condition; ``arg`` names the checklist or sign-off it is about."""

    kind: str
    arg: str | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.arg}" if self.arg else self.kind


class TriggerDef(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    label: str
    source: tuple[str, ...] = Field(min_length=1)
    dest: str
    roles: tuple[Role, ...] = Field(min_length=1)
    reason_required: bool = False
    guards: tuple[GuardDef, ...] = ()

    @field_validator("source", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("guards", mode="before")
    @classmethod
    def _guard_shorthand(cls, value: Any) -> Any:
        # YAML writes guards as `placement_assigned` or `{checklist_complete: induction}`.
        if not isinstance(value, list):
            return value
        guards: list[Any] = []
        for entry in value:
            if isinstance(entry, str):
                guards.append({"kind": entry})
            elif isinstance(entry, dict) and len(entry) == 1 and "kind" not in entry:
                ((kind, arg),) = entry.items()
                guards.append({"kind": kind, "arg": arg})
            else:
                guards.append(entry)
        return guards


class WorkflowDefinition(_Strict):
    track: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: int = Field(ge=1)
    title: str
    ref_prefix: str = Field(pattern=r"^[A-Z]{1,4}$")
    initial: str
    states: tuple[StateDef, ...] = Field(min_length=2)
    checklists: tuple[ChecklistDef, ...] = ()
    signoffs: tuple[SignoffDef, ...] = ()
    triggers: tuple[TriggerDef, ...] = Field(min_length=1)
    # Reminder rules belong to the notifications side; kept as raw data here so the
    # lifecycle does not depend on it. Validated by notifications.rules when loaded.
    reminders: tuple[dict[str, Any], ...] = ()
    # How long a coordinator may take back an officer's last transition (a wrong click).
    revert_within_days: int = Field(default=7, ge=0, le=366)

    @property
    def key(self) -> tuple[str, int]:
        return (self.track, self.version)

    @cached_property
    def state_names(self) -> tuple[str, ...]:
        return tuple(state.name for state in self.states)

    @cached_property
    def optional_states(self) -> frozenset[str]:
        return frozenset(state.name for state in self.states if state.optional)

    @cached_property
    def final_states(self) -> frozenset[str]:
        return frozenset(state.name for state in self.states if state.final)

    def state(self, name: str) -> StateDef:
        return next(state for state in self.states if state.name == name)

    def states_with(self, role: StateRole) -> frozenset[str]:
        """The states holding ``role``, e.g. every state an officer may be placed in."""
        return frozenset(self._roles[role])

    def ordered_states_with(self, role: StateRole) -> tuple[str, ...]:
        """``states_with``, in the definition's order (for messages and listings)."""
        return self._roles[role]

    def has_role(self, state: str, role: StateRole) -> bool:
        return state in self._roles[role]

    def the_state(self, role: StateRole) -> str:
        """The one state holding ``role`` (a role validated to be held by exactly one)."""
        (state,) = self._roles[role]
        return state

    @cached_property
    def _roles(self) -> dict[StateRole, tuple[str, ...]]:
        return {role: tuple(s.name for s in self.states if role in s.roles) for role in StateRole}

    def trigger(self, name: str) -> TriggerDef | None:
        return next((t for t in self.triggers if t.name == name), None)

    def triggers_from(self, state: str) -> list[TriggerDef]:
        return [t for t in self.triggers if state in t.source]

    def checklist(self, name: str) -> ChecklistDef | None:
        return next((c for c in self.checklists if c.name == name), None)

    def checklist_of_item(self, key: str) -> ChecklistDef | None:
        return next((c for c in self.checklists if any(i.key == key for i in c.items)), None)

    def item(self, key: str) -> ChecklistItemDef | None:
        return next((i for c in self.checklists for i in c.items if i.key == key), None)

    def signoff(self, name: str) -> SignoffDef | None:
        return next((s for s in self.signoffs if s.name == name), None)

    def touches_optional(self, trigger: TriggerDef) -> str | None:
        """The optional stage a trigger enters, if any.

        Only the destination counts: a trigger that merely can also leave an optional
        stage (withdraw) stays available to batches without it, and an officer can
        never be in a stage its batch switched off.
        """
        return trigger.dest if trigger.dest in self.optional_states else None


def parse_definition(text: str, source: str) -> WorkflowDefinition:
    """Parse and validate one definition; ``source`` names the file in every message."""
    try:
        data = yaml.load(text, Loader=safe_loader())
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"{source}: expected a mapping of keys at the top level")
    try:
        definition = WorkflowDefinition.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_key_path(err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise _problems(source, problems) from None
    problems = list(_cross_reference_problems(definition))
    if problems:
        raise _problems(source, problems)
    return definition


def safe_loader() -> type[yaml.SafeLoader] | type[yaml.CSafeLoader]:
    """libyaml's safe loader when PyYAML was built with it, else the pure-Python one.

    Every command that reads an officer parses its definition's stored text again, and
    the pure-Python parser took about a tenth of ``attache officer show`` (bench figure
    6b); both build the same plain data with the same safe constructors.
    """
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _problems(source: str, problems: list[str]) -> ConfigurationError:
    if len(problems) == 1:
        return ConfigurationError(f"{source}: {problems[0]}")
    listing = "; ".join(problems)
    return ConfigurationError(f"{source}: {len(problems)} problems: {listing}")


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def _cross_reference_problems(d: WorkflowDefinition) -> Iterator[str]:
    states = set(d.state_names)
    yield from _duplicates("states", [s.name for s in d.states])
    yield from _duplicates("triggers", [t.name for t in d.triggers])
    yield from _duplicates("checklists", [c.name for c in d.checklists])
    yield from _duplicates("signoffs", [s.name for s in d.signoffs])
    yield from _duplicates("checklist items", [i.key for c in d.checklists for i in c.items])
    if d.initial not in states:
        yield f"initial: unknown state {d.initial!r} (states: {', '.join(d.state_names)})"
    checklists = {c.name for c in d.checklists}
    signoffs = {s.name for s in d.signoffs}
    for i, c in enumerate(d.checklists):
        for state in c.open_in:
            if state not in states:
                yield f"checklists[{i}].open_in: unknown state {state!r}"
    for i, c in enumerate(d.checklists):
        for j, item in enumerate(c.items):
            yield from _document_problems(d, item, f"checklists[{i}].items[{j}]")
    for i, s in enumerate(d.signoffs):
        if s.stage not in states:
            yield f"signoffs[{i}].stage: unknown state {s.stage!r}"
        for earlier in s.after:
            if earlier not in signoffs:
                yield f"signoffs[{i}].after: unknown sign-off {earlier!r}"
    for i, t in enumerate(d.triggers):
        for state in t.source:
            if state not in states:
                yield f"triggers[{i}].source: unknown state {state!r}"
            elif state in d.final_states:
                yield f"triggers[{i}].source: {state!r} is final; nothing may leave it"
        if t.dest not in states:
            yield f"triggers[{i}].dest: unknown state {t.dest!r}"
        for j, g in enumerate(t.guards):
            where = f"triggers[{i}].guards[{j}]"
            if g.kind not in GUARD_KINDS:
                yield f"{where}: unknown guard {g.kind!r} (known: {', '.join(GUARD_KINDS)})"
            elif g.kind == "checklist_complete" and g.arg not in checklists:
                yield f"{where}: unknown checklist {g.arg!r}"
            elif g.kind == "signoff_approved" and g.arg not in signoffs:
                yield f"{where}: unknown sign-off {g.arg!r}"
            elif g.kind == "placement_assigned" and g.arg is not None:
                yield f"{where}: placement_assigned takes no argument"
    for where, due in _dues(d):
        yield from anchor_problems(d, due.anchor, f"{where}.due.anchor")
    yield from role_problems(d)
    yield from _unreachable_problems(d)


def _document_problems(d: WorkflowDefinition, item: ChecklistItemDef, where: str) -> Iterator[str]:
    if item.upload is not None:
        for name in item.upload.types:
            if name not in DOCUMENT_TYPES:
                known = ", ".join(DOCUMENT_TYPES)
                yield f"{where}.upload.types: unknown type {name!r} (known: {known})"
    if item.expiry is None:
        return
    if item.upload is None:
        yield f"{where}.expiry: an expiry date needs a document: add `upload:` to the item"
    anchor = item.expiry.must_outlast
    if anchor.kind not in OUTLAST_KINDS:
        kinds = ", ".join(OUTLAST_KINDS)
        yield f"{where}.expiry.must_outlast: a {anchor.kind} anchor cannot be used here ({kinds})"
    else:
        yield from anchor_problems(d, anchor, f"{where}.expiry.must_outlast")


def _dues(d: WorkflowDefinition) -> Iterator[tuple[str, DueDef]]:
    for i, c in enumerate(d.checklists):
        if c.due is not None:
            yield f"checklists[{i}]", c.due
    for i, s in enumerate(d.signoffs):
        if s.due is not None:
            yield f"signoffs[{i}]", s.due


def anchor_problems(d: WorkflowDefinition, anchor: Anchor, where: str) -> Iterator[str]:
    """Faults in an anchor's reference; shared with the reminder rules' validation."""
    if anchor.kind in ("enter", "leave") and anchor.name not in d.state_names:
        yield f"{where}: unknown state {anchor.name!r}"
    elif anchor.kind == "signoff":
        signoff = d.signoff(anchor.name)
        if signoff is None:
            yield f"{where}: unknown sign-off {anchor.name!r}"
        elif signoff.due is None:
            yield f"{where}: sign-off {anchor.name!r} has no due date"
    elif anchor.kind == "checklist":
        checklist = d.checklist(anchor.name)
        if checklist is None:
            yield f"{where}: unknown checklist {anchor.name!r}"
        elif checklist.due is None:
            yield f"{where}: checklist {anchor.name!r} has no due date"
    elif anchor.kind == "document":
        item = d.item(anchor.name)
        if item is None:
            yield f"{where}: unknown checklist item {anchor.name!r}"
        elif item.expiry is None:
            yield f"{where}: checklist item {anchor.name!r} has no expiry date"


def _duplicates(what: str, names: list[str]) -> Iterator[str]:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            yield f"{what}: {name!r} is defined twice"
        seen.add(name)


def _unreachable_problems(d: WorkflowDefinition) -> Iterator[str]:
    reached = {d.initial}
    frontier = [d.initial]
    while frontier:
        state = frontier.pop()
        for t in d.triggers_from(state):
            if t.dest not in reached:
                reached.add(t.dest)
                frontier.append(t.dest)
    for state in d.state_names:
        if state not in reached:
            yield f"states: {state!r} cannot be reached from {d.initial!r} by any trigger"
