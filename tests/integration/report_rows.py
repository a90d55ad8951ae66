"""The report tests' shared data: the demo's logins and clock, and the raw rows from
which each test counts its expected figures without the report code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from lifecycle.persistence.tables import (
    AuditEvent,
    Batch,
    BatchQuota,
    CareerRecord,
    Officer,
    Reminder,
    Signoff,
    Track,
)
from lifecycle.services import Services

JAKARTA = ZoneInfo("Asia/Jakarta")
# The demo is loaded "today" = 1 July 2026 (its live batch JD18 is nominated then), and
# the tests' clock stays there: every as-of date of the demo's year is in the past.
LOADED_AT = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
VIEWER = "jaif@jaif.example"  # the demo's funder login
COORDINATOR = "coordinator@asean.example"
SUPERVISOR = "m.santos@asean.example"
OFFICER = "jd17.officer01@kh.example"


@dataclass(frozen=True)
class Rows:
    officers: list[Any]  # id, ref, batch ref, track title, country, ministry, state, since
    events: dict[int, list[Any]]  # officer id -> (from, to, at, reason), oldest first
    approvals: list[Any]  # officer id, name, signed_at (every approval)
    reminders: list[Any]  # officer id, about, kind, due_at
    quotas: list[Any]  # batch ref, country, seats, batch created_at
    careers: list[Any]  # officer id, kind, from date


def raw_rows(services: Services, batch: str | None = None) -> Rows:
    with services.db.reading() as session:
        officers = [
            (
                o.id,
                o.ref,
                f"{t.ref_prefix}{b.number}",
                t.title,
                o.country,
                o.ministry,
                o.state,
                o.nominated_at,
            )
            for o, b, t in session.execute(
                select(Officer, Batch, Track)
                .join(Batch, Officer.batch_id == Batch.id)
                .join(Track, Batch.track_id == Track.id)
            )
        ]
        if batch is not None:
            officers = [o for o in officers if o[2] == batch]
        ids = {o[0] for o in officers}
        events: dict[int, list[Any]] = {i: [] for i in ids}
        for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
            if e.officer_id in ids:
                events[e.officer_id].append((e.from_state, e.to_state, e.occurred_at, e.reason))
        approvals = [
            (s.officer_id, s.name, s.signed_at)
            for s in session.scalars(select(Signoff).where(Signoff.decision == "approved"))
            if s.officer_id in ids
        ]
        reminders = [
            (r.officer_id, r.about, r.kind, r.due_at)
            for r in session.scalars(select(Reminder))
            if r.officer_id in ids
        ]
        quotas = [
            (f"{t.ref_prefix}{b.number}", q.country, q.seats, b.created_at)
            for q, b, t in session.execute(
                select(BatchQuota, Batch, Track)
                .join(Batch, BatchQuota.batch_id == Batch.id)
                .join(Track, Batch.track_id == Track.id)
            )
            if batch is None or f"{t.ref_prefix}{b.number}" == batch
        ]
        careers = [
            (c.officer_id, c.kind, c.from_date)
            for c in session.scalars(select(CareerRecord))
            if c.officer_id in ids
        ]
    return Rows(officers, events, approvals, reminders, quotas, careers)


def cutoff(day: date) -> datetime:
    """Midnight after ``day`` in Jakarta."""
    return datetime(day.year, day.month, day.day, tzinfo=JAKARTA) + timedelta(days=1)


def add_career(
    services: Services, officer_ref: str, kind: str, from_date: date, country: str = "KH"
) -> None:
    """A career record written directly (no service writes them for these tests)."""
    with services.transaction() as session:
        officer = session.scalar(select(Officer).where(Officer.ref == officer_ref))
        assert officer is not None
        session.add(
            CareerRecord(
                officer_id=officer.id,
                kind=kind,
                position="Director",
                organisation="Ministry of Foreign Affairs",
                country=country,
                from_date=from_date,
                source="coordinator",
                created_at=services.now(),
            )
        )
