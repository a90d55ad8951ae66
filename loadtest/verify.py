"""After a run: do the audit log, the officers, the reminders and the mail agree?

Each check returns findings (one line each); no finding means it holds:

1. replay: each officer's audit events, in order from the initial state, are legal
   transitions of its workflow (guards included, judged on the facts as they stood at
   the event) and end in the officer's stored state;
2. writes: what the workers were told succeeded is exactly what is stored: one audit
   event per advance, one tick, sign-off or placement row per tick, sign-off or place
   (no lost update; nothing written by a refused call);
3. versions: each officer's successful writes, in the order of the versions they left,
   form one chain from its seeded version to its stored version: each write based on a
   version is based on the one the write before it left (none on a stale one);
4. mail: no reminder key or Message-ID arrived twice, each to its row's recipient;
   every row marked sent arrived; nothing left 'sending'; nothing due at the end unsent;
   sent_rows: every message that arrived has its row marked sent, as the dispatchers'
   own accounts say (no reminder reported by both), and no row keeps a claim;
5. crashes: every process reported; nothing but Conflict or TransitionNotAllowed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecycle.engine import CompiledWorkflow
from lifecycle.errors import TransitionNotAllowed
from lifecycle.guards import OfficerFacts, SignoffFact
from lifecycle.persistence import outbox
from lifecycle.persistence.database import Database
from lifecycle.persistence.tables import (
    AuditEvent,
    ChecklistTick,
    Officer,
    Placement,
    Reminder,
    Signoff,
)
from lifecycle.registry import WorkflowRegistry
from loadtest.load import LoadRun
from notifications.message import message_id_for


@dataclass
class Verification:
    findings: dict[str, list[str]] = field(default_factory=dict)
    officers_by_state: Counter[str] = field(default_factory=Counter)
    reminders_by_status: Counter[str] = field(default_factory=Counter)
    audit_events: int = 0

    @property
    def holds(self) -> bool:
        return not any(self.findings.values())


@dataclass
class _Stored:
    officers: list[Officer]
    events: dict[int, list[AuditEvent]]
    ticks: dict[int, list[ChecklistTick]]
    signoffs: dict[int, list[Signoff]]
    placements: dict[int, list[Placement]]
    reminders: list[Reminder]


def verify(run: LoadRun) -> Verification:
    database = Database(run.url)
    try:
        with database.reading() as session:  # the rows are read inside it, once
            stored = _load(session)
            registry = WorkflowRegistry()
            return Verification(
                findings={
                    "replay": [
                        problem for officer in stored.officers
                        for problem in _replay(officer, registry.get(officer.definition),
                                               stored)
                    ],
                    "writes": list(_writes(run, stored)),
                    "versions": list(_versions(run, stored)),
                    "mail": list(_mail(run, stored)),
                    "sent_rows": list(_sent_rows(run, stored)),
                    "crashes": list(_crashes(run)),
                },
                officers_by_state=Counter(o.state for o in stored.officers),
                reminders_by_status=Counter(r.status for r in stored.reminders),
                audit_events=sum(len(e) for e in stored.events.values()),
            )
    finally:
        database.dispose()


def _load(session: Session) -> _Stored:
    def by_officer(rows: Iterable[AuditEvent | ChecklistTick | Signoff | Placement]) -> Any:
        grouped: defaultdict[int, list[Any]] = defaultdict(list)
        for row in rows:
            grouped[row.officer_id].append(row)
        return grouped

    return _Stored(
        officers=list(session.scalars(select(Officer).order_by(Officer.id))),
        events=by_officer(session.scalars(select(AuditEvent).order_by(AuditEvent.id))),
        ticks=by_officer(session.scalars(select(ChecklistTick).order_by(ChecklistTick.id))),
        signoffs=by_officer(session.scalars(select(Signoff).order_by(Signoff.id))),
        placements=by_officer(session.scalars(select(Placement).order_by(Placement.id))),
        reminders=list(session.scalars(select(Reminder).order_by(Reminder.id))),
    )


# --- 1. replay --------------------------------------------------------------------------


def _replay(officer: Officer, workflow: CompiledWorkflow, stored: _Stored) -> Iterable[str]:
    state = workflow.definition.initial
    for event in stored.events.get(officer.id, []):
        where = f"{officer.ref} event {event.id} ({event.trigger}: {event.from_state} -> " \
            f"{event.to_state})"
        if event.from_state != state:
            yield f"{where}: the officer was {state} before it"
        facts = _facts_at(officer, state, event.occurred_at, stored)
        try:
            reached = workflow.fire(facts, event.trigger)
        except TransitionNotAllowed as refused:
            yield f"{where}: not a legal transition then: {refused}"
        else:
            if reached != event.to_state:
                yield f"{where}: the workflow leads to {reached}"
        state = event.to_state
    if state != officer.state:
        yield f"{officer.ref}: its audit events end in {state}, but it is {officer.state}"


def _facts_at(officer: Officer, state: str, instant: datetime, stored: _Stored) -> OfficerFacts:
    """What the guards saw at ``instant``, from the rows' own timestamps.

    A fact's time is taken inside its transaction, before its commit; a transition reads
    the facts, then takes its time: so every fact it saw is stamped before it. (Facts
    stamped before it that it did not see can only add ticks, approvals or a placement,
    which never turn a legal transition illegal: this check has no false alarms.)
    """
    latest: dict[str, Signoff] = {}
    for row in stored.signoffs.get(officer.id, []):
        if row.signed_at <= instant:
            latest[row.name] = row
    return OfficerFacts(
        state=state,
        ticked=frozenset(
            t.item_key for t in stored.ticks.get(officer.id, []) if t.ticked_at <= instant
        ),
        signoffs={
            name: SignoffFact(row.decision, row.signer.name, row.comment)
            for name, row in latest.items()
        },
        has_placement=any(
            p.created_at <= instant and (p.ended_at is None or p.ended_at > instant)
            for p in stored.placements.get(officer.id, [])
        ),
        enabled_optional=frozenset(officer.batch.optional_stages),
    )


# --- 2. writes --------------------------------------------------------------------------


def _writes(run: LoadRun, stored: _Stored) -> Iterable[str]:
    told: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for ref, seeded in run.seeding.writes.items():
        told[ref].update(seeded)
    for report in run.workers:
        for write in report.writes:
            if write.wrote:
                told[write.ref][write.label] += 1
    found: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for officer in stored.officers:
        rows = found[officer.ref]
        rows.update(f"advance:{e.trigger}" for e in stored.events.get(officer.id, []))
        rows.update(f"tick:{t.item_key}" for t in stored.ticks.get(officer.id, []))
        rows.update(
            f"sign_off:{s.name}:{s.decision}" for s in stored.signoffs.get(officer.id, [])
        )
        rows.update("place" for _ in stored.placements.get(officer.id, []))
    for ref in sorted(set(told) | set(found)):
        lost, extra = told[ref] - found[ref], found[ref] - told[ref]
        if lost:
            yield f"{ref}: reported as done but not stored (lost update): {dict(lost)}"
        if extra:
            yield f"{ref}: stored but no worker was told it succeeded: {dict(extra)}"
    advances = sum(n for c in told.values() for label, n in c.items() if label[:8] == "advance:")
    events = sum(len(e) for e in stored.events.values())
    if advances != events:
        yield f"{advances} successful advances (seeding included), {events} audit events stored"


# --- 3. versions ------------------------------------------------------------------------


def _versions(run: LoadRun, stored: _Stored) -> Iterable[str]:
    """A write may bump the version more than once (a flush midway through its
    transaction), so versions need not be consecutive; but taken in the order of the
    versions they left, each write based on a version must be based on the one the
    write before it left: a success based on anything older is a lost update."""
    writes: defaultdict[str, list[Any]] = defaultdict(list)
    for report in run.workers:
        for write in report.writes:
            if write.wrote:
                writes[write.ref].append(write)
    for officer in stored.officers:
        start = run.seeding.versions[officer.ref]
        mine = sorted(writes[officer.ref], key=lambda w: w.version)
        for version, n in Counter(w.version for w in mine).items():
            if n > 1:
                yield f"{officer.ref}: {n} successful writes all left version {version}"
        for version, n in Counter(w.based_on for w in mine if w.based_on is not None).items():
            if n > 1:
                yield f"{officer.ref}: {n} successful writes were all based on version {version}"
        before = start
        for w in mine:
            if w.version <= before:
                yield f"{officer.ref}: {w.label} left version {w.version}, not above {before}"
            if w.based_on is not None and w.based_on != before:
                yield (f"{officer.ref}: {w.label} was based on version {w.based_on}, but "
                       f"the write before it left version {before}")
            before = w.version
        if officer.version != before:
            yield (f"{officer.ref}: stored at version {officer.version}, but its last "
                   f"successful write left version {before}")


# --- 4. mail ----------------------------------------------------------------------------


def _mail(run: LoadRun, stored: _Stored) -> Iterable[str]:
    received = run.received
    for key, n in Counter(m.key for m in received).items():
        if n > 1:
            yield f"reminder {key} was received {n} times"
    for message_id, n in Counter(m.message_id for m in received).items():
        if n > 1:
            yield f"Message-ID {message_id} was received {n} times"
    for m in received:
        if m.message_id != message_id_for(m.key):
            yield f"reminder {m.key} arrived with Message-ID {m.message_id}"
    rows = {r.key: r for r in stored.reminders}
    sent = {key for key, r in rows.items() if r.status == outbox.SENT}
    arrived = {m.key for m in received}
    for key in sorted(sent - arrived):
        yield f"reminder {key} is marked sent but never arrived"
    for m in received:
        if m.key in rows and m.recipient != rows[m.key].recipient_email:
            yield f"reminder {m.key} went to {m.recipient}, not {rows[m.key].recipient_email}"
    for d in run.dispatchers:
        if d.retrying or d.failed:
            yield (f"dispatcher {d.dispatcher}: {len(d.retrying)} to retry, {len(d.failed)} "
                   f"failed, though the server accepts every message: "
                   f"{(d.retrying + d.failed)[:3]}")
    for r in stored.reminders:
        if r.status == outbox.SENDING:
            yield f"reminder {r.key} is left sending, claimed until {r.claimed_until}"
        elif r.status == outbox.PENDING and r.next_attempt_at <= run.clock.simulated_end:
            yield f"reminder {r.key} was due at {r.next_attempt_at} but is still pending"


def _sent_rows(run: LoadRun, stored: _Stored) -> Iterable[str]:
    """Every message that arrived is recorded as sent, by one dispatcher's claim, and
    the claim is cleared; no other row keeps a claim."""
    rows = {r.key: r for r in stored.reminders}
    sent = {key for key, r in rows.items() if r.status == outbox.SENT}
    arrived = {m.key for m in run.received}
    for key in sorted(arrived - sent):
        status = rows[key].status if key in rows else "missing"
        yield f"reminder {key} arrived but its row is {status}, not sent"
    claims: Counter[str] = Counter(k for d in run.dispatchers for k in d.sent)
    for key, n in claims.items():
        if n > 1:
            yield f"reminder {key} was reported sent {n} times by the dispatchers"
    if set(claims) != sent:
        yield (f"the dispatchers reported {len(claims)} reminders sent, the table marks "
               f"{len(sent)}: {sorted(set(claims) ^ sent)[:5]}")
    for r in stored.reminders:
        if r.status != outbox.SENDING and r.claimed_until is not None:
            yield f"reminder {r.key} is {r.status} but still claimed until {r.claimed_until}"


# --- 5. crashes -------------------------------------------------------------------------


def _crashes(run: LoadRun) -> Iterable[str]:
    yield from run.lost
    for w in run.workers:
        yield from (f"worker {w.worker}: {error}" for error in w.unexpected)
    for d in run.dispatchers:
        yield from (f"dispatcher {d.dispatcher}: {error}" for error in d.unexpected)
