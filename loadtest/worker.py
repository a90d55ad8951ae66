"""A worker process: acts on its officers, as fast as it can, until the run ends.

Each action reads the officer first and passes the version it read as
``expected_version`` (ticks take none: a stale tick is caught by the version check
at its commit), so two workers acting on one officer at once surface as ``Conflict``.
Every success is recorded with the version it produced, for the verification.
"""

from __future__ import annotations

import random
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from lifecycle.errors import Conflict, TransitionNotAllowed
from lifecycle.persistence.database import Database
from lifecycle.services import Services, views
from lifecycle.services import officers as act
from lifecycle.services.officers import Outcome
from loadtest.choices import FINISHED, WAITING, Action, BatchDates, choose
from loadtest.clock import SimulatedClock
from notifications.wiring import with_reminders
from workflows.loader import load_definitions

IDLE_PAUSE = 0.01  # seconds, when every officer in hand is waiting for a later date


@dataclass(frozen=True)
class Write:
    """One successful call: the officer, what was done, the version it was based on
    (None for ticks, which take none) and the version it left."""

    ref: str
    label: str
    based_on: int | None
    version: int
    wrote: bool  # False for a tick that found the item already ticked: no change


@dataclass
class WorkerReport:
    worker: int
    writes: list[Write] = field(default_factory=list)
    conflicts: int = 0
    refused: int = 0  # TransitionNotAllowed: the officer moved on since it was read
    reads: int = 0
    unexpected: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class WorkerPlan:
    worker: int
    url: str
    refs: list[str]  # this worker's slice, in the order it takes them up
    in_hand: int
    seed: int


def run_worker(plan: WorkerPlan, begin: Callable[[], SimulatedClock]) -> WorkerReport:
    """The body of a worker process; ``begin()`` says it is ready and waits for the
    start (every process starts together, once all have done their imports)."""
    database = Database(plan.url)
    rng = random.Random(plan.seed)
    report = WorkerReport(plan.worker)
    try:
        definitions = {(d.definition.track, d.definition.version): d.definition
                       for d in load_definitions()}
        dates = _batch_dates(Services(database))
        waiting = deque(plan.refs)
        in_hand: list[str] = []
        idle = 0
        clock = begin()
        services = with_reminders(Services(database, clock))
        started = time.perf_counter()
        while not clock.over():
            while len(in_hand) < plan.in_hand and waiting:
                in_hand.append(waiting.popleft())
            if not in_hand:
                break
            ref = rng.choice(in_hand)
            try:
                detail = views.officer_detail(services, ref)
                report.reads += 1
                key = (detail["definition"]["track"], detail["definition"]["version"])
                choice = choose(detail, definitions[key], dates[detail["batch"]],
                                clock.now(), rng)
                if choice is FINISHED or choice is WAITING:
                    in_hand.remove(ref)
                    if choice is WAITING:
                        waiting.append(ref)  # back in hand when its turn comes again
                    idle += 1
                    if idle > 2 * plan.in_hand:
                        time.sleep(IDLE_PAUSE)
                    continue
                assert isinstance(choice, Action)
                idle = 0
                report.writes.append(_perform(services, choice))
            except Conflict:
                report.conflicts += 1
            except TransitionNotAllowed:
                report.refused += 1
            except Exception as exc:  # the verification reports it: a worker must not crash
                report.unexpected.append(describe_error(exc))
        report.seconds = time.perf_counter() - started
    finally:
        database.dispose()
    return report


def _perform(services: Services, action: Action) -> Write:
    outcome: Outcome
    based_on: int | None = action.expected_version
    if action.kind == "advance":
        outcome = act.advance(services, action.ref, action.name, actor=action.actor,
                              reason=action.reason, expected_version=action.expected_version)
    elif action.kind == "tick":
        based_on = None
        outcome = act.tick(services, action.ref, action.name, actor=action.actor)
    elif action.kind == "place":
        assert action.supervisor is not None
        outcome = act.place(services, action.ref, division=action.name,
                            supervisor=action.supervisor, actor=action.actor,
                            expected_version=action.expected_version)
    elif action.kind == "sign_off":
        outcome = act.sign_off(services, action.ref, action.name, actor=action.actor,
                               approve=action.approve, comment=action.reason,
                               expected_version=action.expected_version)
    else:  # pragma: no cover - choices.py makes only the four above
        raise AssertionError(f"unknown action {action.kind}")
    # A tick that finds its item ticked already (by a rival who committed first) succeeds
    # without writing; its message is the only thing that tells the two apart.
    wrote = not (action.kind == "tick" and "was already ticked" in outcome.message)
    return Write(action.ref, action.label, based_on, outcome.version, wrote)


def _batch_dates(services: Services) -> dict[str, BatchDates]:
    return {
        batch["ref"]: BatchDates(
            date.fromisoformat(batch["start"]),
            date.fromisoformat(batch["milestones"]["study_visit"]),
        )
        for batch in views.batch_list(services)
    }


def describe_error(exc: BaseException) -> str:
    """One line: the exception and where it was raised."""
    last = traceback.extract_tb(exc.__traceback__)[-1]
    return f"{type(exc).__name__}: {exc} (at {last.filename}:{last.lineno})"
