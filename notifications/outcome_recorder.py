"""Records each send's outcome in a thread of its own, one at a time, so the next
reminder is composed while the database commits the last one's.

The dispatcher's promise is that a dispatcher killed at any moment leaves at most one
message sent but not recorded (then sent again, with the same Message-ID, once its
lease runs out). So an outcome is never batched with the next: ``wait()`` is called
before the "." that completes every message (``SmtpChannel.send_holding_end``), so a
message is completed only once the outcome before it is committed. What this thread
buys is the overlap of that commit (an fsync on SQLite, a round trip and a WAL flush on
PostgreSQL, both outside the GIL) with composing the next message and sending all of it
but its ".".

The thread keeps one autocommitting connection (``Database.autocommitting``) for a
claim's outcomes: each UPDATE is committed on its own, one round trip on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from types import TracebackType
from typing import Self

from sqlalchemy import Connection


class OutcomeRecorder:
    def __init__(self, connect: Callable[[], AbstractContextManager[Connection]]) -> None:
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="attache-outcomes")
        self._pending: Future[None] | None = None
        self._connect = connect
        self._held = ExitStack()  # the connection, opened and closed in the worker thread
        self._connection: Connection | None = None

    def record(self, write: Callable[[Connection], None]) -> None:
        """Start ``write`` (one outcome's statement) once the one before is done."""
        self.wait()
        self._pending = self._worker.submit(self._write, write)

    def _write(self, write: Callable[[Connection], None]) -> None:
        if self._connection is None:
            self._connection = self._held.enter_context(self._connect())
        write(self._connection)

    def wait(self) -> None:
        """Until the outcome last recorded is committed; re-raises its error."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc is None:
                self.wait()
            elif self._pending is not None:
                self._pending.exception()  # finished either way before the pass returns
        finally:
            try:
                self._worker.submit(self._held.close).result()
            finally:
                self._worker.shutdown(wait=True)
