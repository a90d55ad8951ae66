"""What an officer is waiting on in its stage, and from when it needs a coordinator.

An officer *waits on* the sign-offs due in its stage that are not approved and the
checklists open in it with an item still unticked; each has a deadline when a reminder
rule is counted towards it (the last "due" reminder, as the inbox reads it). A sign-off
whose latest decision is not an approval was *returned*. A final state waits on nothing.

The reminder planner writes this, in the transaction that re-plans the officer, into
``officer_attention`` (``repository.save_attention``): it already holds every open item
and its deadline then. The deadline, not the lateness, is stored, so nothing needs
rewriting as days pass, and "who is late" is an index range scan on ``attention_from``
whatever the number of officers (bench figure 7b).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # an annotation only: the repository imports this module, and a
    # command that only reads (officer show) should not pay for pydantic through it
    from lifecycle.definition import WorkflowDefinition

# A returned sign-off needs attention at once, whatever its deadline: it sorts first.
RETURNED_FROM = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Attention:
    """The open items of one officer with their deadlines, and its returned sign-offs."""

    deadlines: Mapping[str, datetime] = field(default_factory=dict)  # name -> deadline
    returned: tuple[str, ...] = ()  # sign-off names

    @property
    def empty(self) -> bool:
        return not self.deadlines and not self.returned

    @property
    def first_deadline(self) -> datetime | None:
        return min(self.deadlines.values(), default=None)

    @property
    def attention_from(self) -> datetime | None:
        """From when a coordinator should look: at once if returned, else the first
        deadline; None while nothing has a deadline."""
        return RETURNED_FROM if self.returned else self.first_deadline

    def as_json(self) -> dict[str, object]:
        return {
            "deadlines": {name: due.isoformat() for name, due in self.deadlines.items()},
            "returned": list(self.returned),
        }

    def as_row(self, officer_id: int) -> dict[str, object]:
        """The officer_attention row (one of ``save``'s, or the 0014 fill-in's)."""
        return {
            "officer_id": officer_id,
            "attention_from": self.attention_from,
            "first_deadline": self.first_deadline,
            "returned": bool(self.returned),
            "waits_on": self.as_json(),
        }

    @classmethod
    def from_json(cls, stored: Mapping[str, object] | None) -> Attention:
        if not stored:
            return NOTHING
        deadlines = stored.get("deadlines") or {}
        returned = stored.get("returned") or []
        assert isinstance(deadlines, dict) and isinstance(returned, list)
        return cls(
            {name: datetime.fromisoformat(due) for name, due in deadlines.items()},
            tuple(returned),
        )


NOTHING = Attention()


def attention_of(
    definition: WorkflowDefinition,
    state: str,
    ticked: Collection[str],
    decisions: Mapping[str, str],
    deadline_of: Mapping[str, datetime],
) -> Attention:
    """What the officer in ``state`` waits on: ``decisions`` are the latest decision per
    sign-off, ``deadline_of`` the deadline of each sign-off or checklist that has one."""
    if state in definition.final_states:
        return NOTHING
    deadlines: dict[str, datetime] = {}
    returned: list[str] = []
    for signoff in definition.signoffs:
        if signoff.stage != state:
            continue
        decision = decisions.get(signoff.name)
        if decision == "approved":
            continue
        if decision is not None:
            returned.append(signoff.name)
        if signoff.name in deadline_of:
            deadlines[signoff.name] = deadline_of[signoff.name]
    for checklist in definition.checklists:
        if state not in checklist.open_in or checklist.name not in deadline_of:
            continue
        if any(item.key not in ticked for item in checklist.items):
            deadlines[checklist.name] = deadline_of[checklist.name]
    if not deadlines and not returned:
        return NOTHING
    return Attention(deadlines, tuple(returned))
