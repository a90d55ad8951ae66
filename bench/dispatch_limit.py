"""Figure 4d: dispatching 1,000 due reminders to a real SMTP sink, against the limit.

Ours: one ``Dispatcher.run_once()`` with the real ``SmtpChannel`` sending to an
``aiosmtpd`` server on loopback (expire, claim, render, send, record: the whole path).
The baseline is the limit on this machine: plain ``smtplib`` sending the very same
bytes (recorded by the sink from an untimed warm-up pass of ours) over one connection
to the same sink, in the same run. The ratio is the share of that limit we reach
(baseline time over ours): 1 would be as fast as the wire allows.
"""

from __future__ import annotations

import smtplib
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller

from bench.context import Bench
from bench.dispatch_scale import SENDER, backlog, make_due
from bench.report import Result, duration, skipped
from bench.timing import interleave, stopwatch
from lifecycle.services import Services
from notifications.channels.smtp import SmtpChannel, SmtpSettings
from notifications.dispatch import Dispatcher, DispatchSettings
from notifications.rendering import TemplateRenderer

NAME = "4d. dispatch to SMTP vs smtplib limit"
GOAL = 0.5


@dataclass
class _Envelope:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class _Sink:
    """Keeps what it received, so the baseline can replay exactly those bytes."""

    received: list[_Envelope] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append(
                _Envelope(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
            )
        return "250 Message accepted for delivery"

    def take(self) -> list[_Envelope]:
        with self.lock:
            taken, self.received = self.received, []
        return taken


def run(bench: Bench) -> list[Result]:
    return [_measure(bench, backend) for backend in bench.backends]


def _measure(bench: Bench, backend: str) -> Result:
    if problem := bench.unavailable(backend):
        return skipped(NAME, backend, problem)
    sizes = bench.sizes
    due = sizes.dispatch_due
    bench.log(f"{NAME} on {backend}: {due:,} due reminders")
    services, due_ids = backlog(bench, backend, due, sizes.dispatch_small)
    sink = _Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        ours = _dispatch_round(services, due_ids, port, sink)
        ours(-1)  # warm-up, untimed: records the bytes the baseline replays
        envelopes = sink.take()
        assert len(envelopes) == due, len(envelopes)
        paired = interleave(sizes.dispatch_repeats, ours, _replay(envelopes, port, sink))
    finally:
        controller.stop()
        services.db.dispose()
    share = paired.baseline.median / paired.candidate.median
    return Result(
        NAME,
        backend,
        f"{due / paired.candidate.median:,.0f} messages/s; {due:,} in "
        f"{duration(paired.candidate.median)}",
        f"smtplib, one connection: {due / paired.baseline.median:,.0f} messages/s; "
        f"{due:,} in {duration(paired.baseline.median)}",
        share,
        f">= {GOAL} of the limit",
        share >= GOAL,
        f"one Dispatcher.run_once() sending {due:,} due reminders through SmtpChannel to "
        "an aiosmtpd sink on loopback, against smtplib sending the same bytes over one "
        f"connection to it; ratio = limit time / ours; median of {sizes.dispatch_repeats} "
        "rounds, alternating",
    )


def _dispatch_round(
    services: Services, due_ids: list[int], port: int, sink: _Sink
) -> Callable[[int], float]:
    settings = SmtpSettings(
        host="127.0.0.1", port=port, mail_from=SENDER, security="none", timeout=10.0
    )
    channel = SmtpChannel(settings, services.clock)
    dispatcher = Dispatcher(services, channel, TemplateRenderer(), DispatchSettings(SENDER))

    def one_round(_round: int) -> float:
        make_due(services, due_ids)
        sink.take()
        with stopwatch() as watch:
            report = dispatcher.run_once()
        assert len(report.sent) == len(due_ids), report.summary
        return watch.seconds

    return one_round


def _replay(envelopes: list[_Envelope], port: int, sink: _Sink) -> Callable[[int], float]:
    def one_round(_round: int) -> float:
        sink.take()
        with stopwatch() as watch, smtplib.SMTP("127.0.0.1", port, timeout=10.0) as smtp:
            for envelope in envelopes:
                smtp.sendmail(envelope.mail_from, envelope.rcpt_tos, envelope.content)
        assert len(sink.take()) == len(envelopes)
        return watch.seconds

    return one_round


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
