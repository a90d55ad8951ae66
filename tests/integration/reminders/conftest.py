"""Fixtures for the reminders integration tests: a real aiosmtpd server and dispatchers.

The SMTP server is a real ``aiosmtpd`` controller on 127.0.0.1 (a free port picked per
test); it records every message it accepts, or answers a chosen reply, or is slow.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.message import Message
from email.policy import default
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from lifecycle.clock import Clock
from lifecycle.persistence.database import Database
from lifecycle.persistence.tables import Reminder
from lifecycle.services import Services
from notifications.channels.smtp import SmtpChannel, SmtpSettings
from notifications.dispatch import Dispatcher, DispatchSettings
from notifications.message import Mailbox
from notifications.rendering import TemplateRenderer
from notifications.wiring import with_reminders
from tests.in_process import run_main
from tests.integration import cli_args

SENDER = Mailbox("Attache", "attache@asean.example")
PROCESS_TIMEOUT = 180  # a safety net against a hung child, never an assertion


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Received:
    recipient: str
    message_id: str
    key: str
    subject: str
    date: datetime


@dataclass
class RecordingHandler:
    """Accepts (and records) every message, or answers ``reply`` to RCPT TO."""

    delay: float = 0.0  # the server being slow, per message
    reply: str | None = None
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:
        if self.reply is not None:
            return self.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        msg = message_from_bytes(envelope.content, policy=default)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received.append(_received(rcpt, msg))
        return "250 Message accepted for delivery"

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.received)


def _received(rcpt: str, msg: Message) -> Received:
    return Received(
        recipient=rcpt,
        message_id=str(msg["Message-ID"]),
        key=str(msg["X-Attache-Reminder"]),
        subject=str(msg["Subject"]),
        date=parsedate_to_datetime(str(msg["Date"])),
    )


class SmtpServer:
    def __init__(self, port: int | None = None, handler: RecordingHandler | None = None):
        self.port = port or free_port()
        self.handler = handler or RecordingHandler()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        return self.handler.snapshot()


@contextmanager
def serving(handler: RecordingHandler | None = None) -> Iterator[SmtpServer]:
    """A real SMTP server on a free loopback port, with ``handler``, stopped afterwards."""
    server = SmtpServer(handler=handler)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with serving() as server:
        yield server


def smtp_channel(port: int, clock: Clock) -> SmtpChannel:
    return SmtpChannel(
        SmtpSettings(host="127.0.0.1", port=port, mail_from=SENDER, security="none",
                     timeout=10.0),
        clock,
    )


def make_dispatcher(services: Services, port: int, clock: Clock,
                    renderer: TemplateRenderer | None = None) -> Dispatcher:
    return Dispatcher(
        services, smtp_channel(port, clock), renderer or TemplateRenderer(),
        DispatchSettings(sender=SENDER),
    )


def second_services(url: str, clock: Clock) -> Services:
    """Another Services on the same database: its own engine and connections."""
    return with_reminders(Services(Database(url), clock))


def rows(services: Services) -> list[Reminder]:
    with services.db.reading() as session:
        found = list(session.query(Reminder).order_by(Reminder.id))
        session.expunge_all()
        return found


def by_key(services: Services) -> dict[str, Reminder]:
    return {r.key: r for r in rows(services)}


def local(instant: datetime, zone: str) -> str:
    return f"{instant.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}"


def cli_env(port: int | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTACHE_")}
    env["PYTHONIOENCODING"] = "utf-8"
    env["ATTACHE_MAIL_FROM"] = "Attache <attache@asean.example>"
    if port is not None:
        env |= {"ATTACHE_SMTP_HOST": "127.0.0.1", "ATTACHE_SMTP_PORT": str(port),
                "ATTACHE_SMTP_SECURITY": "none"}
    env |= extra
    return env


def cli_argv(url: str, *args: str, now: str | None = None) -> list[str]:
    """The command line of an ``attache`` process (``python -m lifecycle ...``)."""
    return [sys.executable, "-m", "lifecycle", *cli_args(url, *args, now=now)]


def run_cli(url: str, *args: str, env: dict[str, str], now: str | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``attache ARGS`` run in this process (see ``tests.in_process``) with exactly the
    environment ``env``, as a child process given it would have; the result as
    ``subprocess.run`` reports one. Kills, signals and long-running commands start a
    real process from ``cli_argv`` instead."""
    argv = cli_args(url, *args, now=now)
    isolated: dict[str, str | None] = {k: None for k in os.environ if k not in env}
    code, out, err = run_main(argv, env=isolated | env, cwd=cwd)
    return subprocess.CompletedProcess(argv, code, out, err)


# --- A backlog of due reminders, for the crash and concurrency tests ------------------

# 10:00 in Jakarta on Thu 2 Feb 2023: the first monthly activity report of every officer
# who entered placement on START is due (sent 09:00 Vientiane, expires 14 days later).
BACKLOG_AT = datetime(2023, 2, 2, 3, 0, tzinfo=ZoneInfo("UTC"))
# More than one claim batch (50), so two dispatchers both find work.
BACKLOG_OFFICERS = 60


def _seed_backlog(url: str) -> None:
    from lifecycle.clock import FakeClock
    from tests.conftest import START
    from tests.support import nominate, seed_programme, to_placement

    database = Database(url)
    try:
        services = with_reminders(Services(database, FakeClock(START)))
        seed_programme(services)
        for ref in nominate(services, BACKLOG_OFFICERS, country="LA"):  # no quota for LA
            to_placement(services, ref)
    finally:
        database.dispose()


@pytest.fixture(scope="session")
def backlog_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Seeded once per backend and session: the sqlite file, the PostgreSQL database."""
    made: dict[str, str] = {}
    yield made
    if "postgresql" in made:
        import psycopg

        from tests.conftest import _admin_dsn

        with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{made["postgresql"]}" WITH (FORCE)')


@pytest.fixture
def backlog_url(database_url: str, backlog_templates: dict[str, str],
                tmp_path_factory: pytest.TempPathFactory) -> str:
    """``database_url`` holding BACKLOG_OFFICERS officers in placement, one reminder
    each due at BACKLOG_AT (and their later reminders pending)."""
    import shutil
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    from tests.conftest import _admin_dsn

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if "sqlite" not in backlog_templates:
            path = tmp_path_factory.mktemp("backlog") / "backlog.db"
            shutil.copy(str(url.database), path)
            _seed_backlog(f"sqlite:///{path}")
            backlog_templates["sqlite"] = str(path)
        shutil.copy(backlog_templates["sqlite"], str(url.database))
        return database_url
    with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
        if "postgresql" not in backlog_templates:
            name = f"attache_backlog_{uuid.uuid4().hex[:10]}"
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}"')
            _seed_backlog(str(url.set(database=name)))
            backlog_templates["postgresql"] = name
        # database_url's own teardown drops it again by this name.
        conn.execute(f'DROP DATABASE "{url.database}" WITH (FORCE)')
        conn.execute(
            f'CREATE DATABASE "{url.database}" TEMPLATE "{backlog_templates["postgresql"]}"'
        )
    return database_url
