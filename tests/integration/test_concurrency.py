"""Concurrent writers on one officer: one wins, the others are told so, nothing is lost.

Across OS processes the race is made likely (the processes are released together once
their imports are done); within one process it is made certain, by holding one writer
just before its first write while the other commits.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from lifecycle.clock import FakeClock
from lifecycle.errors import Conflict
from lifecycle.persistence.database import Database
from lifecycle.persistence.tables import Officer
from lifecycle.services import Services, setup, views
from lifecycle.services import officers as act
from lifecycle.services.officers import Outcome
from notifications.wiring import with_reminders
from tests.conftest import START
from tests.integration import PROCESS_TIMEOUT, Run, cli_env
from tests.support import COORDINATOR, INDUCTION, dump, nominate, seed_programme

ROUNDS = 4  # officers raced for, one after the other: each round is a fresh chance to clash
WAIT = 60  # seconds: only ever reached if a thread is stuck, which fails the test

# Runs the CLI exactly as ``python -m lifecycle`` does, but only once told to go on
# stdin: the imports (most of a process's start-up) are done before the start line.
GATE = """
import runpy, sys
import console.app
print("ready", flush=True)
sys.stdin.readline()
runpy.run_module("lifecycle", run_name="__main__", alter_sys=True)
"""


def together(url: str, commands: list[tuple[str, ...]]) -> list[Run]:
    """Start one CLI process per command, release them all at once, wait for every one."""
    with ExitStack() as stack:
        procs = [
            stack.enter_context(subprocess.Popen(
                [sys.executable, "-c", GATE, "--database", url, *args],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, encoding="utf-8", env=cli_env(),
            ))
            for args in commands
        ]
        stack.callback(_kill_stragglers, procs)  # runs first: a stuck child must not hang us
        for proc in procs:
            assert proc.stdout is not None
            assert "ready\n" == proc.stdout.readline()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = [proc.communicate(timeout=PROCESS_TIMEOUT) for proc in procs]
        return [Run(p.returncode, out, err) for p, (out, err) in zip(procs, outputs, strict=True)]


def _kill_stragglers(procs: list[subprocess.Popen[str]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()


def assert_told_in_one_line(run: Run) -> None:
    assert 1 == len(run.err_lines), run.err
    assert run.err.startswith("attache: ")


def transitions(services: Services, ref: str) -> list[tuple[str, str, str]]:
    history = views.officer_detail(services, ref)["history"]
    return [(h["trigger"], h["from"], h["to"]) for h in history if h["kind"] == "transition"]


def ticked(services: Services, ref: str) -> set[str]:
    return {i["key"] for c in views.officer_detail(services, ref)["checklist"]
            for i in c["items"] if i["ticked"]}


@pytest.mark.slow  # a real process, started and stopped
def test_two_processes_accepting_one_officer_one_wins_one_conflicts(
    database_url: str, services: Services
) -> None:
    """Same officer, same --expect-version, same moment: exit 0 once, exit 5 once."""
    seed_programme(services)
    for ref in nominate(services, ROUNDS):
        version = str(views.officer_detail(services, ref)["version"])
        accept = ("officer", "advance", ref, "accept", "--as", COORDINATOR,
                  "--expect-version", version)

        runs = together(database_url, [accept, accept])

        assert [0, 5] == sorted(r.code for r in runs), [r.err for r in runs]
        assert_told_in_one_line(next(r for r in runs if r.code == 5))
        assert "accepted" == views.officer_detail(services, ref)["state"]
        assert [("accept", "nominated", "accepted")] == transitions(services, ref)


@pytest.mark.slow  # a real process, started and stopped
def test_processes_ticking_one_officer_at_once_succeed_or_conflict(
    database_url: str, services: Services
) -> None:
    """One process per induction item: each exits 0 or 5, and exactly the 0s are ticked."""
    seed_programme(services)
    refs = nominate(services, ROUNDS)
    for ref in refs:
        act.advance(services, ref, "accept", actor=COORDINATOR)
        act.advance(services, ref, "start_induction", actor=COORDINATOR)
    for ref in refs:
        runs = together(database_url, [("checklist", "tick", ref, item, "--as", COORDINATOR)
                                       for item in INDUCTION])

        codes = {item: run.code for item, run in zip(INDUCTION, runs, strict=True)}
        assert set() == set(codes.values()) - {0, 5}, [r.err for r in runs]
        assert 0 in codes.values()  # whoever commits first cannot have lost
        for run in runs:
            if run.code == 5:
                assert_told_in_one_line(run)
        assert {item for item, code in codes.items() if code == 0} == ticked(services, ref)


@pytest.fixture
def rivals(database_url: str) -> Iterator[tuple[Services, Services]]:
    """Two coordinators' services on one database, as two web workers would have them."""
    # Distinct clocks: both writers' changes must differ from what is stored.
    first = with_reminders(Services(Database(database_url), FakeClock(START)))
    second = with_reminders(Services(Database(database_url),
                                     FakeClock(START + timedelta(hours=1))))
    yield first, second
    first.db.dispose()
    second.db.dispose()


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run ``work`` in a thread; its result or exception lands in the returned dict."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except Exception as exc:  # handed to the test, which asserts on it
            outcome["result"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


class HoldFirstWrite:
    """Holds an engine's next INSERT/UPDATE/DELETE until released: the writer has read."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.holding = threading.Event()
        self.release = threading.Event()
        self.armed = True
        event.listen(engine, "before_cursor_execute", self.before)

    def before(self, *args: Any) -> None:
        statement: str = args[2]
        if self.armed and statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            self.armed = False
            self.holding.set()
            assert self.release.wait(WAIT), "nobody released the held writer"

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self.before)


def test_a_stale_expected_version_is_refused_and_writes_nothing(
    rivals: tuple[Services, Services],
) -> None:
    """A looks, B changes a fact, A acts on what it saw: Conflict, and no row of A's."""
    a, b = rivals
    seed_programme(a)
    [ref] = nominate(a, 1)
    act.advance(a, ref, "accept", actor=COORDINATOR)
    looked, go = threading.Event(), threading.Event()

    def coordinator_a() -> Outcome:
        version = views.officer_detail(a, ref)["version"]
        looked.set()
        assert go.wait(WAIT)
        return act.advance(a, ref, "start_induction", actor=COORDINATOR,
                           expected_version=version)

    thread_a, outcome_a = in_thread(coordinator_a)
    try:
        assert looked.wait(WAIT)
        thread_b, outcome_b = in_thread(
            lambda: act.tick(b, ref, "asean_introduction", actor=COORDINATOR))
        thread_b.join()
        after_b = dump(a)
    finally:
        go.set()
        thread_a.join()

    assert isinstance(outcome_b["result"], Outcome), outcome_b["result"]
    assert isinstance(outcome_a["result"], Conflict), outcome_a["result"]
    assert after_b == dump(a)
    assert "accepted" == views.officer_detail(a, ref)["state"]


def race(a: Services, b: Services, act_a: Callable[[], Any], act_b: Callable[[], Any]) -> Any:
    """B reads, then A commits, then B writes; returns what B got (result or exception)."""
    hold = HoldFirstWrite(b.db.engine)
    try:
        thread_b, outcome_b = in_thread(act_b)
        assert hold.holding.wait(WAIT)
        act_a()
    finally:
        hold.release.set()
        thread_b.join()
        hold.remove()
    return outcome_b["result"]


def test_an_accept_that_loses_the_race_is_refused_and_writes_nothing(
    rivals: tuple[Services, Services],
) -> None:
    """No --expect-version: B read 'nominated' but A accepted first; the version catches B."""
    a, b = rivals
    seed_programme(a)
    [ref] = nominate(a, 1)
    snapshots: list[Any] = []

    def accept_a() -> None:
        act.advance(a, ref, "accept", actor=COORDINATOR)
        snapshots.append(dump(a))

    lost = race(a, b, accept_a, lambda: act.advance(b, ref, "accept", actor=COORDINATOR))

    assert isinstance(lost, Conflict), lost
    assert [lost.message] == lost.message.splitlines()
    assert snapshots == [dump(a)]
    assert [("accept", "nominated", "accepted")] == transitions(a, ref)


def test_nominations_racing_into_one_batch_never_fail_with_more_than_one_line(
    rivals: tuple[Services, Services],
) -> None:
    """Two coordinators nominate two people into JD17 at once: B is nominated too, or is
    refused with a Conflict whose message is one line (no SQL) and writes nothing."""
    a, b = rivals
    seed_programme(a)
    snapshots: list[Any] = []

    def nominating(services: Services, name: str) -> Outcome:
        return setup.nominate(services, batch="JD17", name=name, country="LA",
                              ministry="Ministry of Foreign Affairs",
                              email=f"{name.lower()}@mofa.example", actor=COORDINATOR)

    def nominate_a() -> None:
        nominating(a, "Souksavanh")
        snapshots.append(dump(a))

    outcome = race(a, b, nominate_a, lambda: nominating(b, "Phommachanh"))

    assert isinstance(outcome, Outcome | Conflict), outcome
    names = {o["name"] for o in views.officer_list(a, batch="JD17")}
    if isinstance(outcome, Conflict):
        assert [outcome.message] == outcome.message.splitlines()
        assert snapshots == [dump(a)]
        assert {"Souksavanh"} == names
    else:
        assert {"Souksavanh", "Phommachanh"} == names


def test_re_planning_a_batch_someone_changed_meanwhile_writes_nothing(
    rivals: tuple[Services, Services],
) -> None:
    """B has read the batch's officers to re-plan them all (as dating the study visit
    does); A accepts one of them first. B's one-statement version bump of the batch's
    officers catches it: a Conflict, and nothing of B's is written."""
    a, b = rivals
    seed_programme(a)
    refs = nominate(a, 3)
    snapshots: list[Any] = []
    with pytest.raises(Conflict), b.transaction() as session:
        officers = list(session.scalars(select(Officer).order_by(Officer.id)))
        assert refs == [o.ref for o in officers]
        act.advance(a, refs[1], "accept", actor=COORDINATOR)
        snapshots.append(dump(a))
        b.officers_changed(session, officers)
    assert snapshots == [dump(a)]
