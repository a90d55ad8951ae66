"""Read models: what the CLI prints and the web shows, as plain JSON-ready data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lifecycle.errors import InvalidData
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import (
    Batch,
    DeadlineExtension,
    DefinitionVersion,
    Division,
    Officer,
    Placement,
    Signoff,
    User,
)
from lifecycle.roles import COUNTRIES
from lifecycle.services.context import Services
from lifecycle.services.facts import latest_signoffs, load_facts, workflow_of
from lifecycle.services.stand_ins import assigned_to, covering

JSONDict = dict[str, Any]


def officer_detail(services: Services, officer_ref: str) -> JSONDict:
    with services.db.reading() as session:
        officer = repo.officer_by_ref(session, officer_ref)
        return _officer_detail(services, session, officer)


def _officer_detail(services: Services, session: Session, officer: Officer) -> JSONDict:
    workflow = workflow_of(services, officer)
    definition = workflow.definition
    facts = load_facts(session, officer)
    options = workflow.options(facts)
    ticks = {t.item_key: t for t in repo.ticks(session, officer)}
    signoff_rows = repo.signoffs(session, officer)
    latest = latest_signoffs(signoff_rows)
    placement = repo.open_placement(session, officer)
    return {
        **officer_summary(officer),
        "label": definition.state(officer.state).label,
        "state_since": officer.state_since.isoformat(),
        "definition": {"track": definition.track, "version": definition.version},
        "version": officer.version,
        "allowed_triggers": options.allowed,
        "blocked_triggers": options.blocked,
        "checklist": [
            {
                "checklist": c.name,
                "label": c.label,
                "items": [
                    {
                        "key": i.key,
                        "label": i.label,
                        "ticked": i.key in ticks,
                        "ticked_by": ticks[i.key].ticked_by.email if i.key in ticks else None,
                        "ticked_at": ticks[i.key].ticked_at.isoformat() if i.key in ticks else None,
                    }
                    for i in c.items
                ],
            }
            for c in definition.checklists
        ],
        "signoffs": [
            {
                "name": s.name,
                "label": s.label,
                "status": latest[s.name].decision if s.name in latest else "pending",
                "signer": latest[s.name].signer.email if s.name in latest else None,
                "on_behalf_of": _behalf(latest[s.name]) if s.name in latest else None,
                "assigned_to": _assignee(session, placement, s.name),
                "comment": latest[s.name].comment if s.name in latest else None,
                "signed_at": latest[s.name].signed_at.isoformat() if s.name in latest else None,
            }
            for s in definition.signoffs
        ],
        "placement": None
        if placement is None
        else {
            "division": placement.division.name,
            "department": placement.division.department.code,
            "supervisor": placement.supervisor.email,
            "supervisor_name": placement.supervisor.name,
            "covered_by": _cover(session, placement, services),
            "kind": placement.kind,
            "start": placement.start_date.isoformat(),
            "end": placement.end_date.isoformat(),
        },
        "history": _history(session, officer, signoff_rows),
    }


def _behalf(signoff: Signoff) -> str | None:
    """The supervisor a stand-in signed for (their e-mail), if a stand-in signed."""
    return signoff.on_behalf_of.email if signoff.on_behalf_of is not None else None


def _cover(session: Session, placement: Placement, services: Services) -> JSONDict | None:
    """Who covers for the supervisor today, if they are away."""
    absence = covering(session, placement.supervisor, services.now())
    if absence is None:
        return None
    return {
        "name": absence.substitute.name,
        "email": absence.substitute.email,
        "until": absence.ends_on.isoformat(),
    }


def _assignee(session: Session, placement: Placement | None, name: str) -> str | None:
    found = assigned_to(session, placement, name) if placement is not None else None
    return found.email if found is not None else None


def _history(session: Session, officer: Officer, signoff_rows: list[Any]) -> list[JSONDict]:
    entries: list[JSONDict] = [
        {
            "at": e.occurred_at.isoformat(),
            "kind": "transition",
            "trigger": e.trigger,
            "from": e.from_state,
            "to": e.to_state,
            "actor": e.actor.email,
            "reason": e.reason,
        }
        for e in repo.audit_events(session, officer)
    ]
    entries += [
        {
            "at": t.ticked_at.isoformat(),
            "kind": "tick",
            "item": t.item_key,
            "actor": t.ticked_by.email,
            "via": t.via,
        }
        for t in repo.ticks(session, officer)
    ]
    entries += [
        {
            "at": s.signed_at.isoformat(),
            "kind": "signoff",
            "name": s.name,
            "decision": s.decision,
            "actor": s.signer.email,
            "on_behalf_of": _behalf(s),
            "comment": s.comment,
            "via": s.via,
        }
        for s in signoff_rows
    ]
    entries += [
        {
            "at": p.created_at.isoformat(),
            "kind": "placement",
            "placement": p.kind,
            "actor": p.created_by.email,
            "division": p.division.name,
            "supervisor": p.supervisor.email,
        }
        for p in repo.placements(session, officer)
    ]
    entries += [
        {
            "at": x.set_at.isoformat(),
            "kind": "deadline",
            "subject": x.subject,
            "previous": x.previous_due_on.isoformat(),
            "due": x.due_on.isoformat(),
            "reason": x.reason,
            "actor": x.set_by.email,
        }
        for x in session.scalars(
            select(DeadlineExtension)
            .where(DeadlineExtension.officer_id == officer.id)
            .order_by(DeadlineExtension.id)
        )
    ]
    return sorted(entries, key=lambda entry: entry["at"])


def officer_summary(officer: Officer) -> JSONDict:
    return {
        "ref": officer.ref,
        "name": officer.name,
        "country": officer.country,
        "ministry": officer.ministry,
        "position": officer.position,
        "email": officer.email,
        "timezone": officer.timezone,
        "batch": officer.batch.ref,
        "state": officer.state,
    }


def officer_list(
    services: Services, batch: str | None = None, state: str | None = None
) -> list[JSONDict]:
    with services.db.reading() as session:
        target = repo.batch_by_ref(session, batch) if batch else None
        if state is not None:
            _check_known_state(services, session, state)
        return [officer_summary(o) for o in repo.officers(session, target, state)]


def _check_known_state(services: Services, session: Session, state: str) -> None:
    # A typo would otherwise list nobody, which reads as "no officer is there".
    known = {
        s.name
        for published in session.scalars(select(DefinitionVersion))
        for s in services.workflows.get(published).definition.states
    }
    if state not in known:
        raise InvalidData(f"no state {state!r} in any track; states: {', '.join(sorted(known))}")


def batch_summary(session: Session, batch: Batch) -> JSONDict:
    rows = session.execute(
        select(Officer.state, func.count())
        .where(Officer.batch_id == batch.id)
        .group_by(Officer.state)
    ).all()
    counts: dict[str, int] = {state: count for state, count in rows}
    return {
        "ref": batch.ref,
        "track": batch.track.slug,
        "title": batch.track.title,
        "number": batch.number,
        "start": batch.start_date.isoformat(),
        "end": batch.end_date.isoformat(),
        "funder": batch.funder,
        "optional_stages": list(batch.optional_stages),
        "milestones": dict(batch.milestones or {}),
        "quotas": {q.country: q.seats for q in batch.quotas},
        "officers": sum(counts.values()),
        "by_state": counts,
    }


def batch_list(services: Services) -> list[JSONDict]:
    with services.db.reading() as session:
        return [batch_summary(session, b) for b in repo.all_batches(session)]


def batch_detail(services: Services, ref: str) -> JSONDict:
    with services.db.reading() as session:
        batch = repo.batch_by_ref(session, ref)
        summary = batch_summary(session, batch)
        officers = repo.officers(session, batch)
        by_country: dict[str, int] = {}
        for officer in officers:
            by_country[officer.country] = by_country.get(officer.country, 0) + 1
        summary["by_country"] = {
            f"{code} ({COUNTRIES[code]})": n for code, n in sorted(by_country.items())
        }
        summary["officer_list"] = [officer_summary(o) for o in officers]
        return summary


def user_list(services: Services) -> list[JSONDict]:
    with services.db.reading() as session:
        return [
            {"name": u.name, "email": u.email, "role": u.role, "timezone": u.timezone}
            for u in session.scalars(select(User).order_by(User.role, User.name))
        ]


def division_list(services: Services) -> list[JSONDict]:
    with services.db.reading() as session:
        return [
            {"name": d.name, "department": d.department.code}
            for d in session.scalars(select(Division).order_by(Division.name))
        ]
