"""The next reminder, composed a step at a time while the mail server answers the last.

A step is a piece of the composition (the context, then a template part each): the SMTP
channel takes one whenever it has written a command and is about to wait for the reply,
so composing fills those waits instead of following them.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Generic, TypeVar

T = TypeVar("T")


class Lookahead(Generic[T]):
    """Runs ``steps`` a step at a time; ``result()`` finishes them.

    An error raised by a step is kept and raised by ``result()``, in the dispatcher's
    handling of *this* reminder, never inside the send of the one before it.
    """

    def __init__(self, steps: Generator[None, None, T]) -> None:
        self._steps: Generator[None, None, T] | None = steps
        self._value: T | None = None
        self._error: Exception | None = None

    def step(self) -> bool:
        """Take one step; False once there is nothing left to do."""
        if self._steps is None:
            return False
        try:
            next(self._steps)
        except StopIteration as done:
            self._steps, self._value = None, done.value
            return False
        except Exception as error:  # kept for result(): see the class docstring
            self._steps, self._error = None, error
            return False
        return True

    def result(self) -> T:
        while self.step():
            pass
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]
