"""A real SMTP server per test: aiosmtpd on 127.0.0.1, recording what it receives.

Each server runs in aiosmtpd's own thread and is stopped when its test ends. The
handler can be told to answer a chosen reply to RCPT or DATA, or to hang up.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from lifecycle.clock import FakeClock
from notifications.channels import SmtpChannel, SmtpSettings
from notifications.message import Mailbox

SENDER = Mailbox("Attache", "attache@asean.example")
NOW = datetime(2024, 1, 22, 2, 0, tzinfo=UTC)  # Monday 09:00 in Jakarta
USER, PASSWORD = "attache", "correct horse battery staple"


def free_port() -> int:
    """A port nothing listens on now (older aiosmtpd cannot be given port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Envelope:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    peer: tuple[str, int]
    encrypted: bool
    authenticated: bool


@dataclass
class RecordingHandler:
    """Records every accepted envelope; optionally refuses or hangs up instead."""

    rcpt_reply: str | None = None
    data_reply: str | None = None
    hang_up_on_data: bool = False
    envelopes: list[Envelope] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.rcpt_reply is not None:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.hang_up_on_data:
            server.transport.close()
            return "421 closing"
        if self.data_reply is not None:
            return self.data_reply
        with self.lock:
            self.envelopes.append(
                Envelope(
                    mail_from=envelope.mail_from,
                    rcpt_tos=list(envelope.rcpt_tos),
                    content=envelope.original_content,
                    peer=tuple(session.peer),
                    encrypted=server.transport.get_extra_info("ssl_object") is not None,
                    authenticated=bool(session.authenticated),
                )
            )
        return "250 Message accepted for delivery"


def check_password(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


class SmtpServer:
    """One aiosmtpd server; ``start``/``stop`` may be repeated on the same port."""

    def __init__(self, handler: RecordingHandler, **options: Any) -> None:
        self.handler = handler
        self.port = free_port()
        self._options = options
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, **self._options
        )
        self._controller.start()  # returns once the server answers a connection

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def envelopes(self) -> list[Envelope]:
        with self.handler.lock:
            return list(self.handler.envelopes)


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1, made with openssl (no extra package)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,  # a safety net against a hung child, not an assertion
    )
    return Certificate(cert, key)


ServerFactory = Callable[..., SmtpServer]


@pytest.fixture
def smtp_server_factory() -> Iterator[ServerFactory]:
    """Start servers with given handler options; all are stopped after the test."""
    servers: list[SmtpServer] = []

    def start(handler: RecordingHandler | None = None, **options: Any) -> SmtpServer:
        server = SmtpServer(handler or RecordingHandler(), **options)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def smtp_server(smtp_server_factory: ServerFactory) -> SmtpServer:
    """A plain server that accepts everything."""
    return smtp_server_factory()


@pytest.fixture
def starttls_server(smtp_server_factory: ServerFactory, certificate: Certificate) -> SmtpServer:
    """A server that refuses mail until the client has switched to TLS."""
    return smtp_server_factory(
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticator=check_password,
    )


@pytest.fixture
def smtps_server(smtp_server_factory: ServerFactory, certificate: Certificate) -> SmtpServer:
    """A server speaking TLS from the first byte (port 465 style)."""
    return smtp_server_factory(ssl_context=certificate.server_context())


def channel_for(port: int, **settings: Any) -> SmtpChannel:
    """A channel to 127.0.0.1:port, plain unless told otherwise, dated NOW."""
    options: dict[str, Any] = {"security": "none", "timeout": 10.0, **settings}
    return SmtpChannel(
        SmtpSettings(host="127.0.0.1", port=port, mail_from=SENDER, **options),
        FakeClock(NOW),
    )
