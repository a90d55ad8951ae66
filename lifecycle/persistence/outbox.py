"""The reminders table's SQL: sync one officer's rows, claim due rows, record results.

Claims are safe against any number of dispatchers on one database: PostgreSQL skips
rows another transaction holds (FOR UPDATE SKIP LOCKED); SQLite serialises writers, so
the claiming UPDATE is atomic there. A claim is a lease: a dispatcher killed mid-send
leaves its rows in 'sending' until the lease runs out, then any dispatcher takes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, Update, and_, bindparam, case, or_, select, update
from sqlalchemy.orm import Session

from lifecycle.persistence import reminder_rows, reminder_statuses
from lifecycle.persistence.planner_hints import unselective
from lifecycle.persistence.tables import Reminder

# Defined where the CLI can read them without SQLAlchemy; named here too, for the
# callers that know them as outbox.PENDING and the like.
STATUSES = reminder_statuses.STATUSES
PENDING, SENDING, SENT, FAILED, CANCELLED, EXPIRED = STATUSES
REMINDERS = reminder_rows.REMINDERS


class WantedReminder(NamedTuple):
    """A reminder the rules call for now (the planner's output for one recipient).

    A named tuple rather than a frozen dataclass: planning a batch makes hundreds, and
    a tuple is built in a third of the time."""

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


# A new row is a WantedReminder and a tail (_new_values): its fields are the first columns.
if WantedReminder._fields != reminder_rows.NEW_COLUMNS[: len(WantedReminder._fields)]:
    raise RuntimeError("WantedReminder's fields are not reminder_rows.NEW_COLUMNS' first")


def sync_officer(
    session: Session, officer_id: int, wanted: Iterable[WantedReminder], now: datetime
) -> None:
    """Make the officer's unsent rows match ``wanted``: add, move, revive or cancel."""
    sync_officers(session, {officer_id: wanted}, now)


# What sync reads of each existing row: enough to decide, never a tracked ORM object.
# Its statements are built once: building them per call cost more than running them.
_SYNC_COLUMNS = (
    REMINDERS.c.id, REMINDERS.c.officer_id, REMINDERS.c.key, REMINDERS.c.status,
    REMINDERS.c.due_at, REMINDERS.c.send_at, REMINDERS.c.expires_at,
    REMINDERS.c.recipient_email, REMINDERS.c.recipient_name, REMINDERS.c.recipient_timezone,
    REMINDERS.c.attempts, REMINDERS.c.next_attempt_at,
)  # fmt: skip
_REFRESH = (
    update(REMINDERS)
    .where(REMINDERS.c.id == bindparam("row_id"))
    .values(
        {
            name: bindparam(f"new_{name}")
            for name in (
                "status", "due_at", "send_at", "expires_at", "recipient_email",
                "recipient_name", "recipient_timezone", "next_attempt_at", "updated_at",
            )
        }
    )
)  # fmt: skip
_ONE_OFFICER_ROWS = (
    select(*_SYNC_COLUMNS).where(REMINDERS.c.officer_id == bindparam("id")).with_for_update()
)
_OFFICERS_ROWS = (
    select(*_SYNC_COLUMNS)
    .where(REMINDERS.c.officer_id.in_(bindparam("ids", expanding=True)))
    .with_for_update()
)
_CANCEL = (
    update(REMINDERS)
    .where(REMINDERS.c.id.in_(bindparam("ids", expanding=True)))
    .values(status=CANCELLED, updated_at=bindparam("now"))
)
SYNC_CHUNK = 500  # officers per locking read: well inside every driver's parameter limit


def sync_officers(
    session: Session, wanted: Mapping[int, Iterable[WantedReminder]], now: datetime
) -> None:
    """``sync_officer`` for many officers at once: their rows read (and locked) in one
    query per SYNC_CHUNK officers, new rows in one INSERT, changed ones in one UPDATE
    each kind; rows that stay as they are are not written."""
    # Plain Core statements on the session's connection: no ORM object is involved, and
    # the session's own layer (events, autoflush) cost more than the statements. The
    # caller has flushed (Services.officer_changed does).
    connection = session.connection()
    added: list[reminder_rows.NewRow] = []
    refreshed: list[dict[str, object]] = []
    cancelled: list[int] = []
    officer_ids = list(wanted)
    for start in range(0, len(officer_ids), SYNC_CHUNK):
        chunk = officer_ids[start : start + SYNC_CHUNK]
        existing: dict[int, dict[str, Any]] = {officer_id: {} for officer_id in chunk}
        for row in _locked_rows(connection, chunk):
            existing[row.officer_id][row.key] = row
        for officer_id in chunk:
            rows = existing[officer_id]
            wanted_keys = set()
            for want in wanted[officer_id]:
                wanted_keys.add(want.key)
                row = rows.get(want.key)
                if row is None:
                    if want.expires_at > now:  # too late already: never create it to expire it
                        added.append(_new_values(officer_id, want, now))
                elif row.status in (PENDING, CANCELLED):
                    change = _refresh(row, want, now)
                    if change is not None:
                        refreshed.append(change)
            cancelled += [
                row.id
                for key, row in rows.items()
                if key not in wanted_keys and row.status == PENDING
            ]
    if added:
        # One bulk INSERT: an officer entering placement gets a few dozen rows at once,
        # and building a tracked ORM object for each cost more than planning them.
        reminder_rows.insert_rows(connection, added)
    if refreshed:
        connection.execute(_REFRESH, refreshed)
    for start in range(0, len(cancelled), SYNC_CHUNK):
        connection.execute(_CANCEL, {"ids": cancelled[start : start + SYNC_CHUNK], "now": now})


def _locked_rows(connection: Connection, officer_ids: list[int]) -> Iterator[Any]:
    # Locked (PostgreSQL; SQLite's writer lock already serialises): a dispatcher claims
    # with SKIP LOCKED, so it cannot claim, send and mark a row between our read and our
    # write, which would let us overwrite 'sent' with 'cancelled' (and later revive it).
    if len(officer_ids) == 1:
        yield from connection.execute(_ONE_OFFICER_ROWS, {"id": officer_ids[0]})
    else:
        yield from connection.execute(_OFFICERS_ROWS, {"ids": officer_ids})


def _new_row(officer_id: int | None, want: WantedReminder, now: datetime) -> Reminder:
    values = _new_values(officer_id, want, now)
    return Reminder(**dict(zip(reminder_rows.NEW_COLUMNS, values, strict=True)))


def _new_values(
    officer_id: int | None, want: WantedReminder, now: datetime
) -> reminder_rows.NewRow:
    # In reminder_rows.NEW_COLUMNS' order: the wanted fields as they are, then ours.
    # Concatenated: half the time of unpacking into a new tuple, per row of hundreds.
    tail = (officer_id, PENDING, first_attempt(want.send_at, want.expires_at), 0, now, now)
    return want + tail


def first_attempt(at: datetime, expires_at: datetime) -> datetime:
    """When a pending row is next tried: ``at``, but never after its expiry.

    The invariant the expiry pass stands on (``expire_overdue``): a pending row past its
    expiry is then also due, so that pass ranges over the sweep index (status,
    next_attempt_at) and needs no index of its own on the expiry. Every path that makes
    a row pending or moves its next attempt keeps it (new rows, re-plans, retries after
    a failure, a coordinator's retry or send-now). A row clamped to its expiry is never
    sent: the claim takes only rows not yet expired, and the pass expires it."""
    return at if at <= expires_at else expires_at


def _refresh(row: Any, want: WantedReminder, now: datetime) -> dict[str, object] | None:
    """The new values of an unsent row the rules still call for; None if unchanged."""
    changed = (
        row.status != PENDING
        or (row.due_at, row.send_at, row.expires_at) != (want.due_at, want.send_at, want.expires_at)
        or (row.recipient_email, row.recipient_name, row.recipient_timezone)
        != (want.recipient_email, want.recipient_name, want.recipient_timezone)
    )
    if not changed:
        return None
    if row.status == CANCELLED and want.expires_at <= now:
        return None  # its reason came back too late to matter
    return {
        "row_id": row.id,
        "new_status": PENDING,
        "new_due_at": want.due_at,
        "new_send_at": want.send_at,
        "new_expires_at": want.expires_at,
        "new_recipient_email": want.recipient_email,
        "new_recipient_name": want.recipient_name,
        "new_recipient_timezone": want.recipient_timezone,
        "new_next_attempt_at": first_attempt(
            max(want.send_at, row.next_attempt_at) if row.attempts else want.send_at,
            want.expires_at,
        ),
        "new_updated_at": now,
    }


def add_if_absent(session: Session, want: WantedReminder, now: datetime) -> bool:
    """Insert a row not tied to one officer (a digest) unless its key exists."""
    # Among the rows of no officer, by their own unique index (uq_reminders_unowned_key,
    # which the index on (officer_id, key) cannot stand in for): an officer's planned
    # rows never share a key with them (tables.Reminder says why).
    unowned = and_(Reminder.key == want.key, Reminder.officer_id.is_(None))
    if session.scalar(select(Reminder.id).where(unowned)) is not None:
        return False
    session.add(_new_row(None, want, now))
    return True


def expire_overdue(session: Session, now: datetime) -> int:
    """Pending rows past their expiry will never be sent: say so, once.

    So are rows a dispatcher claimed and abandoned (killed mid-send) whose lease and
    expiry have both run out: taken over, they would go out days late.

    A pending row's next attempt is never after its expiry (``first_attempt``), so the
    pending rows past their expiry are among those due: the pass ranges over the sweep
    index (status, next_attempt_at) to the due ones only, and with nothing due reads
    nothing, however many are pending (bench 4c).
    """
    overdue = and_(Reminder.status == PENDING, Reminder.next_attempt_at <= now)
    abandoned = and_(Reminder.status == SENDING, Reminder.claimed_until <= now)
    result = session.execute(
        update(Reminder)
        .where(or_(overdue, abandoned), Reminder.expires_at <= now)
        .values(status=EXPIRED, claimed_until=None, updated_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def claim(
    session: Session, token: str, now: datetime, lease: timedelta, limit: int
) -> list[Reminder]:
    """Claim up to ``limit`` due rows for this dispatcher; returns them.

    Only rows not yet expired: a retry clamped to its row's expiry comes due at that
    very moment, and is expired by the next pass, never sent."""
    due = and_(
        or_(
            and_(Reminder.status == PENDING, Reminder.next_attempt_at <= now),
            and_(Reminder.status == SENDING, Reminder.claimed_until <= now),
        ),
        Reminder.expires_at > now,
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


def rows_by_id(session: Session, ids: Sequence[int]) -> dict[int, Reminder]:
    """The rows with these ids (a claim's), by id, in one query."""
    return {row.id: row for row in session.scalars(select(Reminder).where(Reminder.id.in_(ids)))}


def renew(session: Session, reminder_id: int, token: str, now: datetime, lease: timedelta) -> bool:
    """Extend our claim on one row for another ``lease``; False if it was taken over."""
    result = session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.claimed_by == token, Reminder.status == SENDING)
        .values(claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def finish(
    connection: Connection,
    reminder_id: int,
    token: str,
    now: datetime,
    *,
    status: str,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> bool:
    """Record a send's outcome, only if our claim still holds (not taken over)."""
    params: dict[str, object] = {
        "row_id": reminder_id, "token": token, "new_status": status, "now": now,
        "error": error, "retry_at": retry_at,
    }  # fmt: skip
    statement = _FINISH[(status == SENT, error is not None, retry_at is not None)]
    # A plain Core statement built once: building the ORM UPDATE for every row cost
    # more than running it (one per message sent).
    result = connection.execute(statement, params)
    return bool(result.rowcount)


def _finish_statement(sent: bool, with_error: bool, with_retry: bool) -> Update:
    values: dict[str, Any] = {
        "status": bindparam("new_status"),
        "updated_at": bindparam("now"),
        "claimed_until": None,
        "attempts": REMINDERS.c.attempts + 1,
    }
    if sent:
        values["sent_at"] = bindparam("now")
    if with_error:
        values["last_error"] = bindparam("error")
    if with_retry:
        # Never after the row's expiry (first_attempt): a retry the backoff puts past it
        # waits at the expiry instead, where the next pass expires it.
        retry_at = bindparam("retry_at", type_=REMINDERS.c.next_attempt_at.type)
        values["next_attempt_at"] = case(
            (REMINDERS.c.expires_at < retry_at, REMINDERS.c.expires_at), else_=retry_at
        )
    return (
        update(REMINDERS)
        .where(
            REMINDERS.c.id == bindparam("row_id"),
            REMINDERS.c.claimed_by == bindparam("token"),
            REMINDERS.c.status == SENDING,
        )
        .values(values)
    )


_FINISH = {
    (sent, with_error, with_retry): _finish_statement(sent, with_error, with_retry)
    for sent in (False, True)
    for with_error in (False, True)
    for with_retry in (False, True)
}


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
        status = Reminder.status.in_(statuses)
        # One officer's: by its rows, not by every row of the status (planner_hints).
        query = query.where(status if officer_id is None else unselective(status))
    return list(session.scalars(query))
