"""The load test at its small size, on SQLite and PostgreSQL: three worker processes
racing on the same officers while two dispatcher processes send reminders to a real
SMTP server, then every check of ``loadtest.verify`` must hold.

Speed is never asserted (``python -m loadtest --size full`` measures it); only that
the run agrees with itself, and that it did race and send, so it proved something.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event

from lifecycle.clock import FakeClock
from lifecycle.errors import Conflict
from lifecycle.persistence.database import Database
from lifecycle.services import Services, views
from lifecycle.services import officers as act
from loadtest import programme
from loadtest.load import run_load
from loadtest.report import summary
from loadtest.sizes import SMALL
from loadtest.verify import verify
from notifications.wiring import with_reminders

CHECKS = ("replay", "writes", "versions", "mail", "sent_rows", "crashes")


@pytest.mark.slow
def test_racing_workers_and_two_dispatchers_leave_a_consistent_record(database_url: str) -> None:
    """After 10 s of 3 workers advancing, placing, ticking and signing off 40 officers
    (each officer in every worker's hands) while 2 dispatchers send what falls due:
    the audit log replays to each officer's state through legal transitions only;
    every success is stored exactly once and nothing refused is; each officer's
    versions run consecutively; each reminder arrived once, exactly the rows marked
    sent; nothing is left claimed; no process failed."""
    run = run_load(database_url, SMALL)
    verification = verify(run)
    print(summary(database_url.split(":")[0], run, verification))

    assert {check: [] for check in CHECKS} == {c: verification.findings[c] for c in CHECKS}
    assert [] == [r.worker for r in run.workers if not r.writes]  # every worker worked
    assert sum(r.conflicts for r in run.workers) > 0  # and they did collide
    assert run.received  # reminders fell due and were sent meanwhile
    assert verification.audit_events > 0


# --- Found by the load test ---------------------------------------------------------------


@pytest.fixture
def rival_services(database_url: str) -> Iterator[tuple[Services, Services]]:
    """One officer (placed, in placement) and two coordinators' services on it."""
    programme.seed(database_url, 1, placed=1)
    mine = with_reminders(Services(Database(database_url), FakeClock(programme.START)))
    rival = with_reminders(Services(Database(database_url), FakeClock(programme.START)))
    yield mine, rival
    mine.db.dispose()
    rival.db.dispose()


def rival_first(services: Services, rival_action: Callable[[], object]) -> list[object]:
    """Runs ``rival_action`` (committing) just before ``services`` first reads the
    placements: after its version check, before the rows it judges the request on."""
    done: list[object] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM placements" in statement and not done:
            done.append(rival_action())

    event.listen(services.db.engine, "before_cursor_execute", before)
    return done


def test_a_placement_overtaken_by_an_identical_one_is_a_conflict(
    rival_services: tuple[Services, Services],
) -> None:
    """Two coordinators move one officer to the same division at once; the one whose
    version check passed just before the other committed is told Conflict (reload),
    not InvalidData "already placed" (found on PostgreSQL, where each statement
    sees the latest commits), and writes nothing."""
    mine, rival = rival_services
    [ref] = [o["ref"] for o in views.officer_list(mine)]
    version = views.officer_detail(mine, ref)["version"]
    division, supervisor = programme.DIVISIONS[1], programme.SUPERVISORS[1]

    def move() -> object:
        return act.place(rival, ref, division=division,
                         supervisor=supervisor, actor=programme.COORDINATOR)

    done = rival_first(mine, move)
    with pytest.raises(Conflict):
        act.place(mine, ref, division=division, supervisor=supervisor,
                  actor=programme.COORDINATOR, expected_version=version)

    assert 1 == len(done)
    placements = views.officer_detail(mine, ref)["history"]
    assert 2 == len([h for h in placements if h["kind"] == "placement"])  # seeding's, rival's


def test_a_sign_off_overtaken_by_a_move_is_a_conflict(
    rival_services: tuple[Services, Services],
) -> None:
    """The supervisor signs off while a coordinator moves the officer to another
    supervisor: Conflict, not PermissionDenied "only the supervisor can sign off"."""
    mine, rival = rival_services
    [ref] = [o["ref"] for o in views.officer_list(mine)]
    version = views.officer_detail(mine, ref)["version"]

    def move() -> object:
        return act.place(rival, ref, division=programme.DIVISIONS[1],
                         supervisor=programme.SUPERVISORS[1], actor=programme.COORDINATOR)

    rival_first(mine, move)
    with pytest.raises(Conflict):
        act.sign_off(mine, ref, "placement.midterm", actor=programme.SUPERVISORS[0],
                     approve=True, expected_version=version)

    assert [] == [h for h in views.officer_detail(mine, ref)["history"] if h["kind"] == "signoff"]
