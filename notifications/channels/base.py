"""What every channel promises, and the two ways a delivery can fail.

The dispatcher decides what to do with a failed reminder from the exception's class
alone: a transient failure is tried again later, a permanent one is recorded and
shown to the coordinator, because sending it again would fail the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from notifications.message import OutgoingMessage


class Channel(Protocol):
    def send(self, message: OutgoingMessage) -> None:
        """Deliver ``message`` or raise a ``DeliveryError``.

        Sending the same message (same Message-ID) twice must be harmless where the
        channel can make it so.
        """
        ...


@runtime_checkable
class ReusesSessions(Protocol):
    """A channel that can keep one connection for many sends (SMTP)."""

    def session(self) -> AbstractContextManager[None]:
        """Sends inside share one session, opened by the first of them."""
        ...


@runtime_checkable
class HoldsTheEnd(Protocol):
    """A channel that can send all of a message but its last byte, then wait (SMTP).

    ``ready()`` is called once everything but the end of the message is on the wire,
    and the message is completed only after it returns; if it raises, the message is
    abandoned (never delivered) and its error raised. ``meanwhile()`` is called while the
    channel waits for the server, and says whether it has more to do.
    """

    def send_holding_end(
        self, message: OutgoingMessage, ready: Callable[[], None], meanwhile: Callable[[], bool]
    ) -> None: ...


class DeliveryError(Exception):
    """The message was not delivered. ``code``/``answer``: the server's reply, if any."""

    def __init__(self, message: str, *, code: int | None = None, answer: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.answer = answer


class TransientDeliveryError(DeliveryError):
    """Try again later: no connection, a time-out, a 4xx reply, a broken session."""


class ServerUnavailable(TransientDeliveryError):
    """No session with the server at all (refused, unreachable, TLS or login failed).

    It says nothing about any one message, so it must not count against a message's
    attempts: the reminder waits, however long the outage, until it expires.
    """


class PermanentDeliveryError(DeliveryError):
    """This message will never be accepted as it is: the server said 5xx to it."""
