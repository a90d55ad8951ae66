"""The funder's figures for a batch, a track or the whole programme, as of a date.

Everything is recomputed from the rows as they stood at the end of the as-of date in
Jakarta: each officer's stage is their audit trail replayed up to that instant
(``records`` loads the scope in a handful of set-based queries); the counting here is
plain Python over those rows.
``docs/reports.md`` defines each figure for the funder.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lifecycle.definition import SignoffDef, WorkflowDefinition
from lifecycle.errors import InvalidData
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import Batch
from lifecycle.reporting.model import (
    Count,
    Graduates,
    NominationSourceRow,
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
from lifecycle.reporting.records import JAKARTA, ScopedOfficer, ScopeRows, load
from lifecycle.roles import COUNTRIES, Role
from lifecycle.services.context import Services, require_role
from lifecycle.state_roles import StateRole

READERS = (Role.COORDINATOR, Role.VIEWER)  # admins always; never a person's own view
DEFAULT_WITHIN_YEARS = 2
MAX_WITHIN_YEARS = 50
NO_REASON = "(no reason recorded)"
Definitions = dict[int, WorkflowDefinition]  # by definition id


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
        loaded = load(services, session, batch_ids, as_of)
    return _assemble(scope, as_of, services.now(), within_years, loaded)


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


def _assemble(
    scope: Scope, as_of: date, now: datetime, within_years: int, data: ScopeRows
) -> Report:
    officers = data.officers
    countries = _countries(o.country for o in officers)
    labels = _stage_labels(data.definitions.values())
    return Report(
        scope=scope,
        funders=data.funders,
        as_of=as_of,
        generated_at=now,
        within_years=within_years,
        countries=countries,
        officers=len(officers),
        by_stage=_by_stage(officers, labels, countries),
        withdrawals=_withdrawals(officers, data.definitions, countries),
        stage_times=_stage_times(officers, labels),
        signoffs=_signoffs(data, as_of),
        graduates=_graduates(officers, data.definitions, data.batches, countries),
        outcomes=_outcomes(
            officers, data.definitions, data.careers, countries, as_of, within_years
        ),
        quotas=_quotas(officers, data.definitions, data.quotas, data.batches, countries),
        nominations=_nominations(officers, data.definitions),
    )


SOURCES = ("console", "sheet", "ministry")


def _nominations(
    officers: list[ScopedOfficer], definitions: Definitions
) -> tuple[NominationSourceRow, ...]:
    """Per source: the nominations, and the days each waited in the definition's
    initial state (the decision is leaving it) for those decided by the cutoff."""
    counts: Counter[str] = Counter()
    waits: dict[str, list[float]] = defaultdict(list)
    for o in officers:
        counts[o.source] += 1
        waited = o.timeline.days_in.get(definitions[o.definition_id].initial)
        if waited is not None:
            waits[o.source].append(waited)
    return tuple(
        NominationSourceRow(
            source,
            counts[source],
            len(waits[source]),
            counts[source] - len(waits[source]),
            round(statistics.fmean(waits[source]), 1) if waits[source] else None,
            round(statistics.median(waits[source]), 1) if waits[source] else None,
        )
        for source in (*SOURCES, *sorted(set(counts) - set(SOURCES)))
        if counts[source]
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
    officers: list[ScopedOfficer], labels: dict[str, str], countries: tuple[str, ...]
) -> tuple[StageRow, ...]:
    counts = Counter((o.timeline.state, o.country) for o in officers)
    rows = []
    for stage, label in labels.items():
        per_country = tuple(counts[(stage, c)] for c in countries)
        rows.append(StageRow(stage, label, per_country, sum(per_country)))
    return tuple(rows)


def _holds(officer: ScopedOfficer, definitions: Definitions, role: StateRole) -> bool:
    """Whether the officer's state at the cutoff holds ``role`` in their definition."""
    return definitions[officer.definition_id].has_role(officer.timeline.state, role)


def _entered(officer: ScopedOfficer, definitions: Definitions, role: StateRole) -> datetime | None:
    """When the officer first entered the one state holding ``role``, if they did."""
    return officer.timeline.entered.get(definitions[officer.definition_id].the_state(role))


def _withdrawals(
    officers: list[ScopedOfficer], definitions: Definitions, countries: tuple[str, ...]
) -> Withdrawals:
    gone = [o for o in officers if _holds(o, definitions, StateRole.WITHDRAWN)]
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


def _stage_times(officers: list[ScopedOfficer], labels: dict[str, str]) -> tuple[StageTime, ...]:
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


def _signoffs(data: ScopeRows, as_of: date) -> tuple[SignoffRow, ...]:
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
    officers: list[ScopedOfficer],
    definitions: Definitions,
    batches: dict[int, tuple[str, str]],
    countries: tuple[str, ...],
) -> Graduates:
    done = [o for o in officers if _entered(o, definitions, StateRole.GRADUATION)]
    return Graduates(
        total=len(done),
        by_track=_ordered(Counter(batches[o.batch_id][1] for o in done)),
        by_country=_ordered(Counter(o.country for o in done), countries),
        by_ministry=_ordered(Counter(o.ministry for o in done)),
    )


def _outcomes(
    officers: list[ScopedOfficer],
    definitions: Definitions,
    careers: list[tuple[int, str, date]],
    countries: tuple[str, ...],
    as_of: date,
    within_years: int,
) -> tuple[OutcomeRow, ...]:
    graduated_on = {
        o.id: jakarta_date(at)
        for o in officers
        if (at := _entered(o, definitions, StateRole.GRADUATION)) is not None
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
    officers: list[ScopedOfficer],
    definitions: Definitions,
    quotas: list[tuple[int, str, int]],
    batches: dict[int, tuple[str, str]],
    countries: tuple[str, ...],
) -> tuple[QuotaRow, ...]:
    accepted = Counter(
        (o.batch_id, o.country)
        for o in officers
        if _entered(o, definitions, StateRole.ACCEPTED) is not None
    )
    seats = {(bid, country): n for bid, country, n in quotas}
    # A country accepted beyond any quota still shows, with no seats, so totals add up.
    keys = set(seats) | set(accepted)
    order = {c: i for i, c in enumerate(countries)}
    return tuple(
        QuotaRow(batches[bid][0], country, seats.get((bid, country), 0), accepted[(bid, country)])
        for bid, country in sorted(keys, key=lambda k: (batches[k[0]][0], order.get(k[1], 99)))
    )
