"""Delegation: a supervisor away names a substitute, and a coordinator hands one pending
sign-off to another supervisor.

During an absence (from one date to another, both included, counted in the absent
supervisor's time zone) the substitute receives the reminders due in the window and may
sign off for the absent supervisor's officers; the sign-off records on whose behalf. A
reassigned sign-off goes to its assignee the same way, for as long as the placement
lasts. Neither rewrites the placement: the officer's supervisor stays who they were, may
still sign, and their inbox says who covers for them. The reminders of every officer
concerned are re-planned in the same transaction (lifecycle.persistence.repository's
``OfficerRows.signing_contact`` decides who each one goes to).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecycle.errors import Conflict, InvalidData, NotFound, TransitionNotAllowed
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import (
    SignoffAssignment,
    SupervisorAbsence,
    User,
)
from lifecycle.roles import Role
from lifecycle.services.context import Services, require_role
from lifecycle.services.facts import latest_signoffs, workflow_of
from lifecycle.services.officers import Outcome, _check_version
from lifecycle.services.stand_ins import assigned_to, local_today, supervised
from lifecycle.services.validation import clean_text


@dataclass(frozen=True)
class Absence:
    id: int
    supervisor: str  # e-mail
    supervisor_name: str
    substitute: str
    substitute_name: str
    starts_on: date
    ends_on: date
    reason: str | None
    cancelled: bool
    officers: int  # officers the substitute covers for (open placements), when listed

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "supervisor": self.supervisor,
            "supervisor_name": self.supervisor_name,
            "substitute": self.substitute,
            "substitute_name": self.substitute_name,
            "from": self.starts_on.isoformat(),
            "until": self.ends_on.isoformat(),
            "reason": self.reason,
            "cancelled": self.cancelled,
            "officers": self.officers,
        }


def set_away(
    services: Services,
    supervisor_email: str,
    starts_on: date,
    ends_on: date,
    substitute_email: str,
    *,
    actor: str,
    reason: str | None = None,
) -> Absence:
    """Record that the supervisor is away from ``starts_on`` to ``ends_on`` and who covers.

    Refused, changing nothing: by anyone but the supervisor themselves or a coordinator;
    for someone who is no supervisor, or a substitute who is none (or the same person);
    dates out of order or wholly past; a window overlapping another absence of the
    supervisor, one of the substitute's own, or one in which the supervisor covers for
    someone else (their officers would be left without anyone)."""
    now = services.now()
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        supervisor = _supervisor(session, supervisor_email, "away")
        if user.id != supervisor.id:
            require_role(user, (Role.COORDINATOR,), "recording another supervisor's absence")
        substitute = _supervisor(session, substitute_email, "substitute")
        if substitute.id == supervisor.id:
            raise InvalidData(f"{supervisor.email} cannot stand in for themselves; name "
                              "another supervisor as --substitute")
        if ends_on < starts_on:
            raise InvalidData(f"--until {ends_on:%Y-%m-%d} is before --from {starts_on:%Y-%m-%d}; "
                              "an absence ends on or after the day it starts")
        today = local_today(supervisor, now)
        if ends_on < today:
            raise InvalidData(f"the absence would end on {ends_on:%Y-%m-%d}, before today "
                              f"({today:%Y-%m-%d} for {supervisor.email}): nothing to cover")
        # Two absences recorded at once for the same supervisor must not both pass the
        # overlap check: their rows are serialised on the supervisor's user row.
        session.execute(select(User.id).where(User.id == supervisor.id).with_for_update())
        own = _overlapping(session, supervisor.id, starts_on, ends_on)
        if own is not None:
            raise Conflict(
                f"{supervisor.email} is already away from {own.starts_on:%Y-%m-%d} to "
                f"{own.ends_on:%Y-%m-%d} (covered by {own.substitute.email}); absences of "
                "one supervisor may not overlap: cancel that one first"
            )
        theirs = _overlapping(session, substitute.id, starts_on, ends_on)
        if theirs is not None:
            raise Conflict(
                f"{substitute.email} is away themselves from {theirs.starts_on:%Y-%m-%d} to "
                f"{theirs.ends_on:%Y-%m-%d}; name a substitute who is here then"
            )
        covering = _overlapping(session, supervisor.id, starts_on, ends_on, as_substitute=True)
        if covering is not None:
            raise Conflict(
                f"{supervisor.email} covers for {covering.supervisor.email} from "
                f"{covering.starts_on:%Y-%m-%d} to {covering.ends_on:%Y-%m-%d}; name "
                "another substitute for that absence first"
            )
        absence = SupervisorAbsence(
            supervisor_id=supervisor.id,
            substitute_id=substitute.id,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=clean_text(reason) or None,
            created_by_id=user.id,
            created_at=now,
        )
        session.add(absence)
        session.flush()
        officers = supervised(session, supervisor.id)
        if officers:
            services.officers_changed(session, officers)  # their reminders go to the cover
        return _view(absence, len(officers))


def cancel_away(services: Services, absence_id: int, *, actor: str) -> Absence:
    """End an absence early or call it off: the supervisor gets their reminders back."""
    now = services.now()
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        absence = session.get(SupervisorAbsence, absence_id)
        if absence is None:
            raise NotFound(f"no absence #{absence_id}; see attache supervisor absences")
        if user.id != absence.supervisor_id:
            require_role(user, (Role.COORDINATOR,), "cancelling another supervisor's absence")
        if absence.cancelled_at is not None:
            raise Conflict(f"absence #{absence_id} was already cancelled on "
                           f"{absence.cancelled_at:%Y-%m-%d}")
        absence.cancelled_at = now
        session.flush()
        officers = supervised(session, absence.supervisor_id)
        if officers:
            services.officers_changed(session, officers)
        return _view(absence, len(officers))


def absences(
    services: Services, email: str | None = None, *, include_past: bool = False
) -> list[Absence]:
    """Absences not cancelled and not over (all, with ``include_past``), of one person
    (as the absent supervisor or as the substitute) or of everyone, by start date."""
    now = services.now()
    with services.db.reading() as session:
        query = select(SupervisorAbsence).order_by(
            SupervisorAbsence.starts_on, SupervisorAbsence.id
        )
        if email is not None:
            person = repo.user_by_email(session, email)
            query = query.where(
                (SupervisorAbsence.supervisor_id == person.id)
                | (SupervisorAbsence.substitute_id == person.id)
            )
        found = []
        for absence in session.scalars(query):
            over = absence.ends_on < local_today(absence.supervisor, now)
            if include_past or (absence.cancelled_at is None and not over):
                found.append(_view(absence, len(supervised(session, absence.supervisor_id))))
        return found


def reassign_signoff(
    services: Services,
    officer_ref: str,
    name: str,
    assignee_email: str,
    *,
    reason: str,
    actor: str,
    expected_version: int | None = None,
) -> Outcome:
    """A coordinator hands one pending sign-off of the officer's placement to another
    supervisor (or back to the officer's own): the reminders for it go to them, and they
    may sign it on the supervisor's behalf."""
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        require_role(user, (Role.COORDINATOR,), "reassigning a sign-off")
        officer = repo.officer_by_ref(session, officer_ref)
        _check_version(officer, expected_version)
        definition = workflow_of(services, officer).definition
        spec = definition.signoff(name)
        if spec is None:
            known = ", ".join(s.name for s in definition.signoffs)
            raise InvalidData(f"no sign-off {name!r}; sign-offs: {known}")
        placement = repo.open_placement(session, officer)
        if placement is None:
            raise TransitionNotAllowed(f"{officer.ref} is not placed: no supervisor's "
                                       "sign-off to reassign")
        if officer.state != spec.stage:
            raise TransitionNotAllowed(f"{officer.ref} is {officer.state}; {name} is pending "
                                       f"only during {spec.stage}")
        latest = latest_signoffs(repo.signoffs(session, officer)).get(name)
        if latest is not None and latest.decision == "approved":
            raise TransitionNotAllowed(f"{name} was already approved by {latest.signer.name} "
                                       f"on {latest.signed_at:%Y-%m-%d}: nothing to reassign")
        assignee = _supervisor(session, assignee_email, "assignee")
        current = assigned_to(session, placement, name) or placement.supervisor
        if assignee.id == current.id:
            raise InvalidData(f"{name} of {officer.ref} is already {assignee.email}'s to sign")
        text = clean_text(reason)
        if not text:
            raise InvalidData("reassigning a sign-off needs a reason (--reason TEXT)")
        session.add(SignoffAssignment(
            officer_id=officer.id, placement_id=placement.id, name=name,
            assignee_id=assignee.id, reason=text, assigned_by_id=user.id,
            assigned_at=services.now(),
        ))  # fmt: skip
        services.officer_changed(session, officer)
        return Outcome(
            officer.ref,
            f"{officer.ref}: {spec.label} now with {assignee.name} <{assignee.email}> "
            f"(was {current.name})",
            officer.state,
            officer.version,
        )


def _supervisor(session: Session, email: str, what: str) -> User:
    person = repo.user_by_email(session, email)
    if person.role != Role.SUPERVISOR:
        raise InvalidData(f"{person.email} is a {person.role}, not a supervisor; the {what} "
                          "must be a supervisor")
    return person


def _overlapping(
    session: Session, user_id: int, starts_on: date, ends_on: date, *, as_substitute: bool = False
) -> SupervisorAbsence | None:
    column = SupervisorAbsence.substitute_id if as_substitute else SupervisorAbsence.supervisor_id
    return session.scalars(
        select(SupervisorAbsence)
        .where(
            column == user_id,
            SupervisorAbsence.cancelled_at.is_(None),
            SupervisorAbsence.starts_on <= ends_on,
            SupervisorAbsence.ends_on >= starts_on,
        )
        .order_by(SupervisorAbsence.starts_on)
        .limit(1)
    ).first()


def _view(absence: SupervisorAbsence, officers: int) -> Absence:
    return Absence(
        absence.id,
        absence.supervisor.email,
        absence.supervisor.name,
        absence.substitute.email,
        absence.substitute.name,
        absence.starts_on,
        absence.ends_on,
        absence.reason,
        absence.cancelled_at is not None,
        officers,
    )
