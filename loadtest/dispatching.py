"""A dispatcher process: ``Dispatcher.run_once()`` in a loop until told to stop.

The lease is scaled with the simulated clock. In production a claim is leased for five
minutes while one send takes well under a second; here simulated time runs a million
times faster, so an unscaled lease would run out in microseconds and let the other
dispatcher take over rows mid-send (a duplicate the design allows for a dispatcher that
is gone, not for one that is working). ``LEASE_WALL`` of real time keeps the margin.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from multiprocessing.synchronize import Event

from lifecycle.persistence.database import Database
from lifecycle.services import Services
from loadtest.clock import SimulatedClock
from loadtest.worker import describe_error
from notifications.channels.smtp import SmtpChannel, SmtpSettings
from notifications.dispatch import Dispatcher, DispatchSettings
from notifications.message import Mailbox
from notifications.rendering import TemplateRenderer

SENDER = Mailbox("Attache", "attache@load.example")
LEASE_WALL = timedelta(minutes=2)
BATCH_SIZE = 10  # small claims: the two dispatchers take turns over the due rows often
IDLE_PAUSE = 0.02  # seconds between passes that found nothing to send


@dataclass
class DispatcherReport:
    dispatcher: int
    passes: int = 0
    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    expired: int = 0
    unexpected: list[str] = field(default_factory=list)
    seconds: float = 0.0


def run_dispatcher(
    number: int, url: str, smtp_port: int, begin: Callable[[], SimulatedClock], stop: Event
) -> DispatcherReport:
    """The body of a dispatcher process; see ``run_worker`` for ``begin``."""
    database = Database(url)
    clock = begin()
    services = Services(database, clock)
    channel = SmtpChannel(
        SmtpSettings(host="127.0.0.1", port=smtp_port, mail_from=SENDER, security="none",
                     timeout=10.0),
        clock,
    )
    dispatcher = Dispatcher(
        services, channel, TemplateRenderer(),
        DispatchSettings(sender=SENDER, batch_size=BATCH_SIZE, lease=clock.scaled(LEASE_WALL)),
    )
    report = DispatcherReport(number)
    try:
        started = time.perf_counter()
        while True:
            # Told to stop once the workers are done and time has stopped: one more
            # pass, begun after that, sends whatever is due at the end.
            last = stop.is_set()
            try:
                done = dispatcher.run_once()
            except Exception as exc:  # reported by the verification, never swallowed
                report.unexpected.append(describe_error(exc))
                if last:
                    break
                continue
            report.passes += 1
            report.sent += done.sent
            report.retrying += done.retrying
            report.failed += done.failed
            report.expired += done.expired
            if last:
                break
            if not done.sent:
                stop.wait(IDLE_PAUSE)
        report.seconds = time.perf_counter() - started
    finally:
        database.dispose()
    return report
