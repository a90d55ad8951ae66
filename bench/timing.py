"""Timing: a stopwatch, medians, and baseline/candidate repetitions run side by side."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Stopwatch:
    seconds: float = 0.0


@contextmanager
def stopwatch() -> Iterator[Stopwatch]:
    """Times the ``with`` body; set-up outside it is not counted."""
    watch = Stopwatch()
    start = time.perf_counter()
    try:
        yield watch
    finally:
        watch.seconds = time.perf_counter() - start


def timed(action: Callable[[], object]) -> float:
    with stopwatch() as watch:
        action()
    return watch.seconds


@dataclass
class Samples:
    """Seconds per repetition; the median is the figure (robust to a noisy neighbour)."""

    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def __len__(self) -> int:
        return len(self.seconds)


@dataclass
class Paired:
    candidate: Samples
    baseline: Samples

    @property
    def ratio(self) -> float:
        """Candidate time over baseline time (above 1: the candidate is slower)."""
        return self.candidate.median / self.baseline.median


def interleave(
    repeats: int,
    candidate: Callable[[int], float],
    baseline: Callable[[int], float],
) -> Paired:
    """Run ``repeats`` rounds of both, alternating which goes first (ABBA).

    Each callable does one repetition (its argument is the round number) and returns
    the seconds it measured, so it can keep its own set-up out of the figure. Running
    them side by side, order swapped each round, lets drift on a busy machine (other
    processes, CPU frequency, caches) fall on both alike instead of on one of them.
    """
    result = Paired(Samples(), Samples())
    for round_number in range(repeats):
        pair = [(candidate, result.candidate), (baseline, result.baseline)]
        if round_number % 2:
            pair.reverse()
        for action, samples in pair:
            samples.seconds.append(action(round_number))
    return result
