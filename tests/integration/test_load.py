"""The load test at its small size, on SQLite and PostgreSQL: three worker processes
racing on the same officers while two dispatcher processes send reminders to a real
SMTP server, then every check of ``loadtest.verify`` must hold.

Speed is never asserted (``python -m loadtest --size full`` measures it); only that
the run agrees with itself, and that it did race and send, so it proved something.
"""

from __future__ import annotations

import pytest

from loadtest.load import run_load
from loadtest.report import summary
from loadtest.sizes import SMALL
from loadtest.verify import verify

CHECKS = ("replay", "writes", "versions", "mail", "crashes")


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

    assert {check: [] for check in CHECKS} == verification.findings
    assert [] == [r.worker for r in run.workers if not r.writes]  # every worker worked
    assert sum(r.conflicts for r in run.workers) > 0  # and they did collide
    assert run.received  # reminders fell due and were sent meanwhile
    assert verification.audit_events > 0
