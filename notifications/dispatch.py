"""One dispatch pass: expire, claim, render, send, record. Safe to run anywhere, often.

Any number of dispatchers may run against one database: each claims rows under a lease
(see ``lifecycle.persistence.outbox``), so each reminder is sent once; a dispatcher
killed mid-send leaves its claim to expire and the row is sent again with the same
Message-ID, which is the only duplicate possible. One broken reminder (a template
error, a refused address) never stops the others.

Only a failure of the message itself (a 4xx reply to it) uses up its attempts. A mail
server that cannot be reached at all, or a template the coordinator has broken, says
nothing about the message: those reminders wait with the usual backoff, however long
it takes, until they are sent or their expiry passes (then they are marked expired,
with the last error kept, never silently dropped).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from lifecycle.persistence import outbox
from lifecycle.persistence.tables import Reminder
from lifecycle.services import Services
from notifications.channels.base import (
    Channel,
    HoldsTheEnd,
    PermanentDeliveryError,
    ReusesSessions,
    ServerUnavailable,
    TransientDeliveryError,
)
from notifications.lookahead import Lookahead
from notifications.message import Mailbox, OutgoingMessage
from notifications.outcome_recorder import OutcomeRecorder
from notifications.reminder_context import ContextBuilder
from notifications.rendering import TemplateRenderer
from notifications.template_errors import TemplateError
from notifications.workdays import WorkingCalendar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DispatchSettings:
    sender: Mailbox
    base_url: str = "http://127.0.0.1:8000"
    batch_size: int = 50
    lease: timedelta = timedelta(minutes=5)
    max_attempts: int = 8
    first_retry: timedelta = timedelta(minutes=2)
    max_retry: timedelta = timedelta(hours=2)


@dataclass
class DispatchReport:
    expired: int = 0
    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return (
            f"{len(self.sent)} sent, {len(self.retrying)} to retry, "
            f"{len(self.failed)} failed, {self.expired} expired"
        )


class Dispatcher:
    def __init__(
        self,
        services: Services,
        channel: Channel,
        renderer: TemplateRenderer,
        settings: DispatchSettings,
        calendar: WorkingCalendar | None = None,
    ) -> None:
        self.services = services
        self.channel = channel
        self.renderer = renderer
        self.settings = settings
        self.contexts = ContextBuilder(
            services.workflows, calendar or WorkingCalendar(), settings.base_url
        )
        self._outcomes: OutcomeRecorder | None = None  # while a claim is being sent
        # Asked once: a runtime-checkable protocol's isinstance inspects its members.
        self._holding: HoldsTheEnd | None = channel if isinstance(channel, HoldsTheEnd) else None

    def run_once(self) -> DispatchReport:
        """Send everything due now; loops until no due row is left to claim."""
        report = DispatchReport()
        now = self.services.now()
        with self.services.transaction() as session:
            report.expired = outbox.expire_overdue(session, now)
        while True:
            token = uuid.uuid4().hex
            # The time now, not the pass's start: a long pass must not claim rows under
            # a lease that has already run out.
            now = self.services.now()
            with self.services.transaction() as session:
                claimed = outbox.claim(
                    session, token, now, self.settings.lease, self.settings.batch_size
                )
                work = [(row.id, row.key, row.attempts) for row in claimed]
            if not work:
                return report
            leased_until = now + self.settings.lease
            # One SMTP session per claim, not one per message (channels that have one).
            claim_session = (
                self.channel.session()
                if isinstance(self.channel, ReusesSessions)
                else contextlib.nullcontext()
            )
            with claim_session:
                unreachable = self._send_claim(work, token, leased_until, report)
            if unreachable:
                return report

    def _send_claim(
        self,
        work: list[tuple[int, str, int]],
        token: str,
        leased_until: datetime,
        report: DispatchReport,
    ) -> bool:
        """Send one claim's rows in turn; True if the server could not be reached."""
        # One read session for composing the whole claim: its rows, officers and facts
        # read up front in a few queries (ContextBuilder.prepare), not seven or so per
        # reminder. Each outcome is still recorded in a transaction of its own, right
        # after the server's answer (see _finish).
        with (
            self.services.db.reading() as session,
            OutcomeRecorder(self.services.db.autocommitting) as outcomes,
            self.renderer.edits_checked_once(),
        ):
            # A database joined to a caller's session has one connection: its outcomes
            # are written in this thread, as before (a second thread would share it).
            self._outcomes = None if self.services.db.shares_one_session else outcomes
            try:
                rows = outbox.rows_by_id(session, [row_id for row_id, _, _ in work])
                self.contexts.prepare(session, rows.values())
                return self._send_rows(session, rows, work, token, leased_until, report)
            finally:
                self._outcomes = None

    def _send_rows(
        self,
        session: Session,
        rows: dict[int, Reminder],
        work: list[tuple[int, str, int]],
        token: str,
        leased_until: datetime,
        report: DispatchReport,
    ) -> bool:
        # Each reminder is composed while the one before it is on the wire (Lookahead,
        # stepped in the channel's waits for the server), not after its send returns.
        upcoming = [Lookahead(self._compose(session, rows[row_id])) for row_id, _, _ in work]
        for index, (row_id, key, attempts) in enumerate(work):
            now = self.services.now()
            if not self._still_ours(row_id, key, token, now, leased_until):
                continue
            following = upcoming[index + 1] if index + 1 < len(upcoming) else None
            unreachable = self._deliver(
                upcoming[index], following, rows[row_id], attempts, token, now, report
            )
            if unreachable is not None:
                # The rest of this claim waits with it, rather than each trying
                # (and timing out) in turn against a server that is not there.
                for rest_id, rest_key, rest_attempts in work[index + 1 :]:
                    self._postpone(
                        rest_id, rest_key, rest_attempts, token, now, unreachable, report
                    )
                return True
        return False

    def _still_ours(
        self, row_id: int, key: str, token: str, now: datetime, leased_until: datetime
    ) -> bool:
        """Renews the claim on a row once half its lease is gone; False if taken over.

        A claim slower to work through than its lease (a slow mail server, a long
        backlog) lets another dispatcher take over the rows still waiting in it; this
        one must then not send them too. Renewed before each send, a row stays ours for
        the send itself, which the SMTP time-out keeps far shorter than the lease.
        """
        if now < leased_until - self.settings.lease / 2:
            return True
        with self.services.transaction() as session:
            if outbox.renew(session, row_id, token, now, self.settings.lease):
                return True
        log.warning("reminder %s: another dispatcher took it over; not sending it", key)
        return False

    def _deliver(
        self,
        composed: Lookahead[OutgoingMessage],
        following: Lookahead[OutgoingMessage] | None,
        row: Reminder,
        attempts: int,
        token: str,
        now: datetime,
        report: DispatchReport,
    ) -> str | None:
        """Try one reminder; the error when the server could not be reached at all."""
        row_id, key = row.id, row.key
        try:
            message = composed.result()
            self._send(message, following)
        except TemplateError as exc:
            # The coordinator's to fix: the reminder waits (until it expires), it is not
            # the message's fault and must not use up its attempts.
            self._postpone(row_id, key, attempts, token, now, str(exc), report)
            return None
        except ServerUnavailable as exc:
            self._postpone(row_id, key, attempts, token, now, str(exc), report)
            return str(exc)
        except TransientDeliveryError as exc:
            self._retry_or_fail(row_id, key, attempts, token, now, str(exc), report)
            return None
        except PermanentDeliveryError as exc:
            log.warning("reminder %s refused: %s", key, exc)
            self._finish(row_id, token, now, status=outbox.FAILED, error=str(exc))
            report.failed.append(key)
            return None
        self._finish(row_id, token, now, status=outbox.SENT)
        report.sent.append(key)
        return None

    def _send(self, message: OutgoingMessage, following: Lookahead[OutgoingMessage] | None) -> None:
        """Send ``message``, completing it only once the last outcome is committed.

        What keeps a kill to at most one message sent but unrecorded: the server has a
        message only once its ending "." is sent, and that waits for the outcome before
        it (``OutcomeRecorder.wait``); everything else of this message overlaps that
        commit. ``following`` is composed in the waits for the server's replies.
        """
        outcomes = self._outcomes
        ready = _nothing if outcomes is None else outcomes.wait
        meanwhile = _nothing_more if following is None else following.step
        if self._holding is not None:
            self._holding.send_holding_end(message, ready, meanwhile)
            return
        ready()
        self.channel.send(message)
        meanwhile()

    def _postpone(
        self,
        row_id: int,
        key: str,
        attempts: int,
        token: str,
        now: datetime,
        error: str,
        report: DispatchReport,
    ) -> None:
        """Try again later with the usual backoff, never giving up: expiry bounds it."""
        self._finish(
            row_id, token, now, status=outbox.PENDING, error=error,
            retry_at=now + self._backoff(attempts),
        )
        report.retrying.append(key)

    def _backoff(self, attempts: int) -> timedelta:
        delay: timedelta = self.settings.first_retry * (2**attempts)
        return min(delay, self.settings.max_retry)

    def _retry_or_fail(
        self,
        row_id: int,
        key: str,
        attempts: int,
        token: str,
        now: datetime,
        error: str,
        report: DispatchReport,
    ) -> None:
        if attempts + 1 >= self.settings.max_attempts:
            self._finish(
                row_id,
                token,
                now,
                status=outbox.FAILED,
                error=f"gave up after {attempts + 1} attempts: {error}",
            )
            report.failed.append(key)
            return
        self._finish(
            row_id, token, now, status=outbox.PENDING, error=error,
            retry_at=now + self._backoff(attempts),
        )
        report.retrying.append(key)

    def _finish(self, row_id: int, token: str, now: datetime, **outcome: object) -> None:
        """Record one outcome, committed before the next message is completed
        (OutcomeRecorder, send_holding_end): a dispatcher killed at any moment leaves
        at most one message sent but not recorded."""

        def write(connection: Connection) -> None:
            if not outbox.finish(connection, row_id, token, now, **outcome):  # type: ignore[arg-type]
                log.warning("reminder %s: claim was taken over; outcome not recorded", row_id)

        if self._outcomes is None:
            with self.services.db.statements() as connection:
                write(connection)
        else:
            self._outcomes.record(write)

    def _compose(
        self, session: Session, row: Reminder
    ) -> Generator[None, None, OutgoingMessage]:
        """The message for ``row``, in steps (see ``Lookahead``); nothing runs until the
        first step, so the row's context is built at the time it is composed."""
        context = self.contexts.build(session, row, self.services.now())
        yield
        rendered = yield from self.renderer.render_in_steps(row.template, context)
        return OutgoingMessage.for_reminder(
            row.key,
            rendered,
            sender=self.settings.sender,
            recipient=Mailbox(row.recipient_name, row.recipient_email),
        )


def _nothing() -> None:
    pass


def _nothing_more() -> bool:
    return False
