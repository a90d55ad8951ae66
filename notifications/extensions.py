"""One officer's agreed due date: a coordinator moves a sign-off's or a checklist's
deadline for that officer alone, with a reason (an agreed extension).

The new date must be later than the one it moves (the rule's date, or an earlier
extension). The officer's reminders are re-planned in the same transaction, so those
counting from the old date are cancelled and new ones planned from the agreed date; the
reports count on time against it (they read the planned deadlines) and list it as
extended. Every move is kept (``DeadlineExtension``): old date, new date, reason, who.
Lives beside the rules because it is their dates it moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lifecycle.errors import InvalidData
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import DeadlineExtension
from lifecycle.roles import Role
from lifecycle.services import facts as officer_facts
from lifecycle.services.context import Services, require_role
from lifecycle.services.officers import Outcome
from lifecycle.services.validation import clean_text
from notifications.planner import calendar_of, plan_facts
from notifications.rules import deadline_of


@dataclass(frozen=True)
class Extension:
    subject: str
    label: str
    due_on: date
    previous_due_on: date
    reason: str
    set_by: str
    set_at: str  # ISO 8601


def set_deadline(
    services: Services, officer_ref: str, name: str, day: date, *, reason: str, actor: str
) -> Outcome:
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        require_role(user, (Role.COORDINATOR,), "moving an officer's deadline")
        officer = repo.officer_by_ref(session, officer_ref)
        definition = services.workflows.get(officer.definition).definition
        dated = [s.name for s in definition.signoffs if s.due] + [
            c.name for c in definition.checklists if c.due
        ]
        spec = definition.signoff(name) or definition.checklist(name)
        if spec is None or spec.due is None:
            raise InvalidData(
                f"{name!r} is no sign-off or checklist with a due date; those with one: "
                f"{', '.join(dated)}"
            )
        text = clean_text(reason)
        if not text:
            raise InvalidData("moving a deadline needs a reason (--reason TEXT)")
        current = deadline_of(name, spec.due, definition, plan_facts(session, officer),
                              calendar_of(services))
        if current is None:
            raise InvalidData(
                f"{officer.ref} has no due date for {name} yet (it is counted from a date "
                "still to come); move it once it is planned"
            )
        if day <= current:
            raise InvalidData(
                f"{day:%Y-%m-%d} is not after {officer.ref}'s current due date for {name} "
                f"({current:%Y-%m-%d}); an extension moves a deadline later"
            )
        session.add(DeadlineExtension(
            officer_id=officer.id, subject=name, due_on=day, previous_due_on=current,
            reason=text, set_by_id=user.id, set_at=services.now(),
        ))
        session.flush()
        officer_facts.forget(session, officer.id)  # the planner must read the new date
        services.officer_changed(session, officer)
        return Outcome(
            officer.ref,
            f"{officer.ref}: {spec.label} now due {day:%Y-%m-%d} (was {current:%Y-%m-%d})",
            officer.state,
            officer.version,
        )


def extensions(services: Services, officer_ref: str) -> list[Extension]:
    """Every move of the officer's deadlines, oldest first."""
    from sqlalchemy import select

    with services.db.reading() as session:
        officer = repo.officer_by_ref(session, officer_ref)
        definition = services.workflows.get(officer.definition).definition
        rows = session.scalars(
            select(DeadlineExtension)
            .where(DeadlineExtension.officer_id == officer.id)
            .order_by(DeadlineExtension.id)
        )
        found = []
        for r in rows:
            spec = definition.signoff(r.subject) or definition.checklist(r.subject)
            found.append(Extension(
                r.subject, spec.label if spec else r.subject, r.due_on, r.previous_due_on,
                r.reason, r.set_by.email, r.set_at.isoformat(),
            ))
        return found

