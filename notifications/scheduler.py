"""The scheduler process: APScheduler is our clock, the reminders table is our store.

A job store shared by several scheduler processes would run jobs twice, so APScheduler
keeps only two in-memory jobs here — a dispatch pass every minute and the coordinators'
daily digest at 08:00 Jakarta — and every process can run them: claims and unique
digest keys make the work happen once.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from lifecycle.persistence import outbox
from lifecycle.persistence.tables import User
from lifecycle.roles import SECRETARIAT_TIMEZONE, Role
from lifecycle.services import Services
from notifications.dispatch import Dispatcher

log = logging.getLogger(__name__)


def queue_digest(services: Services) -> int:
    """Queue today's digest for each coordinator, once however many processes ask."""
    now = services.now()
    day = now.astimezone(ZoneInfo(SECRETARIAT_TIMEZONE)).date()
    queued = 0
    with services.transaction() as session:
        for user in session.scalars(select(User).where(User.role == Role.COORDINATOR)):
            want = outbox.WantedReminder(
                key=f"digest/{day.isoformat()}/{user.email}",
                rule="coordinator_digest",
                occurrence=1,
                kind="digest",
                template="coordinator_digest",
                about=None,
                recipient_role="coordinator",
                recipient_email=user.email,
                recipient_name=user.name,
                recipient_timezone=user.timezone,
                due_at=now,
                send_at=now,
                expires_at=now + timedelta(hours=20),
            )
            queued += outbox.add_if_absent(session, want, now)
    return queued


class ReminderScheduler:
    def __init__(
        self,
        services: Services,
        dispatcher: Dispatcher,
        interval_seconds: int = 60,
        *,
        background: bool = False,
    ) -> None:
        """``background`` runs the jobs in a thread beside a web server (``attache serve``)."""
        self.services = services
        self.dispatcher = dispatcher
        kind: type[BaseScheduler] = BackgroundScheduler if background else BlockingScheduler
        self.scheduler = kind(timezone=SECRETARIAT_TIMEZONE)
        # coalesce + one instance: after downtime, one catch-up pass, not one per tick.
        self.scheduler.add_job(
            self.dispatch,
            IntervalTrigger(seconds=interval_seconds),
            id="dispatch",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
        self.scheduler.add_job(
            self.digest,
            CronTrigger(hour=8, minute=0, timezone=SECRETARIAT_TIMEZONE),
            id="digest",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=6 * 3600,
        )

    def dispatch(self) -> None:
        try:
            report = self.dispatcher.run_once()
        except Exception:  # one failed pass must not stop the next: log it loudly
            log.exception("dispatch pass failed")
            return
        if report.sent or report.failed or report.expired:
            log.info("dispatch: %s", report.summary)

    def digest(self) -> None:
        try:
            queue_digest(self.services)
        except Exception:
            log.exception("digest failed")
        self.dispatch()

    def run_forever(self) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        self.dispatch()  # catch up at once after downtime
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            self.scheduler.start()

    def start_in_background(self) -> None:
        self.scheduler.add_job(self.dispatch, id="catch-up")  # once, at once, after downtime
        self.scheduler.start()

    def shutdown(self) -> None:
        self.scheduler.shutdown(wait=True)
