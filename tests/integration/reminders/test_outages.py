"""Outages: the SMTP server down or refusing, the scheduler down for days.

Every test drives the real dispatcher (``Dispatcher.run_once``) under a ``FakeClock``
against a real aiosmtpd server, on SQLite and on PostgreSQL, and checks what reached
the server against the reminder rows: every due reminder exactly once, stale ones never.
"""

from __future__ import annotations

import itertools
import json
import queue
import signal
import subprocess
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from lifecycle.clock import FakeClock
from lifecycle.persistence import outbox
from lifecycle.services import Services, setup
from notifications.dispatch import Dispatcher, DispatchSettings
from notifications.message import message_id_for
from notifications.rendering import TemplateRenderer
from notifications.scheduler import queue_digest
from tests.integration.reminders.conftest import (
    PROCESS_TIMEOUT,
    RecordingHandler,
    SmtpServer,
    by_key,
    cli_argv,
    cli_env,
    make_dispatcher,
    rows,
    run_cli,
)
from tests.support import COORDINATOR, SUPERVISOR, nominate, seed_programme, to_placement

JAKARTA = ZoneInfo("Asia/Jakarta")
OFFICERS = 7  # the batch's whole quota for Cambodia
SECOND_COORDINATOR = "coord2@asean.example"
# Officers enter placement on Mon 2 Jan 2023 (the clock fixture's start); their first
# monthly activity report is due Thu 2 Feb 2023 at 09:00 in Phnom Penh (02:00 UTC).
FIRST_REPORT_DUE = datetime(2023, 2, 2, 9, 0, tzinfo=ZoneInfo("Asia/Phnom_Penh"))


def _officers_in_placement(services: Services, n: int = OFFICERS) -> list[str]:
    seed_programme(services)
    refs = nominate(services, n)
    for ref in refs:
        to_placement(services, ref)
    return refs


def _report_keys(refs: Iterable[str], occurrence: int) -> set[str]:
    return {
        f"{ref}/activity_report/{occurrence}/o{i}.kh@mfa.example" for i, ref in enumerate(refs)
    }


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.astimezone(JAKARTA).replace(hour=hour, minute=minute)


@dataclass
class Passes:
    """Runs dispatch passes on a schedule and records when each row was tried."""

    dispatcher: Dispatcher
    clock: FakeClock
    tried: dict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    expired: int = 0

    def run(self, until: datetime, every: timedelta) -> list[datetime]:
        """One pass now, then every ``every`` while the clock is before ``until``."""
        instants = []
        while True:
            instants.append(self.clock.now())
            report = self.dispatcher.run_once()
            self.expired += report.expired
            for key in [*report.sent, *report.retrying, *report.failed]:
                self.tried[key].append(self.clock.now())
            if self.clock.now() + every > until:
                return instants
            self.clock.advance(every)


def _backoff_model(
    settings: DispatchSettings, passes: list[datetime], due: datetime, accepted: datetime
) -> tuple[list[datetime], str]:
    """When a row due at ``due`` should be tried, given passes at ``passes`` and a server
    that refuses everything before ``accepted``: retry after first_retry, doubling each
    time up to max_retry, and give up after max_attempts tries."""
    tried: list[datetime] = []
    next_at = due
    for instant in passes:
        if instant < next_at:
            continue
        tried.append(instant)
        if instant >= accepted:
            return tried, outbox.SENT
        if len(tried) >= settings.max_attempts:
            return tried, outbox.FAILED
        next_at = instant + min(
            settings.first_retry * 2 ** (len(tried) - 1), settings.max_retry
        )
    return tried, outbox.PENDING


def _assert_received_once(server: SmtpServer, keys: set[str]) -> None:
    received = server.received
    assert sorted(keys) == sorted(m.key for m in received)  # each once, none missing
    assert {message_id_for(k) for k in keys} == {m.message_id for m in received}


