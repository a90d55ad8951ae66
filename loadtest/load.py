"""One load run: seed a programme, start the workers and dispatchers as OS processes
(spawned), release them together, collect what each did, and what the mail server got.

The caller verifies the result (``loadtest.verify``); nothing here judges it.
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from multiprocessing.context import ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from typing import Any

from loadtest import programme
from loadtest.clock import SimulatedClock
from loadtest.dispatching import DispatcherReport, run_dispatcher
from loadtest.sizes import LoadSize
from loadtest.smtp import Received, SmtpServer
from loadtest.worker import WorkerPlan, WorkerReport, describe_error, run_worker

READY_WAIT = 120.0  # seconds for a spawned process to import and connect
# Beyond the run's own seconds: a worker's last action, and the dispatchers' last pass,
# which sends everything due by the end (a backlog, if they fell behind the clock).
# Only a safety net against a hung process, which the verification then reports.
FINISH_WAIT = 1800.0
# Simulated time starts an hour after the seeding, so the programme is all in the past.
SIMULATED_START = programme.START + timedelta(hours=1)


@dataclass
class LoadRun:
    size: LoadSize
    url: str
    seeding: programme.Seeding  # each officer's version, and what was written, before the run
    clock: SimulatedClock
    workers: list[WorkerReport] = field(default_factory=list)
    dispatchers: list[DispatcherReport] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    # Processes that crashed or never reported: one line each.
    lost: list[str] = field(default_factory=list)
    seed_seconds: float = 0.0


def slices(refs: list[str], size: LoadSize) -> list[list[str]]:
    """Each worker's officers. The officer at position j (after one seeded shuffle) is
    given to ``share`` consecutive workers, and each worker takes its officers up in
    that same order: workers sharing officers reach them at about the same time."""
    order = list(refs)
    random.Random(size.seed).shuffle(order)
    share = min(size.share, size.workers)
    given: list[list[str]] = [[] for _ in range(size.workers)]
    for j, ref in enumerate(order):
        for t in range(share):
            given[(j + t) % size.workers].append(ref)
    return given


def run_load(url: str, size: LoadSize, say: Callable[[str], None] = lambda _: None) -> LoadRun:
    """Seed ``url`` (initialised, empty) and run ``size`` against it."""
    began = time.perf_counter()
    seeding = programme.seed(url, size.officers, size.placed)
    seed_seconds = time.perf_counter() - began
    say(f"seeded {size.officers} officers ({size.placed} placed) in {seed_seconds:.1f} s")
    context = _process_context()
    starts: Queue[SimulatedClock] = context.Queue()
    results: Queue[tuple[str, Any]] = context.Queue()
    stop = context.Event()
    with SmtpServer() as smtp:
        processes = [
            context.Process(
                target=_worker_process, name=f"worker-{i}",
                args=(WorkerPlan(i, url, refs, size.in_hand, size.seed * 1000 + i), starts,
                      results),
            )
            for i, refs in enumerate(slices(list(seeding.versions), size))
        ] + [
            context.Process(target=_dispatcher_process, name=f"dispatcher-{i}",
                            args=(i, url, smtp.port, starts, results, stop))
            for i in range(size.dispatchers)
        ]
        try:
            for process in processes:
                process.start()
            clock = _start_together(processes, size, starts, results)
            say(f"{len(processes)} processes started in "
                f"{time.perf_counter() - began - seed_seconds:.1f} s")
            say(f"{size.workers} workers and {size.dispatchers} dispatchers running for "
                f"{size.seconds:g} s ({clock.simulated_start:%Y-%m-%d} to "
                f"{clock.simulated_end:%Y-%m-%d} simulated)")
            run = LoadRun(size, url, seeding, clock, seed_seconds=seed_seconds)
            _collect(run, processes, results, stop, say)
        finally:
            for process in processes:
                process.join(timeout=FINISH_WAIT if process.exitcode is None else 0)
                if process.is_alive():
                    process.kill()
                    process.join()
        run.received = smtp.received
    run.lost += [f"{p.name} exited with {p.exitcode}" for p in processes if p.exitcode != 0]
    return run


def _process_context() -> ForkServerContext | SpawnContext:
    """Fresh processes, never forks of this one (its threads and open connections must
    not be copied). A fork server that has imported the product once hands each child
    the imports ready-made, seconds of start-up each on a busy machine; where there is
    no fork server, children are spawned and import everything themselves."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["loadtest.load"])
        return context
    return multiprocessing.get_context("spawn")


def _start_together(
    processes: Sequence[BaseProcess],
    size: LoadSize,
    starts: Queue[SimulatedClock],
    results: Queue[tuple[str, Any]],
) -> SimulatedClock:
    for _ in processes:
        kind, name = results.get(timeout=READY_WAIT)
        if kind != "ready":
            raise RuntimeError(f"a process failed while starting: {name}")
    wall_start = time.time() + 0.1  # time for the start message to reach every process
    clock = SimulatedClock(
        simulated_start=SIMULATED_START, wall_start=wall_start,
        wall_end=wall_start + size.seconds,
        speed=size.simulated.total_seconds() / size.seconds,
    )
    for _ in processes:
        starts.put(clock)
    return clock


def _collect(
    run: LoadRun,
    processes: Sequence[BaseProcess],
    results: Queue[tuple[str, Any]],
    stop: Event,
    say: Callable[[str], None],
) -> None:
    """Every worker's report, then (time being over) stop the dispatchers and take theirs."""
    deadline = time.monotonic() + run.size.seconds + FINISH_WAIT
    expected = {p.name for p in processes}
    while expected and time.monotonic() < deadline:
        workers_done = len(run.workers) + sum(1 for r in run.lost if r.startswith("worker"))
        if workers_done == run.size.workers and run.clock.over() and not stop.is_set():
            stop.set()
            say("time is up and the workers are done; the dispatchers send what is due")
        try:
            kind, payload = results.get(timeout=0.2)
        except queue.Empty:
            continue
        if kind == "worker":
            run.workers.append(payload)
            expected.discard(f"worker-{payload.worker}")
        elif kind == "dispatcher":
            run.dispatchers.append(payload)
            expected.discard(f"dispatcher-{payload.dispatcher}")
        else:  # "crashed"
            name, error = payload
            run.lost.append(f"{name} crashed: {error}")
            expected.discard(name)
    stop.set()
    run.lost += [f"{name} reported nothing" for name in sorted(expected)]
    run.workers.sort(key=lambda r: r.worker)
    run.dispatchers.sort(key=lambda r: r.dispatcher)


def _begin(
    name: str, starts: Queue[SimulatedClock], results: Queue[tuple[str, Any]]
) -> Callable[[], SimulatedClock]:
    def begin() -> SimulatedClock:
        results.put(("ready", name))
        return starts.get()

    return begin


def _worker_process(
    plan: WorkerPlan, starts: Queue[SimulatedClock], results: Queue[tuple[str, Any]]
) -> None:
    name = f"worker-{plan.worker}"
    try:
        results.put(("worker", run_worker(plan, _begin(name, starts, results))))
    except BaseException as exc:
        results.put(("crashed", (name, describe_error(exc))))
        raise


def _dispatcher_process(
    number: int, url: str, port: int, starts: Queue[SimulatedClock],
    results: Queue[tuple[str, Any]], stop: Event,
) -> None:
    name = f"dispatcher-{number}"
    try:
        begin = _begin(name, starts, results)
        results.put(("dispatcher", run_dispatcher(number, url, port, begin, stop)))
    except BaseException as exc:
        results.put(("crashed", (name, describe_error(exc))))
        raise
