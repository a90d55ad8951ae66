"""One officer's history replayed up to an instant: where they were, and for how long.

Pure: it sees the officer's audit events (oldest first) and nothing else, so the same
rows always give the same answer, whatever the date the report is made on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Event:
    from_state: str
    to_state: str
    at: datetime  # UTC
    reason: str | None
    # A migration onto another definition version: no move between stages, so the stay
    # it crosses goes on (under the new version's name for the state, if it renamed it).
    migrated: bool = False


@dataclass
class Timeline:
    """An officer as they stood at the cutoff."""

    state: str
    entered: dict[str, datetime] = field(default_factory=dict)  # first entry per state
    days_in: dict[str, float] = field(default_factory=dict)  # stages left for good
    last: Event | None = None  # the transition that brought them to ``state``


def replay(
    events: Sequence[Event], current_state: str, nominated_at: datetime, cutoff: datetime
) -> Timeline | None:
    """The officer at ``cutoff`` (exclusive), or None if not yet nominated then.

    Nominating writes no audit event, so the initial stage is entered at
    ``nominated_at`` and left at the first event (whose ``from_state`` it is).
    """
    if nominated_at >= cutoff:
        return None
    initial = events[0].from_state if events else current_state
    before = [e for e in events if e.at < cutoff]
    timeline = Timeline(before[-1].to_state if before else initial)
    timeline.last = before[-1] if before else None
    timeline.entered[initial] = nominated_at
    if before:
        stay = (before[0].at - nominated_at).total_seconds() / SECONDS_PER_DAY
        timeline.days_in[initial] = stay
    for index, event in enumerate(before):
        if event.migrated and event.from_state != event.to_state:
            _rename(timeline, event.from_state, event.to_state)
        timeline.entered.setdefault(event.to_state, event.at)
        if index + 1 < len(before):
            # Each visit to a stage adds up (placement, training, placement again).
            stay = (before[index + 1].at - event.at).total_seconds() / SECONDS_PER_DAY
            timeline.days_in[event.to_state] = timeline.days_in.get(event.to_state, 0.0) + stay
    # Time in the stage the officer is still in is not known yet: it is not counted, and
    # neither are earlier visits to it (they are part of a stay that has not ended).
    timeline.days_in.pop(timeline.state, None)
    return timeline


def _rename(timeline: Timeline, old: str, new: str) -> None:
    """What was counted for ``old`` counts for ``new``: a migration renamed the stage."""
    if old in timeline.entered:
        timeline.entered.setdefault(new, timeline.entered[old])
    if old in timeline.days_in:
        timeline.days_in[new] = timeline.days_in.get(new, 0.0) + timeline.days_in.pop(old)
