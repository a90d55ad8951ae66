"""Sending an officer's next reminder now, instead of on its planned day.

The reminder is not copied: its row (and so its key and Message-ID) stays the one the
planner made, only its send time moves to now, so the dispatcher's next pass sends it
once, exactly as it would have later. An officer with nothing pending is told so.
"""

from __future__ import annotations

from sqlalchemy import select

from lifecycle.errors import InvalidData
from lifecycle.persistence import repository as repo
from lifecycle.persistence.planner_hints import unselective
from lifecycle.persistence.tables import Reminder
from lifecycle.roles import Role
from lifecycle.services.context import Services, require_role
from lifecycle.services.officers import Outcome

REMINDERS = ("reminder", "overdue")  # the kinds that ask someone to act (not welcomes)


def send_now(services: Services, officer_ref: str, *, actor: str) -> Outcome:
    now = services.now()
    with services.transaction() as session:
        require_role(repo.user_by_email(session, actor), (Role.COORDINATOR,), "sending a reminder")
        officer = repo.officer_by_ref(session, officer_ref)
        row = session.scalars(
            select(Reminder)
            .where(
                Reminder.officer_id == officer.id,
                # By the officer's rows, not by every pending row (planner_hints).
                unselective(Reminder.status == "pending"),
                Reminder.kind.in_(REMINDERS),
                Reminder.send_at > now,
                Reminder.expires_at > now,
            )
            .order_by(Reminder.send_at, Reminder.id)
            .limit(1)
        ).first()
        if row is None:
            raise InvalidData(
                f"{officer.ref}: no reminder is waiting to be sent; each planned one has "
                "gone out or was cancelled when its task was done"
            )
        row.send_at = row.next_attempt_at = row.updated_at = now
        return Outcome(
            officer.ref,
            f"{officer.ref}: '{row.template}' to {row.recipient_name} goes out with the next "
            "dispatch",
            officer.state,
            officer.version,
        )
