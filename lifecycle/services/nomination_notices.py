"""The e-mails a ministry's focal point gets about its nominations: one when a nomination
is received, one when the Secretariat decides it (queued in the reminders outbox).

Kept apart from ``services.nominations`` because ``DecisionNotices`` listens to every
officer change, so every command registers it (``notifications.wiring``): importing the
nominations use cases with it (documents, certificates, signed links, the outbox) cost
about a twentieth of ``attache officer show`` (bench figure 6b), which changes no officer.
The outbox is imported when a notice is queued.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from lifecycle.persistence.tables import NominationInvitation, Officer
from lifecycle.roles import COUNTRIES, COUNTRY_TIMEZONES
from lifecycle.state_roles import StateRole

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from lifecycle.registry import WorkflowRegistry

RECEIVED, DECIDED = "nomination.received", "nomination.decided"


class DecisionNotices:
    """Told of every officer change (an ``OfficerChangeListener``): queues the decision
    notice to the focal point once a ministry's nomination is decided, that is once the
    officer is in a state whose role accepts or declines it. Costs nothing for officers
    nominated otherwise."""

    def __init__(self, workflows: WorkflowRegistry) -> None:
        self.workflows = workflows

    def officer_changed(self, session: Session, officer: Officer, now: datetime) -> None:
        if officer.invitation_id is None:
            return
        definition = self.workflows.get(officer.definition).definition
        if not (
            definition.has_role(officer.state, StateRole.ACCEPTED)
            or definition.has_role(officer.state, StateRole.DECLINED)
        ):
            return
        invitation = session.get(NominationInvitation, officer.invitation_id)
        assert invitation is not None  # a foreign key
        queue_notice(session, invitation, officer, DECIDED, now)

    def officers_changed(
        self, session: Session, officers: Sequence[Officer], now: datetime
    ) -> None:
        for officer in officers:
            self.officer_changed(session, officer, now)


def queue_notice(
    session: Session, invitation: NominationInvitation, officer: Officer, rule: str,
    now: datetime,
) -> None:
    """Queue notice ``rule`` (RECEIVED or DECIDED) about ``officer`` to the focal point
    of ``invitation``, once: the key names the officer, the rule and the address."""
    from lifecycle.persistence import outbox

    zone = COUNTRY_TIMEZONES[invitation.country]
    outbox.add_if_absent(
        session,
        outbox.WantedReminder(
            key=f"{officer.ref}/{rule}/{invitation.email}",
            rule=rule,
            occurrence=1,
            kind="notice",
            template=rule.replace(".", "_"),
            about=officer.ref,  # not officer_id: the planner owns those rows
            recipient_role="nominator",
            recipient_email=invitation.email,
            recipient_name=invitation.name or f"Focal point, {COUNTRIES[invitation.country]}",
            recipient_timezone=zone,
            due_at=now,
            send_at=now,
            expires_at=now + timedelta(days=7),
        ),
        now,
    )
