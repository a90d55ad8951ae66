"""A pending row's next attempt is never after its expiry (``outbox.first_attempt``).

The expiry pass (``outbox.expire_overdue``) stands on it since migration 0015: it finds
pending rows past their expiry through the sweep index (status, next_attempt_at), among
the due ones only. Whatever the sends, failures, backoffs and coordinators' retries, the
pass must expire exactly the rows the plain definition (pending, or abandoned mid-send,
and past their expiry) names, and no row may be sent at or after its expiry.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from lifecycle.clock import FakeClock
from lifecycle.errors import Conflict
from lifecycle.persistence import outbox
from lifecycle.persistence.tables import Reminder
from lifecycle.services import Services
from notifications import retrying
from tests.support import COORDINATOR, dump, seed_programme

LEASE = timedelta(minutes=5)
_SEEDED: set[int] = set()  # the services (one per test) given a coordinator who retries

minutes = st.integers(min_value=0, max_value=600).map(lambda m: timedelta(minutes=m))


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[tuple[timedelta, timedelta]], list[tuple[Any, ...]]]:
    """Rows (send after, expire after the send), then steps: the clock moved, then a
    dispatch pass whose sends each succeed, fail for good, fail for now (retried after
    a backoff that may overshoot the expiry) or are abandoned mid-send; or a
    coordinator's retry of every failed row."""
    rows = draw(
        st.lists(
            st.tuples(minutes, st.integers(min_value=1, max_value=300).map(
                lambda m: timedelta(minutes=m))),
            min_size=1, max_size=6,
        )
    )  # fmt: skip
    outcome = st.sampled_from(("sent", "failed", "retry", "abandoned"))
    step = st.one_of(
        st.tuples(st.just("pass"), minutes, st.lists(st.tuples(outcome, minutes), max_size=6)),
        st.tuples(st.just("retry_failed"), minutes, st.just([])),
    )
    return rows, draw(st.lists(step, min_size=1, max_size=8))


def _want(key: str, send_at: datetime, expires_at: datetime) -> outbox.WantedReminder:
    return outbox.WantedReminder(
        key, "t", 1, "digest", "coordinator_digest", None, "coordinator", COORDINATOR,
        "Coordinator", "Asia/Jakarta", send_at, send_at, expires_at,
    )  # fmt: skip


def _mine(services: Services, prefix: str) -> list[Reminder]:
    with services.db.reading() as session:
        found = list(session.scalars(select(Reminder).where(Reminder.key.startswith(prefix))))
        session.expunge_all()
        return found


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=histories())
def test_no_pending_row_is_due_after_its_expiry_and_the_pass_expires_the_right_rows(
    services: Services, clock: FakeClock, case: Any
) -> None:
    rows, steps = case
    if id(services) not in _SEEDED:
        seed_programme(services)
        _SEEDED.add(id(services))
    prefix = f"clamp/{uuid.uuid4().hex}/"
    start = clock.now()
    with services.transaction() as session:
        for n, (after, lasts) in enumerate(rows):
            send_at = start + after
            outbox.add_if_absent(session, _want(f"{prefix}{n}", send_at, send_at + lasts), start)
    sent: dict[str, datetime] = {}
    try:
        for kind, wait, outcomes in steps:
            clock.advance(wait)
            now = clock.now()
            if kind == "retry_failed":
                for row in _mine(services, prefix):
                    if row.status == outbox.FAILED and row.expires_at <= now:
                        before = dump(services)
                        with pytest.raises(Conflict, match="can no longer be sent"):
                            retrying.retry(services, row.id, actor=COORDINATOR)
                        assert before == dump(services)  # refused: nothing changed
                    elif row.status == outbox.FAILED:
                        retrying.retry(services, row.id, actor=COORDINATOR)
            else:
                _dispatch_pass(services, now, outcomes, sent)
            for row in _mine(services, prefix):
                if row.status == outbox.PENDING:
                    assert row.next_attempt_at <= row.expires_at, row.key
        for key, at in sent.items():
            (row,) = [r for r in _mine(services, prefix) if r.key == key]
            assert at < row.expires_at, key
    finally:
        with services.transaction() as session:
            session.execute(delete(Reminder).where(Reminder.key.startswith(prefix)))


def _dispatch_pass(
    services: Services, now: datetime, outcomes: list[tuple[str, timedelta]],
    sent: dict[str, datetime],
) -> None:  # fmt: skip
    """What Dispatcher.run_once does with the outbox, each send's outcome as drawn."""
    mine = {r.id: r for r in _mine(services, "clamp/")}
    expected = {
        i for i, r in mine.items()
        if r.expires_at <= now and (
            r.status == outbox.PENDING
            or (r.status == outbox.SENDING and r.claimed_until is not None
                and r.claimed_until <= now)
        )
    }  # fmt: skip
    with services.transaction() as session:
        outbox.expire_overdue(session, now)
    after = {r.id: r.status for r in _mine(services, "clamp/")}
    newly = {
        i for i, status in after.items()
        if status == outbox.EXPIRED and mine[i].status != outbox.EXPIRED
    }  # fmt: skip
    assert expected == newly
    token = uuid.uuid4().hex
    with services.transaction() as session:
        claimed = [(r.id, r.key) for r in outbox.claim(session, token, now, LEASE, 50)]
    outcomes = outcomes + [("sent", timedelta())] * len(claimed)  # the rest go out
    for (row_id, key), (outcome, backoff) in zip(claimed, outcomes, strict=False):
        if outcome == "abandoned":
            continue  # the dispatcher was killed: the lease runs out, another takes it
        with services.db.statements() as connection:
            if outcome == "sent":
                sent[key] = now
                outbox.finish(connection, row_id, token, now, status=outbox.SENT)
            elif outcome == "failed":
                outbox.finish(connection, row_id, token, now, status=outbox.FAILED, error="550")
            else:
                outbox.finish(
                    connection, row_id, token, now, status=outbox.PENDING, error="451",
                    retry_at=now + backoff,
                )  # fmt: skip


instants = st.datetimes(min_value=datetime(2000, 1, 1))


@given(
    at=instants, expiry=instants, send=instants, attempts=st.integers(min_value=0, max_value=3),
    status=st.sampled_from((outbox.PENDING, outbox.CANCELLED)),
)
def test_a_replanned_row_is_never_due_after_its_expiry(
    at: datetime, expiry: datetime, attempts: int, send: datetime, status: str
) -> None:
    """A re-plan that moves an unsent row keeps a retry's later attempt, but never past
    the row's new expiry; a new row is first tried at its send time, or its expiry."""
    row = SimpleNamespace(
        id=1, status=status, due_at=send, send_at=send, expires_at=expiry,
        recipient_email="", recipient_name="", recipient_timezone="",
        attempts=attempts, next_attempt_at=at,
    )  # fmt: skip
    want = _want("k", send, expiry)._replace(recipient_email="x")
    change = outbox._refresh(row, want, min(send, expiry) - timedelta(days=1))
    assert change is not None
    assert change["new_next_attempt_at"] <= want.expires_at
    previous = max(send, at) if attempts else send
    assert change["new_next_attempt_at"] == min(previous, expiry)
    values = outbox._new_values(1, want, send)
    new = dict(zip(outbox.reminder_rows.NEW_COLUMNS, values, strict=True))
    assert new["next_attempt_at"] == min(send, expiry)
