"""The audit events that are not one of a definition's triggers.

Every audit event records a move ``from_state -> to_state`` under a trigger's name.
Two names belong to Attache itself, not to any definition: a revert (a compensating
move back, ``lifecycle.services.revert``) and a migration (the officer moved onto
another version of their track's definition, ``lifecycle.services.migration``).

A migration is not a move between stages: the officer stays where they were, perhaps
under the new version's name for it. So whatever dates a stage from its audit events
(reminder anchors, graduation and decision dates, calendars, reports) skips it, or
carries the stay on across it. SQLAlchemy-free, so every layer may import it.
"""

from __future__ import annotations

import re

REVERT = "revert"
MIGRATE = "migrate"

# A migration's audit reason starts with this (``migration_note``); it is how a replay
# of the log knows which version the events before and after it belong to.
_NOTE = re.compile(r"^migrated from (?P<track>[a-z][a-z0-9-]*) v(?P<old>\d+) to v(?P<new>\d+)")


def migration_note(track: str, old: int, new: int) -> str:
    return f"migrated from {track} v{old} to v{new}"


def migrated_versions(reason: str | None) -> tuple[int, int]:
    """The (old, new) versions a migration event's reason names."""
    found = _NOTE.match(reason or "")
    if found is None:
        raise ValueError(f"not a migration's audit reason: {reason!r}")
    return int(found["old"]), int(found["new"])
