"""Simulated time shared by every process of a run.

The run's programme year has to pass in seconds, yet the workers and dispatchers are
separate processes, each with its own ``Clock``: they agree because each derives the
simulated instant from the same wall-clock start. Time stops at the run's end, so the
dispatchers' last pass drains what is due by then instead of chasing a clock that
keeps making more reminders due.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class SimulatedClock:
    """``speed`` simulated seconds per wall second from ``wall_start``, until ``wall_end``.

    A ``lifecycle.clock.Clock``; plain data, so it pickles into spawned processes.
    """

    simulated_start: datetime
    wall_start: float  # time.time() of the start, the same number in every process
    wall_end: float
    speed: float

    def now(self) -> datetime:
        wall = min(time.time(), self.wall_end)
        return self.simulated_start + timedelta(seconds=(wall - self.wall_start) * self.speed)

    def scaled(self, wall: timedelta) -> timedelta:
        """The simulated span that takes ``wall`` of real time."""
        return wall * self.speed

    @property
    def simulated_end(self) -> datetime:
        return self.simulated_start + timedelta(
            seconds=(self.wall_end - self.wall_start) * self.speed
        )

    def over(self) -> bool:
        return time.time() >= self.wall_end
