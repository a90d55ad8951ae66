"""What every use case needs: the database, the clock, the compiled workflows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from lifecycle.clock import Clock, SystemClock
from lifecycle.document_store import DocumentStore, default_store
from lifecycle.errors import PermissionDenied
from lifecycle.persistence import repository as repo
from lifecycle.persistence.database import Database
from lifecycle.persistence.tables import Officer, User
from lifecycle.registry import WorkflowRegistry
from lifecycle.roles import SECRETARIAT_TIMEZONE, Role


class OfficerChangeListener(Protocol):
    """Told, inside the same transaction, whenever an officer or its facts change.

    The reminders planner registers here, so reminders are recomputed atomically with
    the change that made them due or obsolete, without the lifecycle importing it.
    """

    def officer_changed(self, session: Session, officer: Officer, now: datetime) -> None: ...

    def officers_changed(
        self, session: Session, officers: Sequence[Officer], now: datetime
    ) -> None:
        """The same for many officers at once (a batch's dates changed, say): one call,
        so a listener can read and write for all of them in a few statements."""


@dataclass
class Services:
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    workflows: WorkflowRegistry = field(default_factory=WorkflowRegistry)
    listeners: list[OfficerChangeListener] = field(default_factory=list)
    documents: DocumentStore = field(default_factory=default_store)  # uploaded files

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.db.transaction() as session:
            yield session

    def reading(self) -> Iterator[Session]:  # pragma: no cover - alias for readers
        return self.db.reading()  # type: ignore[return-value]

    def within(self, session: Session) -> Services:
        """These services with every use case joined to ``session``'s transaction, for a
        caller whose own write must stand or fall with the use case's (a link is spent
        only if the action it names is done)."""
        return replace(self, db=self.db.joined(session))

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """The date at the Secretariat, which is what programme dates are counted in."""
        return self.clock.now().astimezone(ZoneInfo(SECRETARIAT_TIMEZONE)).date()

    def officer_changed(self, session: Session, officer: Officer) -> None:
        now = self.now()
        repo.touch(officer, now)  # bumps the version even when only a fact changed
        session.flush()
        for listener in self.listeners:
            listener.officer_changed(session, officer, now)

    def officers_changed(self, session: Session, officers: Sequence[Officer]) -> None:
        """``officer_changed`` for each of ``officers``, told to the listeners at once."""
        now = self.now()
        repo.touch_many(session, officers, now)
        for listener in self.listeners:
            listener.officers_changed(session, officers, now)


def require_role(user: User, allowed: tuple[Role, ...] | list[Role], action: str) -> None:
    """Admins may do anything; everyone else needs one of ``allowed``."""
    if user.role == Role.ADMIN or user.role in allowed:
        return
    needed = " or ".join(str(r) for r in allowed)
    raise PermissionDenied(f"{user.email} is a {user.role}; {action} needs a {needed}")
