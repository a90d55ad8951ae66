"""Loads what the guards and the reminder rules look at for one officer, once per
transaction.

An advance reads the officer's ticks, sign-offs, placement and transitions for its
guards, then the reminder planner needs the same rows (plus the transition just made).
They are read in one query and kept in the session for the rest of its transaction;
every flush keeps them current: a new audit event is appended, and a tick, sign-off or
placement written through the session (or a user renamed) drops the officer's copy, so
the next read goes back to the database; so does an INSERT, UPDATE or DELETE statement
on those tables run by ``session.execute``, and the end of the transaction or of a
savepoint. Anything writing them another way (the raw connection) must call ``forget``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from lifecycle.audit_triggers import MIGRATE
from lifecycle.engine import CompiledWorkflow
from lifecycle.guards import OfficerFacts, SignoffFact
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import (
    AuditEvent,
    ChecklistTick,
    Officer,
    Placement,
    Signoff,
    SignoffAssignment,
    SupervisorAbsence,
    User,
)
from lifecycle.roles import SECRETARIAT_TIMEZONE
from lifecycle.services.context import Services

_CACHE = "attache.facts"  # session.info key
# Writing one of these changes an officer's rows; AuditEvent is handled on its own.
_FACT_TABLES = (ChecklistTick, Signoff, Placement, SignoffAssignment)
# An absence is the supervisor's, so it changes the rows of every officer they supervise.
_EVERYONES = (User, SupervisorAbsence)
_WATCHED_NAMES = frozenset(
    str(model.__tablename__) for model in (*_FACT_TABLES, *_EVERYONES, AuditEvent)
)


@dataclass
class _Cache:
    rows: dict[int, repo.OfficerRows] = field(default_factory=dict)  # by officer id
    coordinators: list[repo.Contact] | None = None


def _cache(session: Session) -> _Cache:
    cache = session.info.get(_CACHE)
    if cache is None:
        cache = session.info[_CACHE] = _Cache()
    return cache


def workflow_of(services: Services, officer: Officer) -> CompiledWorkflow:
    return services.workflows.get(officer.definition)


def latest_signoffs(rows: list[Signoff]) -> dict[str, Signoff]:
    latest: dict[str, Signoff] = {}
    for row in rows:  # ordered by id, so the last decision wins
        latest[row.name] = row
    return latest


def officer_rows(session: Session, officer: Officer) -> repo.OfficerRows:
    """The officer's ticks, sign-offs, open placement and transitions, as of now."""
    return officers_rows(session, (officer,))[officer.id]


def officers_rows(session: Session, officers: Collection[Officer]) -> dict[int, repo.OfficerRows]:
    """``officer_rows`` of many officers: those not read yet, in a handful of queries."""
    cache = _cache(session)
    # Changes still pending in the session must count, as they would for a query
    # (autoflush); flushing them updates or drops the cached copies.
    session.flush()
    missing = [o.id for o in officers if o.id not in cache.rows]
    if missing:
        cache.rows.update(repo.officer_rows(session, missing))
    return {o.id: cache.rows[o.id] for o in officers}


def coordinators(session: Session) -> list[repo.Contact]:
    """Every coordinator (name, e-mail, zone) by id, read once per transaction."""
    cache = _cache(session)
    session.flush()
    if cache.coordinators is None:
        cache.coordinators = repo.coordinators(session)
    return cache.coordinators


def forget(session: Session, officer_id: int | None = None) -> None:
    """Drop what was cached of one officer (of everyone if None): rows written behind
    the session's back must be read again."""
    cache = session.info.get(_CACHE)
    if cache is not None:
        if officer_id is None:
            session.info.pop(_CACHE)
        else:
            cache.rows.pop(officer_id, None)


def facts_from(officer: Officer, rows: repo.OfficerRows) -> OfficerFacts:
    return OfficerFacts(
        state=officer.state,
        ticked=frozenset(rows.ticked),
        signoffs={
            name: SignoffFact(row.decision, row.signer, row.comment)
            for name, row in rows.signoffs.items()
        },
        has_placement=rows.placed,
        enabled_optional=frozenset(officer.batch.optional_stages),
        expiries=rows.expiries,
        anchors=anchor_dates(officer, rows) if rows.expiries else {},
    )


def anchor_dates(officer: Officer, rows: repo.OfficerRows) -> dict[str, date]:
    """The dates a document's expiry may be measured against ("batch:study_visit",
    "enter:placement"), read when the guards judge it rather than at upload: a study
    visit moved later after the passport was accepted must block the trigger again.
    (The facts carry them only for an officer holding a document with an expiry.)"""
    batch = officer.batch
    found = {"batch:start": batch.start_date, "batch:end": batch.end_date}
    found |= {f"batch:{k}": date.fromisoformat(v) for k, v in (batch.milestones or {}).items()}
    entered, left = entries_and_exits(rows.transitions)
    zone = ZoneInfo(SECRETARIAT_TIMEZONE)
    found |= {f"enter:{state}": at.astimezone(zone).date() for state, at in entered.items()}
    found |= {f"leave:{state}": at.astimezone(zone).date() for state, at in left.items()}
    return found


def entries_and_exits(
    transitions: Sequence[repo.Transition],
) -> tuple[dict[str, datetime], dict[str, datetime]]:
    """When the officer last entered and last left each state, from their transitions.

    A migration onto another definition version is no move: the stay it crosses goes
    on, under the new version's name for the state, from when it began (so the
    reminders counting from "entered placement" do not start again)."""
    entered: dict[str, datetime] = {}
    left: dict[str, datetime] = {}
    for step in transitions:  # in order, so the latest entry and exit win
        if step.migrated:
            if step.from_state in entered:
                entered[step.to_state] = entered[step.from_state]
            continue
        entered[step.to_state] = step.occurred_at
        left[step.from_state] = step.occurred_at
    return entered, left


def load_facts(session: Session, officer: Officer) -> OfficerFacts:
    return facts_from(officer, officer_rows(session, officer))


@event.listens_for(Session, "after_flush")
def _keep_current(session: Session, _context: Any) -> None:
    cache: _Cache | None = session.info.get(_CACHE)
    if cache is None:
        return
    for obj in session.new:
        if isinstance(obj, AuditEvent):
            rows = cache.rows.get(obj.officer_id)
            if rows is not None:  # the newest event: its id is above every stored one
                migrated = obj.trigger == MIGRATE
                step = repo.Transition(obj.from_state, obj.to_state, obj.occurred_at, migrated)
                rows.transitions.append(step)
        elif isinstance(obj, _FACT_TABLES):
            cache.rows.pop(obj.officer_id, None)
        elif isinstance(obj, User):
            cache.coordinators = None
        elif isinstance(obj, SupervisorAbsence):
            forget(session)
            return
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, _FACT_TABLES):
            cache.rows.pop(obj.officer_id, None)
        elif isinstance(obj, _EVERYONES):  # a signer's or supervisor's name may be cached
            forget(session)
            return


@event.listens_for(Session, "do_orm_execute")
def _forget_on_bulk_writes(state: ORMExecuteState) -> None:
    """An INSERT, UPDATE or DELETE statement on a fact table passes by the flush."""
    if _CACHE in state.session.info and (state.is_insert or state.is_update or state.is_delete):
        table = getattr(state.statement, "table", None)  # ORM entity or plain Table alike
        if getattr(table, "name", None) in _WATCHED_NAMES:
            forget(state.session)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # A savepoint's end too: what was read inside it may have been rolled back. (Each
    # flush runs in an inner transaction of its own, which is neither: kept.)
    if transaction.nested or transaction.parent is None:
        session.info.pop(_CACHE, None)
