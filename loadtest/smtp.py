"""A real SMTP server on loopback that records every message the dispatchers send.

The same shape as the reminders tests' recording server (``aiosmtpd`` on 127.0.0.1, a
free port), copied rather than imported: product-side code never imports the tests.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    recipient: str
    message_id: str
    key: str  # the reminder's key, from the X-Attache-Reminder header


@dataclass
class RecordingHandler:
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=default)
        # A long key's header is folded onto a second line; unfolded, the value keeps
        # the fold's leading space, which is not part of the key.
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.received.append(
                    Received(
                        recipient=recipient,
                        message_id=str(message["Message-ID"]).strip(),
                        key=str(message["X-Attache-Reminder"]).strip(),
                    )
                )
        return "250 Message accepted for delivery"

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.received)


class SmtpServer:
    """``with SmtpServer() as server:`` listens on ``server.port`` until the block ends."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.handler = RecordingHandler()
        self._controller: Controller | None = None

    def __enter__(self) -> SmtpServer:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def received(self) -> list[Received]:
        return self.handler.snapshot()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
