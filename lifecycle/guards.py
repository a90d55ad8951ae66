"""Named conditions a trigger may require, each able to say exactly what is missing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lifecycle.definition import GuardDef, WorkflowDefinition


@dataclass(frozen=True)
class SignoffFact:
    decision: str  # approved | returned
    signer: str
    comment: str | None


@dataclass(frozen=True)
class OfficerFacts:
    """Everything the guards may look at, loaded once per operation."""

    state: str
    ticked: frozenset[str] = frozenset()
    signoffs: Mapping[str, SignoffFact] = field(default_factory=dict)
    has_placement: bool = False
    enabled_optional: frozenset[str] = frozenset()


def unmet(guard: GuardDef, facts: OfficerFacts, definition: WorkflowDefinition) -> list[str]:
    """The reasons ``guard`` fails for these facts; empty when it holds."""
    if guard.kind == "checklist_complete":
        return _checklist_missing(guard.arg or "", facts, definition)
    if guard.kind == "signoff_approved":
        return _signoff_missing(guard.arg or "", facts, definition)
    if guard.kind == "placement_assigned":
        if facts.has_placement:
            return []
        return ["no placement assigned: a division and a supervisor are needed"]
    raise AssertionError(f"guard kind {guard.kind!r} passed validation but has no check")


def _checklist_missing(name: str, facts: OfficerFacts, definition: WorkflowDefinition) -> list[str]:
    checklist = definition.checklist(name)
    assert checklist is not None  # guaranteed by definition validation
    return [
        f"{checklist.label} checklist: '{item.key}' ({item.label}) is not ticked"
        for item in checklist.items
        if item.key not in facts.ticked
    ]


def _signoff_missing(name: str, facts: OfficerFacts, definition: WorkflowDefinition) -> list[str]:
    signoff = definition.signoff(name)
    assert signoff is not None
    fact = facts.signoffs.get(name)
    if fact is None:
        return [f"sign-off '{name}' ({signoff.label}) has not been given"]
    if fact.decision != "approved":
        comment = f": {fact.comment}" if fact.comment else ""
        return [f"sign-off '{name}' ({signoff.label}) was returned by {fact.signer}{comment}"]
    return []
