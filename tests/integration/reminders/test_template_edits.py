"""A coordinator edits a template while the scheduler keeps running: the dispatcher's
long-lived renderer sends the edited version from the next pass on (on SQLite and
PostgreSQL), though it checks each template file for edits once a claim, not on every
lookup (``TemplateRenderer.edits_checked_once``)."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from lifecycle.clock import FakeClock
from lifecycle.services import Services
from notifications.rendering import TemplateRenderer
from tests.integration.reminders.conftest import SmtpServer, make_dispatcher
from tests.support import nominate, seed_programme, to_placement

# Officers enter placement on Mon 2 Jan 2023 (the clock fixture's start); their monthly
# activity reports fall due from Thu 2 Feb 2023, 09:00 in Phnom Penh.
FIRST_REPORT_DUE = datetime(2023, 2, 2, 9, 0, tzinfo=ZoneInfo("Asia/Phnom_Penh"))
SUBJECT = "activity_report_due.subject.j2"


def _write(folder: Path, filename: str, text: str, age: int) -> None:
    """Written, its mtime set ``age`` seconds from now: two saves within one tick of the
    file system's clock would otherwise share an mtime (Jinja compares mtimes)."""
    path = folder / filename
    path.write_text(text, encoding="utf-8")
    stamp = time.time() + age
    os.utime(path, (stamp, stamp))


def _subjects(server: SmtpServer, since: int) -> set[str]:
    return {message.subject for message in server.received[since:]}


def test_a_template_edited_between_passes_is_sent_from_the_next_pass(
    services: Services, clock: FakeClock, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    seed_programme(services)
    for ref in nominate(services, 3):
        to_placement(services, ref)
    renderer = TemplateRenderer(tmp_path)  # one renderer for every pass, as the scheduler
    dispatcher = make_dispatcher(services, smtp_server.port, clock, renderer)

    def next_pass(days: int) -> set[str]:
        """The subjects of the pass ``days`` later, which sends one to each officer."""
        clock.advance(timedelta(days=days))
        sent = len(smtp_server.received)
        assert len(dispatcher.run_once().sent) == 3
        return _subjects(smtp_server, sent)

    clock.set(FIRST_REPORT_DUE + timedelta(hours=1))
    shipped = next_pass(0)
    assert all(subject.startswith("Monthly activity report due") for subject in shipped), shipped

    # The first override of a shipped part (a file the override folder did not have).
    _write(tmp_path, SUBJECT, "First edit for {{ officer.ref }}\n", age=0)
    first = next_pass(31)
    assert len(first) == 3 and all(s.startswith("First edit for ") for s in first), first

    # An edit of that override.
    _write(tmp_path, SUBJECT, "Second edit for {{ officer.ref }}\n", age=1)
    second = next_pass(30)
    assert len(second) == 3 and all(s.startswith("Second edit for ") for s in second), second

    # The override removed: back to the shipped template.
    (tmp_path / SUBJECT).unlink()
    back = next_pass(31)
    assert all(subject.startswith("Monthly activity report due") for subject in back), back
