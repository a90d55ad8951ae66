"""Use cases on one officer: nominate, advance, place, tick, sign off.

Each function is one transaction: it checks the actor's role, the guards and the
officer's version, writes its rows and the audit event, and tells the listeners; any
raised error leaves the database exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecycle.definition import WorkflowDefinition
from lifecycle.errors import (
    AttacheError,
    Conflict,
    InvalidData,
    PermissionDenied,
    TransitionNotAllowed,
)
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import (
    AuditEvent,
    ChecklistTick,
    Document,
    Officer,
    Placement,
    Signoff,
    User,
)
from lifecycle.roles import Role
from lifecycle.services import graduation
from lifecycle.services.context import Services, require_role
from lifecycle.services.facts import latest_signoffs, load_facts, workflow_of
from lifecycle.services.stand_ins import stand_in
from lifecycle.services.validation import clean_text
from lifecycle.state_roles import StateRole


@dataclass(frozen=True)
class Outcome:
    """What an action did, for the adapters to report."""

    ref: str
    message: str
    state: str
    version: int


def advance(
    services: Services,
    officer_ref: str,
    trigger: str,
    *,
    actor: str,
    reason: str | None = None,
    expected_version: int | None = None,
) -> Outcome:
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        officer = repo.officer_by_ref(session, officer_ref)
        _check_version(officer, expected_version)
        workflow = workflow_of(services, officer)
        definition = workflow.definition
        spec = definition.trigger(trigger)
        if spec is not None:
            require_role(user, spec.roles, f"'{trigger}'")
            # An illegal trigger is the bigger mistake: report it before a missing reason.
            leaves_state = officer.state in spec.source
            if leaves_state and spec.reason_required and not (reason and reason.strip()):
                raise InvalidData(f"'{trigger}' needs a reason (--reason TEXT)")
        previous = officer.state
        state = workflow.fire(load_facts(session, officer), trigger)
        # Leaving the programme early ends the placement there and then: the division
        # and the supervisor stop being responsible the moment the officer is withdrawn.
        # (Before the officer's own change: the query's autoflush would write that
        # change alone, and officer_changed bump the version a second time.)
        if definition.has_role(state, StateRole.ENDS_PLACEMENT):
            _end_placement(services, session, officer)
        officer.state = state
        officer.state_since = services.now()
        session.add(
            AuditEvent(
                officer_id=officer.id,
                trigger=trigger,
                from_state=previous,
                to_state=officer.state,
                actor_id=user.id,
                reason=clean_text(reason),
                occurred_at=services.now(),
            )
        )
        services.officer_changed(session, officer)
        # After the officer's row is written, for the same reason: one write, one version.
        # (The reminder rules never read the certificate or the unanswered survey rounds.)
        if definition.has_role(officer.state, StateRole.GRADUATION):
            graduation.on_graduated(services, session, officer)
        label = definition.state(officer.state).label
        return Outcome(
            officer.ref,
            f"{officer.ref}: {previous} -> {officer.state} ({label})",
            officer.state,
            officer.version,
        )


def place(
    services: Services,
    officer_ref: str,
    *,
    division: str,
    supervisor: str,
    actor: str,
    expected_version: int | None = None,
) -> Outcome:
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        require_role(user, (Role.COORDINATOR,), "assigning a placement")
        officer = repo.officer_by_ref(session, officer_ref)
        _check_version(officer, expected_version)
        definition = workflow_of(services, officer).definition
        _require_placeable(officer, definition, "assigned")
        target = repo.division_by_name(session, division)
        mentor = repo.user_by_email(session, supervisor)
        if mentor.role != Role.SUPERVISOR:
            raise InvalidData(f"{mentor.email} is a {mentor.role}, not a supervisor")
        current = repo.open_placement(session, officer)
        if current and (current.division_id, current.supervisor_id) == (target.id, mentor.id):
            _refuse(
                session,
                officer,
                expected_version,
                InvalidData(
                    f"{officer.ref} is already placed in {target.name} with {mentor.email}"
                ),
            )
        started = definition.has_role(officer.state, StateRole.PLACED)
        end = current.end_date if current else officer.batch.end_date
        _open_placement(
            services,
            session,
            officer,
            current,
            "move" if started else "initial",
            target.id,
            mentor.id,
            end,
            user.id,
        )
        services.officer_changed(session, officer)
        what = "moved to" if started and current else "placed in"
        return Outcome(
            officer.ref,
            f"{officer.ref} {what} {target.name}, supervisor {mentor.name}",
            officer.state,
            officer.version,
        )


def extend_placement(services: Services, officer_ref: str, *, until: date, actor: str) -> Outcome:
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        require_role(user, (Role.COORDINATOR,), "extending a placement")
        officer = repo.officer_by_ref(session, officer_ref)
        _require_placeable(officer, workflow_of(services, officer).definition, "extended")
        current = repo.open_placement(session, officer)
        if current is None:
            raise TransitionNotAllowed(f"{officer.ref} has no placement to extend")
        if until <= current.end_date:
            raise InvalidData(
                f"the placement already runs until {current.end_date.isoformat()}; "
                "an extension must end later"
            )
        _open_placement(
            services,
            session,
            officer,
            current,
            "extension",
            current.division_id,
            current.supervisor_id,
            until,
            user.id,
        )
        services.officer_changed(session, officer)
        return Outcome(
            officer.ref,
            f"{officer.ref}: placement extended until {until.isoformat()}",
            officer.state,
            officer.version,
        )


def _require_placeable(officer: Officer, definition: WorkflowDefinition, what: str) -> None:
    if not definition.has_role(officer.state, StateRole.PLACEABLE):
        placeable = definition.ordered_states_with(StateRole.PLACEABLE)
        raise TransitionNotAllowed(
            f"{officer.ref} is {officer.state}; a placement can be {what} while "
            f"{', '.join(placeable)}"
        )


def _end_placement(services: Services, session: Session, officer: Officer) -> None:
    current = repo.open_placement(session, officer)
    if current is not None:
        current.ended_at = services.now()


def _open_placement(
    services: Services,
    session: Session,
    officer: Officer,
    current: Placement | None,
    kind: str,
    division_id: int,
    supervisor_id: int,
    end: date,
    actor_id: int,
) -> None:
    today = services.today()
    if current is not None:
        current.ended_at = services.now()
    start = max(today, officer.batch.start_date)
    placement = Placement(
        officer_id=officer.id,
        division_id=division_id,
        supervisor_id=supervisor_id,
        kind=kind,
        start_date=start,
        end_date=max(end, start + timedelta(days=1)),
        created_by_id=actor_id,
        created_at=services.now(),
    )
    session.add(placement)


def tick(
    services: Services, officer_ref: str, item: str, *, actor: str, via: str | None = None
) -> Outcome:
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        officer = repo.officer_by_ref(session, officer_ref)
        checklist = _checklist_for(services, officer, item, user)
        _require_document(session, services, officer, item)
        existing = next((t for t in repo.ticks(session, officer) if t.item_key == item), None)
        if existing is not None:
            return Outcome(
                officer.ref,
                f"{officer.ref}: '{item}' was already ticked by {existing.ticked_by.name} "
                f"on {existing.ticked_at:%Y-%m-%d}",
                officer.state,
                officer.version,
            )
        session.add(
            ChecklistTick(
                officer_id=officer.id,
                item_key=item,
                ticked_by_id=user.id,
                ticked_at=services.now(),
                via=via,
            )
        )
        services.officer_changed(session, officer)
        return Outcome(
            officer.ref,
            f"{officer.ref}: ticked '{item}' ({checklist})",
            officer.state,
            officer.version,
        )


def untick(services: Services, officer_ref: str, item: str, *, actor: str) -> Outcome:
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        officer = repo.officer_by_ref(session, officer_ref)
        _checklist_for(services, officer, item, user)
        existing = next((t for t in repo.ticks(session, officer) if t.item_key == item), None)
        if existing is None:
            raise InvalidData(f"{officer.ref}: '{item}' is not ticked")
        session.delete(existing)
        services.officer_changed(session, officer)
        return Outcome(
            officer.ref, f"{officer.ref}: unticked '{item}'", officer.state, officer.version
        )


def _require_document(session: Session, services: Services, officer: Officer, item: str) -> None:
    """An item done by uploading a file is ticked by the upload, never by hand alone."""
    spec = workflow_of(services, officer).definition.item(item)
    if spec is None or spec.upload is None:
        return
    from lifecycle.services.documents import outlast_problem  # documents ticks through here

    found = session.scalar(
        select(Document).where(
            Document.officer_id == officer.id, Document.item_key == item,
            Document.replaced_at.is_(None),
        )
    )
    if found is None:
        raise InvalidData(
            f"'{item}' is done by uploading it ({', '.join(spec.upload.types)}): use "
            f"attache document upload {officer.ref} {item} FILE, or the officer page"
        )
    problem = outlast_problem(session, spec, found.expires_on, officer)
    if problem is not None:
        raise InvalidData(f"{officer.ref}'s {spec.label}: {problem}")


def _checklist_for(services: Services, officer: Officer, item: str, user: User) -> str:
    definition = workflow_of(services, officer).definition
    checklist = definition.checklist_of_item(item)
    if checklist is None:
        items = ", ".join(i.key for c in definition.checklists for i in c.items)
        raise InvalidData(f"no checklist item {item!r}; items: {items}")
    require_role(user, checklist.roles, f"ticking '{checklist.name}' items")
    if user.role == Role.OFFICER and user.email != officer.email:
        raise PermissionDenied(f"{user.email} may tick only their own checklist")
    if officer.state not in checklist.open_in:
        raise TransitionNotAllowed(
            f"{officer.ref} is {officer.state}; the {checklist.label} checklist is open "
            f"while {', '.join(checklist.open_in)}"
        )
    return checklist.label


def sign_off(
    services: Services,
    officer_ref: str,
    name: str,
    *,
    actor: str,
    approve: bool,
    comment: str | None = None,
    expected_version: int | None = None,
    via: str | None = None,
) -> Outcome:
    """``via`` says how, when not in the console, the CLI or the API ("email_link")."""
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        officer = repo.officer_by_ref(session, officer_ref)
        _check_version(officer, expected_version)
        definition = workflow_of(services, officer).definition
        spec = definition.signoff(name)
        if spec is None:
            known = ", ".join(s.name for s in definition.signoffs)
            raise InvalidData(f"no sign-off {name!r}; sign-offs: {known}")
        placement = repo.open_placement(session, officer)
        on_behalf_of = _signing_for(session, officer, placement, name, user, services.now())
        if isinstance(on_behalf_of, PermissionDenied):
            _refuse(session, officer, expected_version, on_behalf_of)
        if officer.state != spec.stage:
            raise TransitionNotAllowed(
                f"{officer.ref} is {officer.state}; {name} can be signed off during {spec.stage}"
            )
        latest = latest_signoffs(repo.signoffs(session, officer))
        for earlier in spec.after:
            if earlier not in latest or latest[earlier].decision != "approved":
                raise TransitionNotAllowed(f"{earlier} must be approved before {name}")
        if name in latest and latest[name].decision == "approved":
            done = latest[name]
            _refuse(
                session,
                officer,
                expected_version,
                TransitionNotAllowed(
                    f"{name} was already approved by {done.signer.name} on "
                    f"{done.signed_at:%Y-%m-%d}"
                ),
            )
        text = clean_text(comment)
        if not approve and not text:
            raise InvalidData("returning a sign-off needs a comment saying what to change")
        decision = "approved" if approve else "returned"
        session.add(
            Signoff(
                officer_id=officer.id,
                name=name,
                signer_id=user.id,
                decision=decision,
                comment=text,
                signed_at=services.now(),
                via=via,
                on_behalf_of_id=on_behalf_of.id if on_behalf_of else None,
            )
        )
        services.officer_changed(session, officer)
        behalf = f" on behalf of {on_behalf_of.name}" if on_behalf_of else ""
        return Outcome(
            officer.ref,
            f"{officer.ref}: {name} {decision} by {user.name}{behalf}",
            officer.state,
            officer.version,
        )


def _signing_for(
    session: Session,
    officer: Officer,
    placement: Placement | None,
    name: str,
    user: User,
    now: datetime,
) -> User | PermissionDenied | None:
    """Whom ``user`` signs ``name`` for: None when they are the officer's supervisor, the
    supervisor when they stand in (an absence's substitute, a reassignment's assignee);
    else the refusal, naming who may sign."""
    if placement is not None and placement.supervisor_id == user.id:
        return None
    cover = stand_in(session, placement, name, now) if placement is not None else None
    if placement is not None and cover is not None and cover.id == user.id:
        return placement.supervisor
    if placement is None:
        who = "nobody yet: the officer is not placed"
    else:
        who = f"{placement.supervisor.name} <{placement.supervisor.email}>"
        if cover is not None:
            who += f", or {cover.name} <{cover.email}> standing in for them"
    return PermissionDenied(f"only {officer.ref}'s supervisor can sign off {name}; that is {who}")


def _refuse(
    session: Session, officer: Officer, expected: int | None, error: AttacheError
) -> NoReturn:
    """Raise ``error``, unless the officer changed after its version was checked.

    On PostgreSQL (read committed) each statement sees the latest commits, so the rows
    read after the version check may hold a rival's change committed since: refusing
    on them would blame the caller's request for what the rival did (a 422 "already
    placed", a 403 "not the supervisor"). The caller acted on a stale view: Conflict.
    """
    if expected is not None:
        session.refresh(officer, ["version"])
        _check_version(officer, expected)
    raise error


def _check_version(officer: Officer, expected: int | None) -> None:
    if expected is not None and officer.version != expected:
        raise Conflict(
            f"{officer.ref} changed since you looked (version {expected}, now "
            f"{officer.version}); nothing was changed: reload and try again"
        )
