"""Officers by what their state means, as a SQL condition.

An officer's state means what *their own* definition version says, and one batch may
hold officers on several versions (after a migration), so a query cannot ask for a list
of state names: it asks, per published definition, for its officers in the states that
hold the role there.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

from lifecycle.persistence.tables import DefinitionVersion, Officer
from lifecycle.services.context import Services
from lifecycle.state_roles import StateRole


def officers_in_role(
    services: Services, session: Session, role: StateRole, *, holding: bool = True
) -> ColumnElement[bool]:
    """Officers whose state holds ``role`` (or, with ``holding=False``, does not)."""
    conditions = []
    for published in session.scalars(select(DefinitionVersion).order_by(DefinitionVersion.id)):
        states = services.workflows.get(published).definition.states_with(role)
        in_states = Officer.state.in_(sorted(states)) if states else false()
        conditions.append(
            and_(Officer.definition_id == published.id, in_states if holding else ~in_states)
        )
    return or_(false(), *conditions)
