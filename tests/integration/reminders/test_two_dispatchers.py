"""Several dispatchers on one database: every reminder is delivered exactly once.

The SMTP server holds the first message it gets until a second one arrives while it
is still open, so the dispatchers are certainly sending at the same time (and each
of them has claimed rows) before anything is delivered; it is slow after that, so
they keep overlapping. No assertion depends on how long anything takes.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from lifecycle.clock import FakeClock
from lifecycle.persistence import outbox
from lifecycle.services import Services
from notifications.channels.base import Channel
from notifications.channels.smtp import SmtpChannel, SmtpSettings
from notifications.dispatch import Dispatcher, DispatchReport, DispatchSettings
from notifications.message import OutgoingMessage, message_id_for
from notifications.rendering import TemplateRenderer
from tests.integration.reminders.conftest import (
    BACKLOG_AT,
    PROCESS_TIMEOUT,
    SENDER,
    RecordingHandler,
    SmtpServer,
    cli_env,
    rows,
    second_services,
    serving,
    smtp_channel,
)

MEETING_WAIT = 60.0  # seconds: only reached if a dispatcher never sends, which fails the test
CLIENT_TIMEOUT = 2 * MEETING_WAIT  # the dispatchers wait for a held message, not give up
SLOW = 0.02  # seconds per message once the dispatchers have met: they keep overlapping

# Runs ``python -m lifecycle`` once told to on stdin: the imports, most of a process's
# start-up, are over before the start line, so the dispatchers really start together.
GATE = """
import runpy, sys
import console.app
print("ready", flush=True)
sys.stdin.readline()
runpy.run_module("lifecycle", run_name="__main__", alter_sys=True)
"""


@dataclass
class MeetingHandler(RecordingHandler):
    """Records every message; holds the first ones until ``senders`` are open at once."""

    senders: int = 2
    open_now: int = 0
    met: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # Runs on the server's one event loop thread: no lock needed for the counter.
        self.open_now += 1
        if self.open_now >= self.senders:
            self.met.set()
        try:
            with suppress(TimeoutError):
                await asyncio.wait_for(self.met.wait(), MEETING_WAIT)
            self.met.set()  # met or given up: hold no other message
            return await super().handle_DATA(server, session, envelope)
        finally:
            self.open_now -= 1


@pytest.fixture
def meeting_server() -> Iterator[SmtpServer]:
    with serving(MeetingHandler(delay=SLOW)) as server:
        yield server


def due_keys(services: Services) -> set[str]:
    return {
        row.key for row in rows(services)
        if row.status == outbox.PENDING and row.next_attempt_at <= BACKLOG_AT
    }


def assert_each_received_once(server: SmtpServer, expected: set[str]) -> None:
    received = server.received
    assert [] == [k for k, n in Counter(m.key for m in received).items() if n > 1]
    assert [] == [i for i, n in Counter(m.message_id for m in received).items() if n > 1]
    assert expected == {m.key for m in received}
    assert all(message_id_for(m.key) == m.message_id for m in received)


def assert_all_sent(services: Services, expected: set[str]) -> None:
    after = {row.key: row for row in rows(services) if row.key in expected}
    assert {outbox.SENT} == {row.status for row in after.values()}
    assert {None} == {row.claimed_until for row in after.values()}
    assert {1} == {row.attempts for row in after.values()}


def start_gated(url: str, port: int, now: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", GATE, "--database", url, "--now", now,
         "reminders", "dispatch", "--json"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, encoding="utf-8",
        env=cli_env(port, ATTACHE_SMTP_TIMEOUT=str(CLIENT_TIMEOUT)),
    )


def run_together(url: str, port: int, count: int) -> list[tuple[int, str, str]]:
    """``count`` dispatcher processes, released at once; their exit codes and output."""
    with ExitStack() as stack:
        procs = [
            stack.enter_context(start_gated(url, port, BACKLOG_AT.isoformat()))
            for _ in range(count)
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
        return [(p.returncode, out, err) for p, (out, err) in zip(procs, outputs, strict=True)]


def _kill_stragglers(procs: list[subprocess.Popen[str]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.slow  # a real process, started and stopped
def test_two_dispatcher_processes_send_each_reminder_once(
    backlog_url: str, services: Services, meeting_server: SmtpServer
) -> None:
    """Two ``reminders dispatch`` processes started together on one database, same
    ``--now``: both send (claims are shared out, not duplicated), every due reminder
    arrives exactly once, and every row ends ``sent``."""
    expected = due_keys(services)
    assert len(expected) > 50  # more than one claim batch: there is work for both

    runs = run_together(backlog_url, meeting_server.port, 2)

    assert [(0, "")] * 2 == [(code, err) for code, _, err in runs]
    sent = [json.loads(out)["sent"] for _, out, _ in runs]
    assert all(sent), f"a dispatcher did no work: {[len(s) for s in sent]}"
    assert set() == set(sent[0]) & set(sent[1])
    assert expected == set(sent[0]) | set(sent[1])
    assert_each_received_once(meeting_server, expected)
    assert_all_sent(services, expected)


def dispatcher_on(url: str, port: int, batch_size: int) -> Dispatcher:
    services = second_services(url, FakeClock(BACKLOG_AT))
    channel = SmtpChannel(
        SmtpSettings(host="127.0.0.1", port=port, mail_from=SENDER, security="none",
                     timeout=CLIENT_TIMEOUT),
        services.clock,
    )
    return Dispatcher(
        services, channel, TemplateRenderer(),
        DispatchSettings(sender=SENDER, batch_size=batch_size),
    )


def test_dispatchers_in_threads_send_each_reminder_once(
    backlog_url: str, services: Services, meeting_server: SmtpServer
) -> None:
    """Three Dispatchers, each on its own engine, in threads of one process, claiming
    small batches: they take turns over the same rows many times, yet every due
    reminder arrives exactly once and each dispatcher sent some."""
    expected = due_keys(services)
    assert isinstance(meeting_server.handler, MeetingHandler)
    meeting_server.handler.senders = 3
    dispatchers = [dispatcher_on(backlog_url, meeting_server.port, 4) for _ in range(3)]
    reports: list[DispatchReport | BaseException | None] = [None] * 3

    def run(i: int) -> None:
        try:
            reports[i] = dispatchers[i].run_once()
        except BaseException as exc:  # reported by the asserting thread
            reports[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(PROCESS_TIMEOUT)
    finally:
        for dispatcher in dispatchers:
            dispatcher.services.db.dispose()

    assert [False] * 3 == [t.is_alive() for t in threads]
    done = [r for r in reports if isinstance(r, DispatchReport)]
    assert reports == done
    assert [([], [])] * 3 == [(r.retrying, r.failed) for r in done]
    assert all(r.sent for r in done), f"a dispatcher did no work: {[len(r.sent) for r in done]}"
    assert sorted(expected) == sorted(k for r in done for k in r.sent)
    assert_each_received_once(meeting_server, expected)
    assert_all_sent(services, expected)



def test_a_claim_that_loses_the_race_claims_the_next_rows(
    backlog_url: str, services: Services
) -> None:
    """A rival claims the very rows this claim is about to take (between its choosing
    and its marking them): this claim takes the next due rows, rather than coming back
    empty-handed and so ending its dispatcher's pass while due rows remain."""
    rival = second_services(backlog_url, FakeClock(BACKLOG_AT))
    rival_rows: list[str] = []

    def rival_claims_first(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE REMINDERS") and not rival_rows:
            with rival.transaction() as session:
                got = outbox.claim(session, "rival", BACKLOG_AT, timedelta(minutes=5), 4)
                rival_rows.extend(row.key for row in got)

    event.listen(services.db.engine, "before_cursor_execute", rival_claims_first)
    try:
        with services.transaction() as session:
            mine = [r.key for r in outbox.claim(session, "mine", BACKLOG_AT,
                                                 timedelta(minutes=5), 4)]
    finally:
        event.remove(services.db.engine, "before_cursor_execute", rival_claims_first)
        rival.db.dispose()

    assert 4 == len(rival_rows)
    assert 4 == len(mine)
    assert set() == set(mine) & set(rival_rows)
    claimed = {r.key: r.claimed_by for r in rows(services) if r.status == outbox.SENDING}
    assert {k: "rival" for k in rival_rows} | {k: "mine" for k in mine} == claimed


@dataclass
class SlowRelay:
    """A channel whose every message takes ``per_message`` of the shared clock (a slow
    mail relay); once, after the ``after``-th message, ``meanwhile`` runs."""

    channel: Channel
    clock: FakeClock
    per_message: timedelta
    after: int
    meanwhile: Callable[[], object]
    count: int = 0

    def send(self, message: OutgoingMessage) -> None:
        self.channel.send(message)
        self.clock.advance(self.per_message)
        self.count += 1
        if self.count == self.after:
            self.meanwhile()


def test_a_pass_slower_than_its_lease_does_not_send_what_another_took_over(
    backlog_url: str, services: Services, smtp_server: SmtpServer
) -> None:
    """A relay taking 10 s a message makes a 50-row claim outlast its 5-minute lease.
    A second dispatcher's pass (another scheduler process) after the lease has run out
    rightly takes over the rows still waiting in the first one's claim; the first must
    not send them as well. Each reminder arrives once, and both dispatchers sent some."""
    expected = due_keys(services)
    clock = FakeClock(BACKLOG_AT)  # one time for both: two processes on one machine
    settings = DispatchSettings(sender=SENDER)  # the defaults: 50 a claim, 5-minute lease
    second_services_ = second_services(backlog_url, clock)
    second = Dispatcher(second_services_, smtp_channel(smtp_server.port, clock),
                        TemplateRenderer(), settings)
    reports: list[DispatchReport] = []
    first_services = second_services(backlog_url, clock)
    first = Dispatcher(
        first_services,
        SlowRelay(smtp_channel(smtp_server.port, clock), clock, timedelta(seconds=10),
                  after=31, meanwhile=lambda: reports.append(second.run_once())),
        TemplateRenderer(), settings,
    )
    try:
        reports.insert(0, first.run_once())
    finally:
        first_services.db.dispose()
        second_services_.db.dispose()

    assert [([], [])] * 2 == [(r.retrying, r.failed) for r in reports]
    assert set() == set(reports[0].sent) & set(reports[1].sent)
    assert all(r.sent for r in reports)
    assert_each_received_once(smtp_server, expected)
    assert_all_sent(services, expected)
