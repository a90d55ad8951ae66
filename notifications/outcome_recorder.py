"""Records each send's outcome in a thread of its own, one at a time, so the next
reminder is composed while the database commits the last one's.

The dispatcher's promise is that a dispatcher killed at any moment leaves at most one
message sent but not recorded (then sent again, with the same Message-ID, once its
lease runs out). So an outcome is never batched with the next: ``wait()`` is called
before every send, and a send starts only once the outcome before it is committed.
What this thread buys is the overlap of that commit (an fsync on SQLite, a round trip
and a WAL flush on PostgreSQL, both outside the GIL) with building the next message.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Self


class OutcomeRecorder:
    def __init__(self) -> None:
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="attache-outcomes")
        self._pending: Future[None] | None = None

    def record(self, write: Callable[[], None]) -> None:
        """Start ``write`` (one outcome's transaction) once the one before is done."""
        self.wait()
        self._pending = self._worker.submit(write)

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
            self._worker.shutdown(wait=True)
