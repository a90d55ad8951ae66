"""The next message is under way while the last one's outcome commits, yet is completed
(its ending "." sent) only once that outcome is committed: every outcome is recorded
right, and a dispatcher that dies at that moment leaves one message at most sent but
unrecorded, never the one it was holding.

The first outcome's UPDATE is held (a SQLAlchemy event in the recorder's thread) until
the server has seen the second message's RCPT, so the overlap certainly happens; no
assertion depends on how long anything takes.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event

from lifecycle.clock import FakeClock
from lifecycle.persistence import outbox
from lifecycle.services import Services
from notifications.dispatch import DispatchSettings
from notifications.message import message_id_for
from tests.integration.reminders.conftest import (
    BACKLOG_AT,
    PROCESS_TIMEOUT,
    SENDER,
    RecordingHandler,
    SmtpServer,
    make_dispatcher,
    rows,
    second_services,
    serving,
)

LEASE = DispatchSettings(sender=SENDER).lease


@dataclass
class OverlapHandler(RecordingHandler):
    """Records the RCPTs in order; refuses the ``rcpt_reply``/``data_reply`` index."""

    rcpt_reply: tuple[int, str] | None = None  # (which RCPT, 0-based; the reply)
    data_reply: tuple[int, str] | None = None  # (which message's end of data; the reply)
    rcpts: list[str] = field(default_factory=list)
    datas: int = 0
    second_rcpt: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:
        index = len(self.rcpts)
        self.rcpts.append(address)
        try:
            if self.rcpt_reply is not None and self.rcpt_reply[0] == index:
                return self.rcpt_reply[1]
            return await super().handle_RCPT(server, session, envelope, address, rcpt_options)
        finally:
            if index == 1:
                self.second_rcpt.set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        index, self.datas = self.datas, self.datas + 1
        if self.data_reply is not None and self.data_reply[0] == index:
            return self.data_reply[1]
        return await super().handle_DATA(server, session, envelope)


class Crash(Exception):
    """Stands for the dispatcher dying while the first outcome commits."""


@dataclass
class FirstOutcomeHeld:
    """Holds the first outcome's UPDATE until the server has the second message's RCPT."""

    handler: OverlapHandler
    crash: bool = False
    held: bool = False
    overlapped: bool = False

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.held or not statement.lstrip().upper().startswith("UPDATE REMINDERS"):
            return
        if not threading.current_thread().name.startswith("attache-outcomes"):
            return
        self.held = True
        self.overlapped = self.handler.second_rcpt.wait(PROCESS_TIMEOUT)  # a safety net
        if self.crash:
            raise Crash("killed while committing the first outcome")


@pytest.fixture
def overlap_server() -> Iterator[SmtpServer]:
    with serving(OverlapHandler()) as server:
        yield server


@pytest.fixture
def backlog_services(backlog_url: str) -> Iterator[Services]:
    services = second_services(backlog_url, FakeClock(BACKLOG_AT))
    yield services
    services.db.dispose()


def held(services: Services, server: SmtpServer, crash: bool = False) -> FirstOutcomeHeld:
    assert isinstance(server.handler, OverlapHandler)
    hold = FirstOutcomeHeld(server.handler, crash=crash)
    event.listen(services.db.engine, "before_cursor_execute", hold)
    return hold


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [("rcpt", outbox.FAILED, "550"), ("data", outbox.PENDING, "451")],
)
def test_a_refusal_of_the_next_message_while_the_last_commits_records_both(
    backlog_services: Services, overlap_server: SmtpServer, fault: str, status: str, code: str
) -> None:
    """The second message is refused (550 to its RCPT, or 451 to its data) while the
    first one's outcome is still committing: the first is recorded sent, the second
    failed or to retry with the server's answer, and the rest of the claim is sent."""
    handler = overlap_server.handler
    assert isinstance(handler, OverlapHandler)
    if fault == "rcpt":
        handler.rcpt_reply = (1, "550 5.1.1 No such user here")
    else:
        handler.data_reply = (1, "451 4.3.0 Try again later")
    hold = held(backlog_services, overlap_server)
    due = {r.key for r in rows(backlog_services) if r.status == outbox.PENDING
           and r.next_attempt_at <= BACKLOG_AT}

    report = make_dispatcher(backlog_services, overlap_server.port,
                             backlog_services.clock).run_once()

    assert (True, True) == (hold.held, hold.overlapped)
    refused = report.failed if status == outbox.FAILED else report.retrying
    assert 1 == len(refused), report.summary
    assert due == set(report.sent) | set(refused)
    received = [m.key for m in overlap_server.received]
    assert sorted(report.sent) == sorted(received)
    after = {r.key: r for r in rows(backlog_services)}
    assert outbox.SENT == after[received[0]].status
    assert (status, 1) == (after[refused[0]].status, after[refused[0]].attempts)
    assert code in (after[refused[0]].last_error or "")


def test_a_dispatcher_dying_as_the_last_outcome_commits_never_completes_the_next(
    backlog_services: Services, overlap_server: SmtpServer
) -> None:
    """The dispatcher dies while the first outcome commits, with the second message's
    envelope and data already on the wire: the server never gets the second message
    (its "." was held), the first is the one message sent but unrecorded, and the next
    pass, a lease later, sends each reminder once more at most, with its Message-ID."""
    handler = overlap_server.handler
    assert isinstance(handler, OverlapHandler)
    hold = held(backlog_services, overlap_server, crash=True)
    clock = backlog_services.clock
    assert isinstance(clock, FakeClock)
    due = {r.key for r in rows(backlog_services) if r.status == outbox.PENDING
           and r.next_attempt_at <= BACKLOG_AT}

    with pytest.raises(Crash):
        make_dispatcher(backlog_services, overlap_server.port, clock).run_once()

    assert (True, True) == (hold.held, hold.overlapped)
    assert 2 == len(handler.rcpts)  # the second message was under way
    first = [m.key for m in overlap_server.received]
    assert 1 == len(first)
    unrecorded = {r.key for r in rows(backlog_services) if r.status == outbox.SENDING}
    assert set(first) <= unrecorded
    assert [] == [r.key for r in rows(backlog_services) if r.status == outbox.SENT]

    clock.advance(LEASE + LEASE)
    report = make_dispatcher(backlog_services, overlap_server.port, clock).run_once()

    assert ([], []) == (report.retrying, report.failed)
    copies = Counter(m.key for m in overlap_server.received)
    assert due == set(copies)
    assert {first[0]: 2} == {k: n for k, n in copies.items() if n > 1}
    assert [] == [m for m in overlap_server.received if m.message_id != message_id_for(m.key)]
    assert {outbox.SENT} == {r.status for r in rows(backlog_services) if r.key in due}
