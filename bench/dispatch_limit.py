"""Figure 4d: dispatching 1,000 due reminders to a real SMTP sink, against the limit.

Ours: one ``Dispatcher.run_once()`` with the real ``SmtpChannel`` sending to an
``aiosmtpd`` server on loopback (expire, claim, render, send, record: the whole path).
The server runs in a process of its own (``bench.smtp_sink``), as a mail server does in
production: in ours it competed with what it measured for the GIL.
The baseline is the limit on this machine: plain ``smtplib`` sending the very same
bytes (recorded by the sink from an untimed warm-up pass of ours) over one connection
to the same sink, in the same run. The ratio is the share of that limit we reach
(baseline time over ours): 1 would be as fast as the wire allows.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable

from bench.context import Bench
from bench.dispatch_scale import SENDER, backlog, make_due
from bench.report import Result, duration, skipped
from bench.smtp_sink import Envelope, SinkProcess
from bench.timing import interleave, stopwatch
from lifecycle.services import Services
from notifications.channels.smtp import SmtpChannel, SmtpSettings
from notifications.dispatch import Dispatcher, DispatchSettings
from notifications.rendering import TemplateRenderer

NAME = "4d. dispatch to SMTP vs smtplib limit"
GOAL = 0.5


def run(bench: Bench) -> list[Result]:
    return [_measure(bench, backend) for backend in bench.backends]


def _measure(bench: Bench, backend: str) -> Result:
    if problem := bench.unavailable(backend):
        return skipped(NAME, backend, problem)
    sizes = bench.sizes
    due = sizes.dispatch_due
    bench.log(f"{NAME} on {backend}: {due:,} due reminders")
    services, due_ids = backlog(bench, backend, due, sizes.dispatch_small)
    try:
        with SinkProcess() as sink:
            ours = _dispatch_round(services, due_ids, sink)
            ours(-1)  # warm-up, untimed: records the bytes the baseline replays
            envelopes = sink.take()
            assert len(envelopes) == due, len(envelopes)
            paired = interleave(sizes.dispatch_repeats, ours, _replay(envelopes, sink))
    finally:
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
        "an aiosmtpd sink on loopback (a process of its own), against smtplib sending the "
        "same bytes over one connection to it; ratio = limit time / ours; median of "
        f"{sizes.dispatch_repeats} rounds, alternating",
    )


def _dispatch_round(
    services: Services, due_ids: list[int], sink: SinkProcess
) -> Callable[[int], float]:
    settings = SmtpSettings(
        host="127.0.0.1", port=sink.port, mail_from=SENDER, security="none", timeout=10.0
    )
    channel = SmtpChannel(settings, services.clock)
    dispatcher = Dispatcher(services, channel, TemplateRenderer(), DispatchSettings(SENDER))

    def one_round(_round: int) -> float:
        make_due(services, due_ids)
        sink.count()
        with stopwatch() as watch:
            report = dispatcher.run_once()
        assert len(report.sent) == len(due_ids), report.summary
        return watch.seconds

    return one_round


def _replay(envelopes: list[Envelope], sink: SinkProcess) -> Callable[[int], float]:
    def one_round(_round: int) -> float:
        sink.count()
        with stopwatch() as watch, smtplib.SMTP("127.0.0.1", sink.port, timeout=10.0) as smtp:
            for envelope in envelopes:
                smtp.sendmail(envelope.mail_from, envelope.rcpt_tos, envelope.content)
        assert sink.count() == len(envelopes)
        return watch.seconds

    return one_round

