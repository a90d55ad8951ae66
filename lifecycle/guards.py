"""Named conditions a trigger may require, each able to say exactly what is missing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from lifecycle.definition import ChecklistItemDef, GuardDef, WorkflowDefinition


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
    expiries: Mapping[str, date] = field(default_factory=dict)  # current documents'
    anchors: Mapping[str, date] = field(default_factory=dict)  # "batch:study_visit"...


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
    missing = []
    for item in checklist.items:
        # A document that runs out too early says so, ticked or not (the upload leaves
        # it open; a study visit moved later makes an accepted one too short again).
        early = runs_out_too_early(item, facts)
        if early is not None:
            missing.append(early)
        elif item.key not in facts.ticked:
            missing.append(
                f"{checklist.label} checklist: '{item.key}' ({item.label}) is not ticked"
            )
    return missing


def runs_out_too_early(item: ChecklistItemDef, facts: OfficerFacts) -> str | None:
    """Why the item's current document expires before it must, if it does."""
    expires = facts.expiries.get(item.key)
    if item.expiry is None or expires is None:
        return None
    anchor = item.expiry.must_outlast
    start = facts.anchors.get(f"{anchor.kind}:{anchor.name}")
    if start is None:
        return None  # not known yet (a milestone the batch has not set): judged later
    needed = start + timedelta(days=item.expiry.by_days)
    if expires >= needed:
        return None
    what = {"batch": "the", "enter": "entering", "leave": "leaving"}.get(anchor.kind, "the")
    return (
        f"{item.key} expires {expires.isoformat()}; it must be valid until "
        f"{needed.isoformat()} ({item.expiry.by_days} days after {what} "
        f"{anchor.name.replace('_', ' ')})"
    )


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