def test_smtp_down_for_hours_then_back(
    services: Services, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    """The server refuses connections from an hour before the reminders fall due until
    two hours after: each row is retried on the exponential backoff (2, 4, 8... minutes),
    records the refusal, and is received exactly once when the server is back."""
    refs = _officers_in_placement(services)
    due_keys = _report_keys(refs, 1)
    smtp_server.stop()  # connection refused on its port from now on
    clock.set(_at(FIRST_REPORT_DUE, 8))
    dispatcher = make_dispatcher(services, smtp_server.port, clock)
    passes = Passes(dispatcher, clock)
    back = _at(FIRST_REPORT_DUE, 11)
    instants = passes.run(until=back - timedelta(minutes=5), every=timedelta(minutes=5))

    down = by_key(services)
    assert due_keys == {k for k, r in down.items() if r.attempts}  # nothing else was tried
    for key in due_keys:
        row = down[key]
        assert (outbox.PENDING, None) == (row.status, row.sent_at)
        assert row.last_error is not None
        assert f"cannot start an SMTP session with 127.0.0.1:{smtp_server.port}" in (
            row.last_error
        )
        assert "Connection refused" in row.last_error
    assert [] == smtp_server.received

    smtp_server.start()  # the same port again
    clock.set(back)
    instants += passes.run(until=_at(FIRST_REPORT_DUE, 18), every=timedelta(minutes=5))

    _assert_received_once(smtp_server, due_keys)
    settings = dispatcher.settings
    expected_tries, expected_status = _backoff_model(settings, instants, FIRST_REPORT_DUE, back)
    assert outbox.SENT == expected_status  # the scenario stays within the retry budget
    final = by_key(services)
    for key in due_keys:
        row = final[key]
        assert expected_tries == passes.tried[key]
        assert (outbox.SENT, len(expected_tries), expected_tries[-1]) == (
            row.status, row.attempts, row.sent_at,
        )
        assert row.attempts <= settings.max_attempts
    # Between tries the wait doubles (2, 4, 8... minutes, capped), rounded up to a pass.
    tried = passes.tried[min(due_keys)]
    waits = [later - earlier for earlier, later in itertools.pairwise(tried)]
    assert len(waits) >= 4, "the outage should span several retries"
    for n, wait in enumerate(waits):
        backoff = min(settings.first_retry * 2**n, settings.max_retry)
        assert backoff <= wait < backoff + timedelta(minutes=5)


@dataclass
class RefusingHandler(RecordingHandler):
    """Answers ``refuse[address]`` to RCPT TO for those addresses, accepts the rest."""

    refuse: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:
        if address in self.refuse:
            return self.refuse[address]
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def test_a_451_reply_is_retried_and_later_accepted(
    services: Services, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    """A greylisting 451 is transient: the row waits first_retry, records the server's
    answer, and goes out once on the next try."""
    refs = _officers_in_placement(services, 3)
    due_keys = _report_keys(refs, 1)
    clock.set(_at(FIRST_REPORT_DUE, 10))
    dispatcher = make_dispatcher(services, smtp_server.port, clock)
    smtp_server.handler.reply = "451 4.7.1 Greylisted, please try again later"
    first = dispatcher.run_once()
    assert (sorted(due_keys), []) == (sorted(first.retrying), first.sent)
    smtp_server.handler.reply = None
    retry_at = clock.now() + dispatcher.settings.first_retry
    passes = Passes(dispatcher, clock)
    passes.run(until=clock.now() + timedelta(minutes=30), every=timedelta(minutes=1))

    _assert_received_once(smtp_server, due_keys)
    for key, row in by_key(services).items():
        if key not in due_keys:
            continue
        assert [retry_at] == passes.tried[key]
        assert (outbox.SENT, 2, retry_at) == (row.status, row.attempts, row.sent_at)
        assert row.last_error is not None
        assert "answered 451 4.7.1 Greylisted, please try again later" in row.last_error


def test_a_451_forever_gives_up_after_max_attempts(
    services: Services, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    """A server that answers 451 to every try: the row is tried exactly max_attempts
    times on the backoff, then marked failed with the answer, and never tried again."""
    refs = _officers_in_placement(services, 2)
    due_keys = _report_keys(refs, 1)
    clock.set(_at(FIRST_REPORT_DUE, 9))
    smtp_server.handler.reply = "451 4.3.0 Mail server temporarily rejected message"
    dispatcher = make_dispatcher(services, smtp_server.port, clock)
    passes = Passes(dispatcher, clock)
    instants = passes.run(until=_at(FIRST_REPORT_DUE, 21), every=timedelta(minutes=1))

    settings = dispatcher.settings
    never = instants[-1] + timedelta(days=1)
    expected_tries, expected_status = _backoff_model(settings, instants, FIRST_REPORT_DUE, never)
    assert (outbox.FAILED, settings.max_attempts) == (expected_status, len(expected_tries))
    for key, row in by_key(services).items():
        if key not in due_keys:
            continue
        assert expected_tries == passes.tried[key]
        assert (outbox.FAILED, settings.max_attempts, None) == (
            row.status, row.attempts, row.sent_at,
        )
        assert row.last_error == (
            f"gave up after {settings.max_attempts} attempts: 127.0.0.1:{smtp_server.port} "
            f"answered 451 4.3.0 Mail server temporarily rejected message for {row.recipient_email}"
        )
    assert [] == smtp_server.received


def test_a_5xx_reply_fails_that_reminder_with_the_answer_and_never_retries_it(
    services: Services, clock: FakeClock
) -> None:
    """One mailbox answers 550: that reminder is failed at once with the server's words
    and never sent again; the others go out exactly once."""
    refused = "o1.kh@mfa.example"
    handler = RefusingHandler(refuse={refused: "550 5.1.1 <o1.kh@mfa.example>: no such user"})
    server = SmtpServer(handler=handler)
    server.start()
    try:
        refs = _officers_in_placement(services, 3)
        due_keys = _report_keys(refs, 1)
        (refused_key,) = {k for k in due_keys if k.endswith(refused)}
        clock.set(_at(FIRST_REPORT_DUE, 10))
        dispatcher = make_dispatcher(services, server.port, clock)
        first = dispatcher.run_once()
        assert [refused_key] == first.failed
        after_first = by_key(services)[refused_key]
        passes = Passes(dispatcher, clock)
        passes.run(until=clock.now() + timedelta(days=2), every=timedelta(hours=1))

        _assert_received_once(server, due_keys - {refused_key})
        assert refused_key not in passes.tried
        row = by_key(services)[refused_key]
        assert (outbox.FAILED, 1, None) == (row.status, row.attempts, row.sent_at)
        assert row.last_error == (
            f"127.0.0.1:{server.port} answered 550 5.1.1 <o1.kh@mfa.example>: no such user "
            f"for {refused}"
        )
        assert after_first.updated_at == row.updated_at  # untouched by the later passes
    finally:
        server.stop()


# --- The scheduler down for three days ------------------------------------------------
# Mon 3 Jul 2023 08:00 Jakarta: the last pass before the outage; the 08:00 digest job has
# queued the coordinators' digests (they expire after 20 hours, at 04:00 on Tuesday).
# Nothing runs until Thu 6 Jul 08:00, exactly three days later. Meanwhile (derived from
# junior-diplomats.v1.yaml for officers placed on Mon 2 Jan, as in test_programme_year):
# - activity report #6, due Sun 2 Jul -> Mon 3 Jul 09:00 Phnom Penh, expires after 14 days;
# - mid-term sign-off due #2, Mon 3 Jul 09:00 Jakarta (the deadline), expires after 7 days;
# - mid-term overdue #1, Tue 4 Jul 09:00 Jakarta, expires after 3 days (Fri 09:00).
# The next, overdue #2, falls due on Fri 7 Jul 09:00.
GAP_START = datetime(2023, 7, 3, 8, 0, tzinfo=JAKARTA)
GAP_END = GAP_START + timedelta(days=3)


def _missed_in_the_gap(refs: list[str]) -> set[str]:
    return _report_keys(refs, 6) | {
        f"{ref}/{rule}/{SUPERVISOR}"
        for ref in refs
        for rule in ("midterm_due/2", "midterm_overdue/1")
    }


def _digest_keys() -> set[str]:
    return {f"digest/2023-07-03/{email}" for email in (COORDINATOR, SECOND_COORDINATOR)}


def _up_to_the_gap(services: Services, clock: FakeClock, port: int) -> list[str]:
    """Officers in placement since January; the last pass and digest before the gap."""
    setup.add_user(services, name="Lina Wijaya", email=SECOND_COORDINATOR, role="coordinator")
    refs = _officers_in_placement(services, 3)
    clock.set(GAP_START)
    make_dispatcher(services, port, clock).run_once()  # expires the spring's leftovers
    assert 2 == queue_digest(services)
    return refs


def _gap_outcome(services: Services) -> dict[str, str]:
    watched = {k: r.status for k, r in by_key(services).items()}
    return {k: s for k, s in watched.items() if s in (outbox.SENT, outbox.EXPIRED)}


def test_three_days_without_dispatch_sends_each_missed_reminder_once(
    services: Services, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    """After a three-day gap, the first pass sends every reminder that fell due in it
    and is still fresh, once each (not once per missed tick), and expires those whose
    expiry passed in the gap (the digests) without sending them."""
    refs = _up_to_the_gap(services, clock, smtp_server.port)
    before = _gap_outcome(services)
    assert [] == smtp_server.received
    clock.set(GAP_END)
    dispatcher = make_dispatcher(services, smtp_server.port, clock)

    report = dispatcher.run_once()

    missed = _missed_in_the_gap(refs)
    assert (sorted(missed), [], [], 2) == (
        sorted(report.sent), report.retrying, report.failed, report.expired,
    )
    _assert_received_once(smtp_server, missed)
    after = _gap_outcome(services)
    assert {k: outbox.SENT for k in missed} | {k: outbox.EXPIRED for k in _digest_keys()} == {
        k: s for k, s in after.items() if k not in before
    }
    # Hourly passes until Friday noon add only Friday's overdue reminders, once each.
    Passes(dispatcher, clock).run(until=GAP_END + timedelta(days=1, hours=4),
                                  every=timedelta(hours=1))
    fridays = {f"{ref}/midterm_overdue/2/{SUPERVISOR}" for ref in refs}
    _assert_received_once(smtp_server, missed | fridays)
    for key in _digest_keys():
        assert (outbox.EXPIRED, 0, None) == (
            by_key(services)[key].status, by_key(services)[key].attempts,
            by_key(services)[key].sent_at,
        )


def test_three_days_without_dispatch_then_one_cli_pass(
    database_url: str, services: Services, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    """The same gap closed by one ``attache reminders dispatch`` process: it reports and
    sends the missed reminders once and the expired digests as expired; run again at
    the same instant it finds nothing to do."""
    refs = _up_to_the_gap(services, clock, smtp_server.port)
    env = cli_env(smtp_server.port)
    now = GAP_END.isoformat()

    done = run_cli(database_url, "reminders", "dispatch", "--now", now, "--json", env=env)

    assert (0, "") == (done.returncode, done.stderr)
    missed = _missed_in_the_gap(refs)
    assert {"sent": sorted(missed), "retrying": [], "failed": [], "expired": 2} == (
        json.loads(done.stdout) | {"sent": sorted(json.loads(done.stdout)["sent"])}
    )
    _assert_received_once(smtp_server, missed)
    statuses = {k: r.status for k, r in by_key(services).items()}
    assert {outbox.EXPIRED} == {statuses[k] for k in _digest_keys()}
    assert {outbox.SENT} == {statuses[k] for k in missed}
    assert all(r.sent_at == GAP_END for r in rows(services) if r.key in missed)

    again = run_cli(database_url, "reminders", "dispatch", "--now", now, "--json", env=env)
    assert (0, {"sent": [], "retrying": [], "failed": [], "expired": 0}) == (
        again.returncode, json.loads(again.stdout),
    )
    _assert_received_once(smtp_server, missed)


def _lines(stream: Any) -> tuple[queue.Queue[str | None], threading.Thread]:
    """The stream's lines as they come, read by a thread; None once it closes."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    return lines, reader


@pytest.mark.slow  # a real process, started and stopped
def test_the_scheduler_process_catches_up_once_after_three_days(
    database_url: str, services: Services, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    """``attache scheduler run`` started after the gap: its catch-up pass sends each
    missed reminder once, and the passes it runs every second after that send nothing
    again (the process is then interrupted, as with Ctrl-C)."""
    refs = _up_to_the_gap(services, clock, smtp_server.port)
    argv = cli_argv(database_url, "scheduler", "run", "--interval", "1", now=GAP_END.isoformat())
    process = subprocess.Popen(
        argv, env=cli_env(smtp_server.port), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, encoding="utf-8",
    )
    log: list[str] = []
    lines, reader = _lines(process.stderr)
    try:
        deadline = time.monotonic() + PROCESS_TIMEOUT  # a safety net, not a measurement
        passes_after_catch_up = 0
        while passes_after_catch_up < 3:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.1))
            assert line is not None, "the scheduler stopped on its own:\n" + "".join(log)
            log.append(line)
            if '"ReminderScheduler.dispatch' in line and "executed successfully" in line:
                passes_after_catch_up += 1
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=PROCESS_TIMEOUT)
        reader.join(timeout=PROCESS_TIMEOUT)  # it has read to the end of the pipe
        assert process.stderr is not None
        process.stderr.close()

    assert 0 == code
    # The digest job follows the wall clock: should it fire during the test it queues
    # a digest for GAP_END's day, which is not part of the gap.
    received = [m for m in smtp_server.received if not m.key.startswith("digest/2023-07-06/")]
    missed = _missed_in_the_gap(refs)
    assert sorted(missed) == sorted(m.key for m in received)
    assert {message_id_for(k) for k in missed} == {m.message_id for m in received}
    assert {outbox.EXPIRED} == {by_key(services)[k].status for k in _digest_keys()}
    assert any("dispatch: 9 sent, 0 to retry, 0 failed, 2 expired" in line for line in log)



def test_smtp_down_for_a_day_then_back(
    services: Services, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    """The SMTP server refuses connections for a whole day: the due reminders wait
    (the failure says nothing about them) and each arrives once when it is back."""
    refs = _officers_in_placement(services)
    due_keys = _report_keys(refs, 1)
    smtp_server.stop()
    clock.set(_at(FIRST_REPORT_DUE, 8))
    dispatcher = make_dispatcher(services, smtp_server.port, clock)
    passes = Passes(dispatcher, clock)
    back = clock.now() + timedelta(days=1)
    passes.run(until=back - timedelta(minutes=10), every=timedelta(minutes=10))
    smtp_server.start()
    clock.set(back)
    passes.run(until=back + timedelta(hours=6), every=timedelta(minutes=10))

    _assert_received_once(smtp_server, due_keys)
    final = by_key(services)
    assert {outbox.SENT} == {final[k].status for k in due_keys}


def test_a_template_broken_for_a_day_keeps_its_reminders_until_fixed(
    services: Services, clock: FakeClock, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """dispatch.py: 'A template error is the coordinator's to fix; keep the reminder until
    then.' A template broken for a day, then fixed: its reminders go out once."""
    refs = _officers_in_placement(services, 2)
    due_keys = _report_keys(refs, 1)
    (tmp_path / "activity_report_due.txt.j2").write_text("{{ reprot.month }}\n")
    clock.set(_at(FIRST_REPORT_DUE, 9))
    dispatcher = make_dispatcher(services, smtp_server.port, clock, TemplateRenderer(tmp_path))
    passes = Passes(dispatcher, clock)
    back = clock.now() + timedelta(days=1)
    passes.run(until=back - timedelta(minutes=10), every=timedelta(minutes=10))
    (tmp_path / "activity_report_due.txt.j2").unlink()
    clock.set(back)
    passes.run(until=back + timedelta(hours=6), every=timedelta(minutes=10))

    _assert_received_once(smtp_server, due_keys)
