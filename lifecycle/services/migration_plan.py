"""What a migration to another definition version does to each officer: the state they
land in, the checklist items and sign-offs kept, added and dropped, the reminders
created and cancelled. Made by ``lifecycle.services.migration``, shown by the CLI.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lifecycle.definition import WorkflowDefinition

TICKED, NOT_TICKED, NOT_GIVEN = "ticked", "not ticked", "not given"


@dataclass(frozen=True)
class Entry:
    """A checklist item or a sign-off, with where the officer stands on it."""

    name: str
    label: str
    status: str  # ticked | not ticked; approved | returned | not given


@dataclass(frozen=True)
class Changes:
    kept: tuple[Entry, ...]
    added: tuple[Entry, ...]
    dropped: tuple[Entry, ...]  # still recorded, but no longer part of the definition

    def to_dict(self) -> dict[str, Any]:
        return {
            part: [{"name": e.name, "label": e.label, "status": e.status} for e in entries]
            for part, entries in (("kept", self.kept), ("added", self.added),
                                  ("dropped", self.dropped))
        }  # fmt: skip


@dataclass(frozen=True)
class ReminderChange:
    rule: str
    occurrence: int
    recipient: str  # e-mail
    send_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "occurrence": self.occurrence,
            "recipient": self.recipient,
            "send_at": self.send_at.isoformat(),
        }


@dataclass(frozen=True)
class OfficerMigration:
    ref: str
    name: str
    batch: str
    from_state: str
    to_state: str
    items: Changes
    signoffs: Changes
    reminders_created: tuple[ReminderChange, ...]
    reminders_cancelled: tuple[ReminderChange, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "name": self.name,
            "batch": self.batch,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "checklist_items": self.items.to_dict(),
            "signoffs": self.signoffs.to_dict(),
            "reminders": {
                "created": [r.to_dict() for r in self.reminders_created],
                "cancelled": [r.to_dict() for r in self.reminders_cancelled],
            },
        }


@dataclass(frozen=True)
class Migration:
    """A whole run: done (``dry_run`` false) or rehearsed and rolled back."""

    track: str
    from_version: int
    to_version: int
    batch: str | None
    dry_run: bool
    officers: tuple[OfficerMigration, ...]
    # Officers of the old version in a final state: their year is over, they stay on it.
    staying: tuple[tuple[str, str], ...]  # (ref, state)

    @property
    def title(self) -> str:
        scope = f" (batch {self.batch})" if self.batch else ""
        return f"{self.track} v{self.from_version} -> v{self.to_version}{scope}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "track": self.track,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "batch": self.batch,
            "dry_run": self.dry_run,
            "officers": [o.to_dict() for o in self.officers],
            "staying": [{"ref": ref, "state": state} for ref, state in self.staying],
        }


def item_changes(
    old: WorkflowDefinition, new: WorkflowDefinition, ticked: Collection[str]
) -> Changes:
    def entries(d: WorkflowDefinition, keys: Iterable[str]) -> tuple[Entry, ...]:
        wanted = set(keys)
        return tuple(
            Entry(i.key, i.label, TICKED if i.key in ticked else NOT_TICKED)
            for c in d.checklists
            for i in c.items
            if i.key in wanted
        )

    before = {i.key for c in old.checklists for i in c.items}
    after = {i.key for c in new.checklists for i in c.items}
    return Changes(
        entries(new, before & after), entries(new, after - before), entries(old, before - after)
    )


def signoff_changes(
    old: WorkflowDefinition, new: WorkflowDefinition, decisions: dict[str, str]
) -> Changes:
    """``decisions``: the officer's latest decision per sign-off."""

    def entries(d: WorkflowDefinition, names: set[str]) -> tuple[Entry, ...]:
        return tuple(
            Entry(s.name, s.label, decisions.get(s.name, NOT_GIVEN))
            for s in d.signoffs
            if s.name in names
        )

    before = {s.name for s in old.signoffs}
    after = {s.name for s in new.signoffs}
    return Changes(
        entries(new, before & after), entries(new, after - before), entries(old, before - after)
    )
