"""The reminders table's SQL: sync one officer's rows, claim due rows, record results.

Claims are safe against any number of dispatchers on one database: PostgreSQL skips
rows another transaction holds (FOR UPDATE SKIP LOCKED); SQLite serialises writers, so
the claiming UPDATE is atomic there. A claim is a lease: a dispatcher killed mid-send
leaves its rows in 'sending' until the lease runs out, then any dispatcher takes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session

from lifecycle.persistence.tables import Reminder

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
CANCELLED, EXPIRED = "cancelled", "expired"
STATUSES = (PENDING, SENDING, SENT, FAILED, CANCELLED, EXPIRED)


@dataclass(frozen=True)
class WantedReminder:
    """A reminder the rules call for now (the planner's output for one recipient)."""

    key: str
    rule: str
    occurrence: int
    kind: str
    template: str
    about: str | None
    recipient_role: str
    recipient_email: str
    recipient_name: str
    recipient_timezone: str
    due_at: datetime
    send_at: datetime
    expires_at: datetime


def sync_officer(
    session: Session, officer_id: int, wanted: Iterable[WantedReminder], now: datetime
) -> None:
    """Make the officer's unsent rows match ``wanted``: add, move, revive or cancel."""
    # Locked (PostgreSQL; SQLite's writer lock already serialises): a dispatcher claims
    # with SKIP LOCKED, so it cannot claim, send and mark a row between our read and our
    # write, which would let us overwrite 'sent' with 'cancelled' (and later revive it).
    existing = {
        row.key: row
        for row in session.scalars(
            select(Reminder).where(Reminder.officer_id == officer_id).with_for_update()
        )
    }
    wanted_keys = set()
    added: list[dict[str, object]] = []
    for want in wanted:
        wanted_keys.add(want.key)
        row = existing.get(want.key)
        if row is None:
            if want.expires_at > now:  # too late already: never create it just to expire it
                added.append(_new_values(officer_id, want, now))
        elif row.status in (PENDING, CANCELLED):
            _refresh(row, want, now)
    for key, row in existing.items():
        if key not in wanted_keys and row.status == PENDING:
            row.status = CANCELLED
            row.updated_at = now
    if added:
        # One bulk INSERT: an officer entering placement gets a few dozen rows at once,
        # and building a tracked ORM object for each cost more than planning them.
        session.execute(insert(Reminder), added)


def _new_row(officer_id: int | None, want: WantedReminder, now: datetime) -> Reminder:
    return Reminder(**_new_values(officer_id, want, now))


def _new_values(officer_id: int | None, want: WantedReminder, now: datetime) -> dict[str, object]:
    return {
        "key": want.key,
        "officer_id": officer_id,
        "rule": want.rule,
        "occurrence": want.occurrence,
        "kind": want.kind,
        "template": want.template,
        "about": want.about,
        "recipient_role": want.recipient_role,
        "recipient_email": want.recipient_email,
        "recipient_name": want.recipient_name,
        "recipient_timezone": want.recipient_timezone,
        "due_at": want.due_at,
        "send_at": want.send_at,
        "expires_at": want.expires_at,
        "status": PENDING,
        "next_attempt_at": want.send_at,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }


def _refresh(row: Reminder, want: WantedReminder, now: datetime) -> None:
    changed = (
        row.status != PENDING
        or (row.due_at, row.send_at, row.expires_at) != (want.due_at, want.send_at, want.expires_at)
        or (row.recipient_email, row.recipient_name, row.recipient_timezone)
        != (want.recipient_email, want.recipient_name, want.recipient_timezone)
    )
    if not changed:
        return
    if row.status == CANCELLED and want.expires_at <= now:
        return  # its reason came back too late to matter
    row.status = PENDING
    row.due_at, row.send_at, row.expires_at = want.due_at, want.send_at, want.expires_at
    row.recipient_email, row.recipient_name = want.recipient_email, want.recipient_name
    row.recipient_timezone = want.recipient_timezone
    row.next_attempt_at = max(want.send_at, row.next_attempt_at) if row.attempts else want.send_at
    row.updated_at = now


def add_if_absent(session: Session, want: WantedReminder, now: datetime) -> bool:
    """Insert a row not tied to one officer (a digest) unless its key exists."""
    if session.scalar(select(Reminder.id).where(Reminder.key == want.key)) is not None:
        return False
    session.add(_new_row(None, want, now))
    return True


def expire_overdue(session: Session, now: datetime) -> int:
    """Pending rows past their expiry will never be sent: say so, once.

    So are rows a dispatcher claimed and abandoned (killed mid-send) whose lease and
    expiry have both run out: taken over, they would go out days late.
    """
    abandoned = and_(Reminder.status == SENDING, Reminder.claimed_until <= now)
    result = session.execute(
        update(Reminder)
        .where(or_(Reminder.status == PENDING, abandoned), Reminder.expires_at <= now)
        .values(status=EXPIRED, claimed_until=None, updated_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def claim(
    session: Session, token: str, now: datetime, lease: timedelta, limit: int
) -> list[Reminder]:
    """Claim up to ``limit`` due rows for this dispatcher; returns them."""
    due = or_(
        and_(Reminder.status == PENDING, Reminder.next_attempt_at <= now),
        and_(Reminder.status == SENDING, Reminder.claimed_until <= now),
    )
    candidates = select(Reminder.id).where(due).order_by(Reminder.next_attempt_at).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # Locked here and held to the commit, so no rival can take them in between.
        # (Not as a subquery of the UPDATE: PostgreSQL may evaluate that more than
        # once, and SKIP LOCKED then picks new rows each time, past the limit.)
        ids = list(session.scalars(candidates.with_for_update(skip_locked=True)))
        if not ids:
            return []
        chosen = Reminder.id.in_(ids)
    else:
        # One statement, under SQLite's write lock from the start: a separate SELECT
        # runs outside it, and a rival claiming those rows in between would leave this
        # claim empty while other rows were still due, ending the pass early.
        chosen = Reminder.id.in_(candidates)
    session.execute(
        update(Reminder)
        .where(chosen, due)  # re-checked: another claimer may have won
        .values(status=SENDING, claimed_by=token, claimed_until=now + lease, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return list(
        session.scalars(
            select(Reminder)
            .where(Reminder.claimed_by == token, Reminder.status == SENDING)
            .order_by(Reminder.next_attempt_at)
        )
    )


def renew(
    session: Session, reminder_id: int, token: str, now: datetime, lease: timedelta
) -> bool:
    """Extend our claim on one row for another ``lease``; False if it was taken over."""
    result = session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.claimed_by == token, Reminder.status == SENDING)
        .values(claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def finish(
    session: Session,
    reminder_id: int,
    token: str,
    now: datetime,
    *,
    status: str,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> bool:
    """Record a send's outcome, only if our claim still holds (not taken over)."""
    values: dict[str, object] = {
        "status": status,
        "updated_at": now,
        "claimed_until": None,
        "attempts": Reminder.attempts + 1,
    }
    if status == SENT:
        values["sent_at"] = now
    if error is not None:
        values["last_error"] = error
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    result = session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.claimed_by == token, Reminder.status == SENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def listing(
    session: Session,
    *,
    officer_id: int | None = None,
    statuses: Sequence[str] = (),
    limit: int = 1000,
) -> list[Reminder]:
    query = select(Reminder).order_by(Reminder.send_at, Reminder.id).limit(limit)
    if officer_id is not None:
        query = query.where(Reminder.officer_id == officer_id)
    if statuses:
        query = query.where(Reminder.status.in_(statuses))
    return list(session.scalars(query))
