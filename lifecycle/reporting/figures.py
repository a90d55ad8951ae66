"""The funder's figures for a batch, a track or the whole programme, as of a date.

Everything is recomputed from the rows as they stood at the end of the as-of date in
Jakarta: each officer's stage is their audit trail replayed up to that instant. A
handful of set-based queries load the scope at once (never one query per officer:
the programme may hold tens of thousands); the counting is plain Python over them.
``docs/reports.md`` defines each figure for the funder.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from lifecycle.definition import SignoffDef, WorkflowDefinition
from lifecycle.errors import InvalidData
from lifecycle.persistence import repository as repo
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
from lifecycle.reporting.model import (
    Count,
    Graduates,
    OutcomeRow,
    QuotaRow,
    Report,
    Scope,
    SignoffRow,
    StageRow,
    StageTime,
    WithdrawalReason,
    Withdrawals,
)
from lifecycle.reporting.replay import Event, Timeline, replay
from lifecycle.roles import COUNTRIES, SECRETARIAT_TIMEZONE, Role
from lifecycle.services.context import Services, require_role
from lifecycle.services.inbox import deadlines

JAKARTA = ZoneInfo(SECRETARIAT_TIMEZONE)
READERS = (Role.COORDINATOR, Role.VIEWER)  # admins always; never a person's own view
DEFAULT_WITHIN_YEARS = 2
MAX_WITHIN_YEARS = 50
ACCEPTED, WITHDRAWN, GRADUATED = "accepted", "withdrawn", "graduated"
OUTCOME_KINDS = ("promotion", "posting")
NO_REASON = "(no reason recorded)"


def build_report(
    services: Services,
    *,
    as_of: date,
    actor: str,
    batch: str | None = None,
    track: str | None = None,
    within_years: int = DEFAULT_WITHIN_YEARS,
) -> Report:
    """The report for one batch, one track, or (neither given) the whole programme."""
    if batch and track:
        raise InvalidData(
            "give a batch or a track, not both (neither: the whole programme)",
            fields={"scope": "both batch and track"},
        )
    if not 1 <= within_years <= MAX_WITHIN_YEARS:
        raise InvalidData(
            f"within-years {within_years} must be a whole number from 1 to {MAX_WITHIN_YEARS}",
            fields={"within_years": "out of range"},
        )
    today = services.today()
    if as_of > today:
        raise InvalidData(
            f"as-of date {as_of} is after today ({today} in Jakarta): a report can only look back",
            fields={"as_of": "in the future"},
        )
    with services.db.reading() as session:
        require_role(repo.user_by_email(session, actor), READERS, "reporting")
        scope, batch_ids = _scope(session, batch, track)
        loaded = _load(services, session, batch_ids, as_of)
    return _assemble(scope, as_of, services.now(), within_years, loaded)


def end_of(day: date) -> datetime:
    """The first instant after ``day`` in Jakarta, in UTC: the cutoff, exclusive."""
    return datetime.combine(day + timedelta(days=1), time(), JAKARTA).astimezone(UTC)


def jakarta_date(instant: datetime) -> date:
    return instant.astimezone(JAKARTA).date()


def _scope(session: Session, batch: str | None, track: str | None) -> tuple[Scope, Select[Any]]:
    if batch:
        row = repo.batch_by_ref(session, batch)
        title = f"Batch {row.ref}, {row.track.title} ({row.start_date} to {row.end_date})"
        return Scope("batch", row.ref, title), select(Batch.id).where(Batch.id == row.id)
    if track:
        found = repo.track_by_slug(session, track.strip())
        return Scope("track", found.slug, found.title), select(Batch.id).where(
            Batch.track_id == found.id
        )
    return Scope("programme", "", "The whole programme"), select(Batch.id)


@dataclass(frozen=True)
class _Officer:
    id: int
    batch_id: int
    country: str
    ministry: str
    definition_id: int
    timeline: Timeline


@dataclass(frozen=True)
class _Loaded:
    officers: list[_Officer]
    definitions: dict[int, WorkflowDefinition]
    batches: dict[int, tuple[str, str]]  # id -> (ref, track title)
    approvals: dict[tuple[int, str], datetime]  # first approval before the cutoff
    deadlines: dict[tuple[int, str], datetime]
    careers: list[tuple[int, str, date]]  # officer id, kind, from date
    quotas: list[tuple[int, str, int]]  # batch id, country, seats


def _load(services: Services, session: Session, batch_ids: Select[Any], as_of: date) -> _Loaded:
    cutoff = end_of(as_of)
    in_scope = select(Officer.id).where(Officer.batch_id.in_(batch_ids))
    history: dict[int, list[Event]] = defaultdict(list)
    for oid, from_state, to_state, reason, at in session.execute(
        select(
            AuditEvent.officer_id,
            AuditEvent.from_state,
            AuditEvent.to_state,
            AuditEvent.reason,
            AuditEvent.occurred_at,
        )
        .where(AuditEvent.officer_id.in_(in_scope))
        .order_by(AuditEvent.officer_id, AuditEvent.occurred_at, AuditEvent.id)
    ):
        history[oid].append(Event(from_state, to_state, at, reason))
    officers = []
    for oid, batch_id, country, ministry, definition_id, state, since in session.execute(
        select(
            Officer.id,
            Officer.batch_id,
            Officer.country,
            Officer.ministry,
            Officer.definition_id,
            Officer.state,
            Officer.state_since,
        )
        .where(Officer.batch_id.in_(batch_ids))
        .order_by(Officer.id)
    ):
        timeline = replay(history.get(oid, []), state, since, cutoff)
        if timeline is not None:
            officers.append(_Officer(oid, batch_id, country, ministry, definition_id, timeline))
    used = {o.definition_id for o in officers}
    definitions = {
        published.id: services.workflows.get(published).definition
        for published in session.scalars(
            select(DefinitionVersion).where(DefinitionVersion.id.in_(used))
        )
    }
    batches = {
        bid: (f"{prefix}{number}", title)
        for bid, prefix, number, title in session.execute(
            select(Batch.id, Track.ref_prefix, Batch.number, Track.title)
            .join(Track, Batch.track_id == Track.id)
            .where(Batch.id.in_(batch_ids))
        )
    }
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
    return _Loaded(
        officers, definitions, batches, approvals, deadlines(session, in_scope), careers, quotas
    )


def _assemble(scope: Scope, as_of: date, now: datetime, within_years: int, data: _Loaded) -> Report:
    officers = data.officers
    countries = _countries(o.country for o in officers)
    labels = _stage_labels(data.definitions.values())
    return Report(
        scope=scope,
        as_of=as_of,
        generated_at=now,
        within_years=within_years,
        countries=countries,
        officers=len(officers),
        by_stage=_by_stage(officers, labels, countries),
        withdrawals=_withdrawals(officers, countries),
        stage_times=_stage_times(officers, labels),
        signoffs=_signoffs(data, as_of),
        graduates=_graduates(officers, data.batches, countries),
        outcomes=_outcomes(officers, data.careers, countries, as_of, within_years),
        quotas=_quotas(officers, data.quotas, data.batches, countries),
    )


def _countries(present: Iterable[str]) -> tuple[str, ...]:
    """The four programme countries always, in their usual order; any other after."""
    others = sorted(set(present) - set(COUNTRIES))
    return (*COUNTRIES, *others)


def _stage_labels(definitions: Iterable[WorkflowDefinition]) -> dict[str, str]:
    """Every stage of every track in the scope, in workflow order, with its label."""
    labels: dict[str, str] = {}
    for definition in sorted(definitions, key=lambda d: d.key):
        for state in definition.states:
            labels.setdefault(state.name, state.label)
    return labels


def _ordered(counter: Counter[str], order: Iterable[str] | None = None) -> tuple[Count, ...]:
    if order is not None:
        return tuple(Count(key, counter[key]) for key in order)
    return tuple(Count(k, n) for k, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _by_stage(
    officers: list[_Officer], labels: dict[str, str], countries: tuple[str, ...]
) -> tuple[StageRow, ...]:
    counts = Counter((o.timeline.state, o.country) for o in officers)
    rows = []
    for stage, label in labels.items():
        per_country = tuple(counts[(stage, c)] for c in countries)
        rows.append(StageRow(stage, label, per_country, sum(per_country)))
    return tuple(rows)


def _withdrawals(officers: list[_Officer], countries: tuple[str, ...]) -> Withdrawals:
    gone = [o for o in officers if o.timeline.state == WITHDRAWN]
    reasons: Counter[tuple[str, str]] = Counter()
    for o in gone:
        last = o.timeline.last
        assert last is not None  # withdrawn is reached only by a transition
        reasons[(last.from_state, (last.reason or "").strip() or NO_REASON)] += 1
    return Withdrawals(
        total=len(gone),
        by_country=_ordered(Counter(o.country for o in gone), countries),
        reasons=tuple(
            WithdrawalReason(stage, reason, n)
            for (stage, reason), n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
        ),
    )


def _stage_times(officers: list[_Officer], labels: dict[str, str]) -> tuple[StageTime, ...]:
    days: dict[str, list[float]] = defaultdict(list)
    for o in officers:
        for stage, spent in o.timeline.days_in.items():
            days[stage].append(spent)
    return tuple(
        StageTime(
            stage,
            label,
            len(days[stage]),
            round(statistics.fmean(days[stage]), 1),
            round(statistics.median(days[stage]), 1),
        )
        for stage, label in labels.items()
        if days[stage]
    )


def _signoffs(data: _Loaded, as_of: date) -> tuple[SignoffRow, ...]:
    specs: dict[str, SignoffDef] = {}
    for definition in sorted(data.definitions.values(), key=lambda d: d.key):
        for spec in definition.signoffs:
            specs.setdefault(spec.name, spec)
    tally: dict[str, Counter[str]] = {name: Counter() for name in specs}
    for o in data.officers:
        for spec in data.definitions[o.definition_id].signoffs:
            approved = data.approvals.get((o.id, spec.name))
            due = data.deadlines.get((o.id, spec.name))
            if approved is not None:
                if due is None:
                    outcome = "no_deadline"
                else:
                    # Counted by day in Jakarta: approved on the day it is due is on time.
                    late = jakarta_date(approved) > jakarta_date(due)
                    outcome = "late" if late else "on_time"
            elif due is not None and jakarta_date(due) < as_of and o.timeline.state == spec.stage:
                outcome = "overdue_open"
            else:
                continue
            tally[spec.name][outcome] += 1
    return tuple(
        SignoffRow(
            name,
            spec.label,
            tally[name]["on_time"],
            tally[name]["late"],
            tally[name]["no_deadline"],
            tally[name]["overdue_open"],
        )
        for name, spec in specs.items()
    )


def _graduates(
    officers: list[_Officer], batches: dict[int, tuple[str, str]], countries: tuple[str, ...]
) -> Graduates:
    done = [o for o in officers if GRADUATED in o.timeline.entered]
    return Graduates(
        total=len(done),
        by_track=_ordered(Counter(batches[o.batch_id][1] for o in done)),
        by_country=_ordered(Counter(o.country for o in done), countries),
        by_ministry=_ordered(Counter(o.ministry for o in done)),
    )


def _outcomes(
    officers: list[_Officer],
    careers: list[tuple[int, str, date]],
    countries: tuple[str, ...],
    as_of: date,
    within_years: int,
) -> tuple[OutcomeRow, ...]:
    graduated_on = {
        o.id: jakarta_date(o.timeline.entered[GRADUATED])
        for o in officers
        if GRADUATED in o.timeline.entered
    }
    records: dict[int, Counter[str]] = defaultdict(Counter)
    for oid, kind, day in careers:
        start = graduated_on.get(oid)
        if start is not None and start <= day <= min(
            as_of, start + relativedelta(years=within_years)
        ):
            records[oid][kind] += 1
    country_of = {o.id: o.country for o in officers}
    rows = []
    for country in countries:
        mine = [oid for oid in graduated_on if country_of[oid] == country]
        rows.append(
            OutcomeRow(
                country,
                graduates=len(mine),
                promoted=sum(1 for oid in mine if records[oid]["promotion"]),
                posted=sum(1 for oid in mine if records[oid]["posting"]),
                promotions=sum(records[oid]["promotion"] for oid in mine),
                postings=sum(records[oid]["posting"] for oid in mine),
            )
        )
    return tuple(rows)


def _quotas(
    officers: list[_Officer],
    quotas: list[tuple[int, str, int]],
    batches: dict[int, tuple[str, str]],
    countries: tuple[str, ...],
) -> tuple[QuotaRow, ...]:
    accepted = Counter((o.batch_id, o.country) for o in officers if ACCEPTED in o.timeline.entered)
    seats = {(bid, country): n for bid, country, n in quotas}
    # A country accepted beyond any quota still shows, with no seats, so totals add up.
    keys = set(seats) | set(accepted)
    order = {c: i for i, c in enumerate(countries)}
    return tuple(
        QuotaRow(batches[bid][0], country, seats.get((bid, country), 0), accepted[(bid, country)])
        for bid, country in sorted(keys, key=lambda k: (batches[k[0]][0], order.get(k[1], 99)))
    )
