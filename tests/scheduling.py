"""The order the suite runs in: the longest tests first, spread over the workers.

``pytest -n 3 --dist worksteal`` hands each worker one contiguous share of the
collection (a third each, in order); a worker that runs dry takes the back half of the
longest queue. A long test near the end of a share therefore runs last, alone, while
the other workers have nothing left to do. So the known-slow tests go to the front of
the shares, spread so that each share starts with about the same seconds of them; every
other test keeps its place (a module's tests stay together, and so do its fixtures).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

# Seconds a test took when the suite was last measured (2026-12-07, -n 3 on two cores),
# for the slowest (the migration properties scaled by their -n 0 ratio after branch
# suite2's change). A test marked slow but not listed counts as SLOW_DEFAULT.
SECONDS: dict[str, float] = {
    "tests/test_bench_smoke.py::test_quick_bench_reports_every_figure": 35,
    **{f"tests/integration/test_migration_properties.py::test_random_advances_reverts_"
       f"deadlines_and_migrations_keep_officers_whole[{b}]": s
       for b, s in (("postgresql", 22), ("sqlite", 18))},
    **{f"tests/integration/test_load.py::test_racing_workers_and_two_dispatchers_leave_"
       f"a_consistent_record[{b}]": s for b, s in (("postgresql", 14), ("sqlite", 12))},
    **{f"tests/browser/test_flow.py::test_an_officer_goes_from_nomination_to_the_study_"
       f"visit[{b}]": 12 for b in ("postgresql", "sqlite")},
    **{f"tests/browser/test_pages.py::test_the_main_pages_load_cleanly_and_label_every_"
       f"control[{b}]": s for b, s in (("postgresql", 9), ("sqlite", 11))},
    **{f"tests/integration/reminders/test_crashes.py::test_a_dispatcher_killed_again_and_"
       f"again_loses_nothing[{b}]": 11 for b in ("postgresql", "sqlite")},
    "tests/integration/test_lifecycle_properties.py::test_random_service_calls_keep_"
    "officers_consistent[postgresql]": 9,
}  # fmt: skip
SLOW_DEFAULT = 8.0


def shares(total: int, workers: int) -> list[int]:
    """How many tests worksteal first gives each worker: of those still unassigned, an
    equal part to each worker still to serve (``WorkStealingScheduling.check_schedule``)."""
    sizes, left = [], total
    for remaining in range(workers, 0, -1):
        sizes.append(left // remaining)
        left -= sizes[-1]
    return sizes


def slow_first(
    items: Sequence[T], workers: int, seconds: Callable[[T], float | None]
) -> list[T]:
    """``items`` reordered so that each worker's share starts with its part of the slow
    ones (``seconds`` not None), longest first, each given to the share with the fewest
    seconds so far; the others follow in their own order, filling the shares."""
    slow = sorted(
        ((s, i) for i, item in enumerate(items) if (s := seconds(item)) is not None),
        key=lambda pair: (-pair[0], pair[1]),
    )
    sizes = shares(len(items), max(1, workers))
    heads: list[list[int]] = [[] for _ in sizes]
    loads = [0.0 for _ in sizes]
    for length, index in slow:
        # The share with room and the fewest seconds; ties to the earliest share.
        share = min(
            (k for k in range(len(sizes)) if len(heads[k]) < sizes[k]),
            key=lambda k: (loads[k], k),
        )
        heads[share].append(index)
        loads[share] += length
    moved = {index for head in heads for index in head}
    rest = iter(i for i in range(len(items)) if i not in moved)
    order: list[int] = []
    for head, size in zip(heads, sizes, strict=True):
        order += head
        order += [next(rest) for _ in range(size - len(head))]
    return [items[i] for i in order]
