"""What a state means: the roles a workflow definition's states declare.

Services, reports, calendars and templates ask the definition which states hold a role
(``WorkflowDefinition.states_with``) and never name a state themselves, so a programme
whose states are called otherwise is a YAML file, not a patch. The requirements below
are checked when a definition is loaded: a definition lacking a role that some feature
needs is refused then, naming the file and the key, not months later when it is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lifecycle.definition import WorkflowDefinition


class StateRole(StrEnum):
    """What a state means to the features around the engine.

    The code asks the definition which states hold a role and never names a state, so
    a programme whose states are called otherwise is a YAML file, not a patch.
    """

    NOMINATED = "nominated"  # a nomination awaiting the Secretariat's decision: the initial state
    ACCEPTED = "accepted"  # entering it accepts the nomination (quota figures count it)
    DECLINED = "declined"  # entering it declines the nomination
    ACTIVE = "active"  # taking part in the programme now: may be withdrawn, needs attention
    PLACEABLE = "placeable"  # a placement may be assigned, moved or extended
    PLACED = "placed"  # working in the placement already: a new placement is a move
    ENDS_PLACEMENT = "ends_placement"  # entering it ends the open placement at once
    FREES_SEAT = "frees_seat"  # no longer holds one of the country's seats in the batch
    WITHDRAWN = "withdrawn"  # left the programme early (the withdrawal figures count it)
    GRADUATION = "graduation"  # entering it graduates: certificate, alumni survey rounds
    GRADUATED = "graduated"  # has graduated: certificates and alumni follow-up apply


# Roles that exactly one state must hold, and those at least one must, with the feature
# that needs each: a definition lacking one is refused when loaded, not when used.
EXACTLY_ONE: dict[StateRole, str] = {
    StateRole.NOMINATED: "nominating (the initial state)",
    StateRole.ACCEPTED: "accepting nominations and the quota figures",
    StateRole.GRADUATION: "graduating (certificates, alumni survey rounds)",
}
AT_LEAST_ONE: dict[StateRole, str] = {
    StateRole.ACTIVE: "withdrawals and the coordinator's lists",
    StateRole.FREES_SEAT: "counting the seats a country still holds",
    StateRole.GRADUATED: "certificates and alumni follow-up",
}
# A role that only makes sense together with another, e.g. a placed officer must be
# placeable (moving a placement is assigning a new one).
IMPLIES: dict[StateRole, StateRole] = {
    StateRole.PLACED: StateRole.PLACEABLE,
    StateRole.GRADUATION: StateRole.GRADUATED,
    StateRole.WITHDRAWN: StateRole.FREES_SEAT,
    StateRole.DECLINED: StateRole.FREES_SEAT,
}
# Roles a final state cannot hold: nothing can happen to an officer there.
NOT_FINAL = (StateRole.ACTIVE, StateRole.PLACEABLE, StateRole.NOMINATED)


def role_problems(d: WorkflowDefinition) -> Iterator[str]:
    """Every way ``d``'s state roles fall short of what the features need."""
    index = {s.name: i for i, s in enumerate(d.states)}
    for role, needed_by in EXACTLY_ONE.items():
        holders = d.ordered_states_with(role)
        if len(holders) != 1:
            found = f"states {', '.join(holders)} hold it" if holders else "no state holds it"
            yield (
                f"states[].roles: exactly one state must have the role {role.value!r} "
                f"(needed by {needed_by}); {found}"
            )
    for role, needed_by in AT_LEAST_ONE.items():
        if not d.states_with(role):
            yield (
                f"states[].roles: no state has the role {role.value!r} "
                f"(needed by {needed_by}); add it to the states it describes"
            )
    if d.initial in index and not d.has_role(d.initial, StateRole.NOMINATED):
        where = f"states[{index[d.initial]}].roles"
        yield f"{where}: the initial state {d.initial!r} must have the role 'nominated'"
    for i, state in enumerate(d.states):
        where = f"states[{i}].roles"
        for role in sorted({r for r in state.roles if state.roles.count(r) > 1}):
            yield f"{where}: {role.value!r} is given twice"
        for role, needed in IMPLIES.items():
            if role in state.roles and needed not in state.roles:
                yield (
                    f"{where}: {state.name!r} is {role.value!r}, so it must be "
                    f"{needed.value!r} too"
                )
        if state.final:
            for role in NOT_FINAL:
                if role in state.roles:
                    yield f"{where}: {state.name!r} is final, so it cannot be {role.value!r}"
        if StateRole.FREES_SEAT in state.roles and StateRole.ACTIVE in state.roles:
            yield f"{where}: {state.name!r} cannot both hold a seat ('active') and free it"
    uses_placements = bool(d.signoffs) or any(
        g.kind == "placement_assigned" for t in d.triggers for g in t.guards
    )
    if uses_placements and not d.states_with(StateRole.PLACEABLE):
        yield (
            "states[].roles: no state has the role 'placeable', but the definition's "
            "sign-offs and placement guards need officers placed with a supervisor"
        )
