"""How big a load run is: processes, officers, seconds, and how fast simulated time runs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta


@dataclass(frozen=True)
class LoadSize:
    name: str
    workers: int
    officers: int
    seconds: float
    # Officers already in placement when the run starts: reminders fall due from its
    # first simulated month, however few actions a busy machine manages.
    placed: int = 0
    dispatchers: int = 2
    # How many workers are given each officer: 2 or more makes them race for it.
    share: int = 2
    # Officers a worker keeps in hand at once (taken from its slice in the same order
    # as the other workers holding them, so workers meet on the same officers).
    in_hand: int = 6
    # The simulated span of the run: long enough for reminders of every kind to fall
    # due while the officers move through the programme.
    simulated: timedelta = timedelta(days=420)
    seed: int = 1

    def with_changes(self, **changes: object) -> LoadSize:
        return replace(self, **changes)  # type: ignore[arg-type]


# Small: every worker is given every officer and holds only a few at a time, so the
# three of them are nearly always on the same officers (a CI run must race).
SMALL = LoadSize("small", workers=3, officers=40, seconds=10.0, placed=6, share=3, in_hand=4)
FULL = LoadSize("full", workers=4, officers=2000, seconds=120.0, placed=100)
SIZES = {size.name: size for size in (SMALL, FULL)}
