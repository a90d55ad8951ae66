"""The CLI's shared state: options parsed once, services built on first use."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from lifecycle.clock import Clock, FakeClock, SystemClock
from lifecycle.errors import InvalidData

# The settings and the services are imported when first asked for: SQLAlchemy, the
# workflow engine and the reminders planner are most of the CLI's start-up time, and
# `--help` or a usage error needs none of them.
if TYPE_CHECKING:
    from console.settings import Settings
    from lifecycle.services import Services


@dataclass
class CliState:
    database: str | None = None
    now: str | None = None
    config: str | None = None
    _services: Services | None = field(default=None, repr=False)
    _settings: Settings | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        from console.settings import Settings

        if self._settings is None:
            self._settings = Settings.load(self.config)
        return self._settings

    def clock(self) -> Clock:
        if self.now is None:
            return SystemClock()
        try:
            instant = datetime.fromisoformat(self.now)
        except ValueError:
            raise InvalidData(
                f"--now {self.now!r} is not an ISO 8601 date-time like 2023-02-01T09:00+07:00"
            ) from None
        if instant.tzinfo is None:
            raise InvalidData(f"--now {self.now!r} needs a UTC offset, e.g. +07:00 or Z")
        return FakeClock(instant)

    def close(self) -> None:
        """Let go of the database connections (the command ran in a longer-lived
        process: a test, a script calling ``main``)."""
        if self._services is not None:
            self._services.db.dispose()
            self._services = None

    def services(self, *, ready: bool = True) -> Services:
        if self._services is None:
            from lifecycle.persistence.database import Database, database_url
            from lifecycle.services import Services
            from notifications.wiring import with_reminders

            services = Services(Database(database_url(self.database)), self.clock())
            self._services = with_reminders(services)
        if ready:
            self._services.db.ensure_ready()
        return self._services
