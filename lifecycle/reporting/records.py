"""The rows one report needs, for one scope up to a cutoff, in a few set-based queries.

Never one query per officer: the programme may hold tens of thousands. Each officer's
history is replayed here (``replay``); officers not yet nominated at the cutoff are left
out. The counting is ``figures``' business.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from lifecycle.audit_triggers import MIGRATE
from lifecycle.definition import WorkflowDefinition
from lifecycle.persistence.tables import (
    AuditEvent,
    Batch,
    BatchQuota,
    CareerRecord,
    DefinitionVersion,
    Officer,
    Signoff,
    Track,
)
from lifecycle.reporting.replay import Event, Timeline, replay
from lifecycle.roles import SECRETARIAT_TIMEZONE
from lifecycle.services.context import Services
from lifecycle.services.inbox import deadlines

JAKARTA = ZoneInfo(SECRETARIAT_TIMEZONE)
OUTCOME_KINDS = ("promotion", "posting")


def end_of(day: date) -> datetime:
    """The first instant after ``day`` in Jakarta, in UTC: the cutoff, exclusive."""
    return datetime.combine(day + timedelta(days=1), time(), JAKARTA).astimezone(UTC)


@dataclass(frozen=True)
class ScopedOfficer:
    """An officer counted in the report, as they stood at the cutoff."""

    id: int
    batch_id: int
    country: str
    ministry: str
    definition_id: int
    timeline: Timeline
    source: str = "console"  # where the nomination came from: console, sheet or ministry


@dataclass(frozen=True)
class ScopeRows:
    """Everything the figures are counted from."""

    officers: list[ScopedOfficer]
    definitions: dict[int, WorkflowDefinition]
    batches: dict[int, tuple[str, str]]  # id -> (ref, track title)
    funders: tuple[str, ...]  # of the scope's batches that existed at the cutoff
    approvals: dict[tuple[int, str], datetime]  # first approval before the cutoff
    deadlines: dict[tuple[int, str], datetime]
    careers: list[tuple[int, str, date]]  # officer id, kind, from date
    quotas: list[tuple[int, str, int]]  # batch id, country, seats


def load(services: Services, session: Session, batch_ids: Select[Any], as_of: date) -> ScopeRows:
    cutoff = end_of(as_of)
    in_scope = select(Officer.id).where(Officer.batch_id.in_(batch_ids))
    history: dict[int, list[Event]] = defaultdict(list)
    for oid, from_state, to_state, reason, at, trigger in session.execute(
        select(
            AuditEvent.officer_id,
            AuditEvent.from_state,
            AuditEvent.to_state,
            AuditEvent.reason,
            AuditEvent.occurred_at,
            AuditEvent.trigger,
        )
        .where(AuditEvent.officer_id.in_(in_scope))
        .order_by(AuditEvent.officer_id, AuditEvent.occurred_at, AuditEvent.id)
    ):
        history[oid].append(Event(from_state, to_state, at, reason, trigger == MIGRATE))
    officers = []
    for oid, batch_id, country, ministry, definition_id, state, since, source in session.execute(
        select(
            Officer.id,
            Officer.batch_id,
            Officer.country,
            Officer.ministry,
            Officer.definition_id,
            Officer.state,
            Officer.nominated_at,
            Officer.source,
        )
        .where(Officer.batch_id.in_(batch_ids))
        .order_by(Officer.id)
    ):
        timeline = replay(history.get(oid, []), state, since, cutoff)
        if timeline is not None:
            officers.append(
                ScopedOfficer(oid, batch_id, country, ministry, definition_id, timeline, source)
            )
    used = {o.definition_id for o in officers}
    definitions = {
        published.id: services.workflows.get(published).definition
        for published in session.scalars(
            select(DefinitionVersion).where(DefinitionVersion.id.in_(used))
        )
    }
    batches: dict[int, tuple[str, str]] = {}
    funders: set[str] = set()
    for bid, prefix, number, title, funder, made in session.execute(
        select(
            Batch.id, Track.ref_prefix, Batch.number, Track.title, Batch.funder, Batch.created_at
        )
        .join(Track, Batch.track_id == Track.id)
        .where(Batch.id.in_(batch_ids))
    ):
        batches[bid] = (f"{prefix}{number}", title)
        if made < cutoff:
            funders.add(funder)
    approvals = {
        (oid, name): at
        for oid, name, at in session.execute(
            select(Signoff.officer_id, Signoff.name, func.min(Signoff.signed_at))
            .where(
                Signoff.officer_id.in_(in_scope),
                Signoff.decision == "approved",
                Signoff.signed_at < cutoff,
            )
            .group_by(Signoff.officer_id, Signoff.name)
        )
    }
    careers = [
        (oid, kind, day)
        for oid, kind, day in session.execute(
            select(CareerRecord.officer_id, CareerRecord.kind, CareerRecord.from_date).where(
                CareerRecord.officer_id.in_(in_scope),
                CareerRecord.kind.in_(OUTCOME_KINDS),
                CareerRecord.from_date <= as_of,
            )
        )
    ]
    quotas = [
        (bid, country, seats)
        for bid, country, seats in session.execute(
            select(BatchQuota.batch_id, BatchQuota.country, BatchQuota.seats)
            .join(Batch, BatchQuota.batch_id == Batch.id)
            # A batch set up after the as-of date had no seats to fill yet.
            .where(BatchQuota.batch_id.in_(batch_ids), Batch.created_at < cutoff)
        )
    ]
    return ScopeRows(
        officers,
        definitions,
        batches,
        tuple(sorted(funders)),
        approvals,
        deadlines(session, in_scope),
        careers,
        quotas,
    )
