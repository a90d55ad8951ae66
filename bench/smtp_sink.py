"""The SMTP sink of figure 4d, an ``aiosmtpd`` server in a process of its own.

A mail server is never in the dispatcher's process in production. In the benchmark's
own process the sink's thread competed for the GIL with whatever it was measuring, so
the figure measured our GIL as much as the wire. Both sides of the figure (the
dispatcher and the smtplib limit) send to this one sink in the same run.

Only aiosmtpd is imported here: the child process starts by spawning a fresh
interpreter (no fork of a process holding database connections and threads).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import socket
import threading
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, Self

STARTUP_TIMEOUT = 60.0  # seconds for the child to import aiosmtpd and listen


@dataclass(frozen=True)
class Envelope:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class _Recorder:
    """The aiosmtpd handler: keeps what it received until asked for it."""

    received: list[Envelope] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append(
                Envelope(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
            )
        return "250 Message accepted for delivery"

    def take(self) -> list[Envelope]:
        with self.lock:
            taken, self.received = self.received, []
        return taken


def _serve(port: int, commands: Connection) -> None:
    """The child: serve on ``port`` and answer ``take``/``count`` until ``stop``."""
    from aiosmtpd.controller import Controller

    recorder = _Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        commands.send("ready")
        while True:
            command = commands.recv()
            if command == "take":
                commands.send(recorder.take())
            elif command == "count":
                commands.send(len(recorder.take()))
            else:
                return
    finally:
        controller.stop()


class SinkProcess:
    """``with SinkProcess() as sink:`` a sink listening on ``sink.port``."""

    def __init__(self) -> None:
        self.port = _free_port()
        self._commands, child_end = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("spawn").Process(
            target=_serve, args=(self.port, child_end), name="attache-bench-smtp-sink",
            daemon=True,
        )  # fmt: skip
        self._child_end = child_end

    def __enter__(self) -> Self:
        self._process.start()
        self._child_end.close()
        try:
            ready = self._commands.poll(STARTUP_TIMEOUT) and self._commands.recv() == "ready"
        except EOFError:  # it died on the way
            ready = False
        if not ready:
            self._process.kill()
            self._process.join()
            raise RuntimeError("the SMTP sink process did not start")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with contextlib.suppress(OSError):
            self._commands.send("stop")
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._commands.close()

    def take(self) -> list[Envelope]:
        """What it has received since the last ``take``/``count``, now forgotten."""
        self._commands.send("take")
        envelopes: list[Envelope] = self._commands.recv()
        return envelopes

    def count(self) -> int:
        """How many messages it has received since the last ``take``/``count``."""
        self._commands.send("count")
        return int(self._commands.recv())


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
