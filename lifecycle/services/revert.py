"""Undo: a coordinator takes back an officer's last transition (a wrong click).

History is never deleted: the revert is a compensating transition, an audit event of
its own (trigger "revert") from the current state back to the one before, with the
coordinator's reason. The officer's reminders are re-planned in the same transaction,
so those the wrong state called for are cancelled and the earlier ones come back.

It is refused, changing nothing, when the transition is older than the definition's
``revert_within_days`` (7 by default), when the last change was itself a revert (fire
the trigger again instead) or a migration onto another definition version (migrate
back instead), and when a later fact depends on it: a sign-off or a
placement made since, a checklist item ticked since that the earlier state does not
take, or a graduation certificate issued by it. The refusal names that fact.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecycle.audit_triggers import MIGRATE, REVERT
from lifecycle.definition import WorkflowDefinition
from lifecycle.errors import InvalidData, TransitionNotAllowed
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import AuditEvent, Certificate, Officer, Placement
from lifecycle.roles import Role
from lifecycle.services.context import Services, require_role
from lifecycle.services.facts import workflow_of
from lifecycle.services.officers import Outcome, _check_version
from lifecycle.services.validation import clean_text
from lifecycle.state_roles import StateRole

__all__ = ["REVERT", "revert"]  # REVERT lives in lifecycle.audit_triggers; kept importable here


def revert(
    services: Services,
    officer_ref: str,
    *,
    reason: str,
    actor: str,
    expected_version: int | None = None,
) -> Outcome:
    now = services.now()
    with services.transaction() as session:
        user = repo.user_by_email(session, actor)
        require_role(user, (Role.COORDINATOR,), "reverting a transition")
        officer = repo.officer_by_ref(session, officer_ref)
        _check_version(officer, expected_version)
        text = clean_text(reason)
        if not text:
            raise InvalidData("a revert needs a reason (--reason TEXT) saying what went wrong")
        definition = workflow_of(services, officer).definition
        events = repo.audit_events(session, officer)
        if not events:
            raise TransitionNotAllowed(f"{officer.ref} has not moved since the nomination: "
                                       "nothing to revert")
        last = events[-1]
        if last.trigger == REVERT:
            raise TransitionNotAllowed(
                f"{officer.ref}'s last change was itself a revert ({last.from_state} -> "
                f"{last.to_state}); fire the trigger again instead"
            )
        if last.trigger == MIGRATE:
            # Undoing it would need the earlier definition back, not an earlier state.
            raise TransitionNotAllowed(
                f"{officer.ref}'s last change was a migration ({last.reason}); it is not "
                "undone by a revert: migrate the officer back (attache workflow migrate)"
            )
        window = timedelta(days=definition.revert_within_days)
        if now - last.occurred_at > window:
            raise TransitionNotAllowed(
                f"{officer.ref}'s last transition ({last.trigger}, {last.occurred_at:%Y-%m-%d}) "
                f"is older than {definition.revert_within_days} days; it can no longer be "
                "reverted"
            )
        _refuse_dependants(session, officer, definition, last)
        for placement in repo.placements(session, officer):
            if placement.ended_at == last.occurred_at:  # ended by that very transition
                placement.ended_at = None
        officer.state = last.from_state
        officer.state_since = now
        session.add(AuditEvent(
            officer_id=officer.id, trigger=REVERT, from_state=last.to_state,
            to_state=last.from_state, actor_id=user.id,
            reason=f"undoes '{last.trigger}' of {last.occurred_at:%Y-%m-%d %H:%M} UTC: {text}",
            occurred_at=now,
        ))
        services.officer_changed(session, officer)
        return Outcome(
            officer.ref,
            f"{officer.ref}: reverted '{last.trigger}'; back to {last.from_state} "
            f"({definition.state(last.from_state).label})",
            officer.state,
            officer.version,
        )


def _refuse_dependants(
    session: Session, officer: Officer, definition: WorkflowDefinition, last: AuditEvent
) -> None:
    # Strictly after: what was recorded at the same instant belongs to the steps that
    # led to the transition (one script, one clock reading), not to what followed it.
    since = last.occurred_at
    what = f"'{last.trigger}' cannot be reverted"
    certificate = session.scalar(select(Certificate).where(Certificate.officer_id == officer.id))
    if certificate is not None and definition.has_role(last.to_state, StateRole.GRADUATION):
        raise TransitionNotAllowed(
            f"{what}: graduation certificate {certificate.code} was issued by it (revoke the "
            "certificate and correct the record by hand)"
        )
    for signoff in repo.signoffs(session, officer):
        if signoff.signed_at > since:
            raise TransitionNotAllowed(
                f"{what}: {signoff.name} was {signoff.decision} by {signoff.signer.name} on "
                f"{signoff.signed_at:%Y-%m-%d}, after it"
            )
    for placement in session.scalars(
        select(Placement).where(Placement.officer_id == officer.id, Placement.created_at > since)
    ):
        raise TransitionNotAllowed(
            f"{what}: a placement ({placement.kind}, {placement.division.name}) was recorded on "
            f"{placement.created_at:%Y-%m-%d}, after it"
        )
    earlier_state = last.from_state
    for tick in repo.ticks(session, officer):
        checklist = definition.checklist_of_item(tick.item_key)
        if tick.ticked_at > since and checklist and earlier_state not in checklist.open_in:
            raise TransitionNotAllowed(
                f"{what}: '{tick.item_key}' was ticked on {tick.ticked_at:%Y-%m-%d}, after it, "
                f"and the {checklist.label} checklist is not open in {earlier_state}"
            )
