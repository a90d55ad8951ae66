"""A coordinator sends a failed reminder again, after fixing its cause."""

from __future__ import annotations

from datetime import UTC

from lifecycle.errors import Conflict, NotFound
from lifecycle.persistence import outbox
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import Reminder
from lifecycle.roles import Role
from lifecycle.services import Services
from lifecycle.services.context import require_role

# An expired reminder stays expired: its moment has passed, sending it now would mislead.
RETRYABLE = (outbox.FAILED,)


def retry(services: Services, reminder_id: int, *, actor: str) -> str:
    with services.transaction() as session:
        require_role(repo.user_by_email(session, actor), (Role.COORDINATOR,), "retrying a reminder")
        row = session.get(Reminder, reminder_id)
        if row is None:
            raise NotFound(f"no reminder #{reminder_id}")
        if row.status not in RETRYABLE:
            raise Conflict(
                f"reminder #{reminder_id} is {row.status}; only {' or '.join(RETRYABLE)} "
                "reminders can be retried"
            )
        now = services.now()
        if row.expires_at <= now:
            # Queued again, it would only be marked expired by the next pass.
            raise Conflict(
                f"reminder #{reminder_id} can no longer be sent: it was to go out by "
                f"{row.expires_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC, and that has passed"
            )
        row.status = outbox.PENDING
        row.attempts = 0
        row.next_attempt_at = now
        row.claimed_by = None
        row.claimed_until = None
        return f"reminder #{reminder_id} ({row.key}) will be sent on the next dispatch pass"
