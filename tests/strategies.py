"""Hypothesis strategies for the lifecycle: what an officer's facts can look like."""

from __future__ import annotations

from hypothesis import strategies as st

from lifecycle.definition import WorkflowDefinition
from lifecycle.guards import OfficerFacts, SignoffFact
from workflows.loader import load_definitions

DEFINITIONS: tuple[WorkflowDefinition, ...] = tuple(f.definition for f in load_definitions())
SIGNERS = ("Maria Santos", "Other Supervisor")
COMMENTS = ("Please add the mission report", "ឈី រដ្ឋា: talking points missing")

definitions = st.sampled_from(DEFINITIONS)


def states(definition: WorkflowDefinition) -> st.SearchStrategy[str]:
    return st.sampled_from(definition.state_names)


def ticked_items(definition: WorkflowDefinition) -> st.SearchStrategy[frozenset[str]]:
    keys = sorted(i.key for c in definition.checklists for i in c.items)
    return st.frozensets(st.sampled_from(keys))


def signoff_facts() -> st.SearchStrategy[SignoffFact]:
    """A latest decision: approved (maybe with a note) or returned (maybe without one)."""
    return st.builds(
        SignoffFact,
        decision=st.sampled_from(("approved", "returned")),
        signer=st.sampled_from(SIGNERS),
        comment=st.none() | st.sampled_from(COMMENTS),
    )


def signoff_decisions(definition: WorkflowDefinition) -> st.SearchStrategy[dict[str, SignoffFact]]:
    """For each sign-off: not given yet, or its latest decision."""
    names = [s.name for s in definition.signoffs]
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, signoff_facts()))


def optional_stages(definition: WorkflowDefinition) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(sorted(definition.optional_states)))


@st.composite
def officer_facts(draw: st.DrawFn, definition: WorkflowDefinition) -> OfficerFacts:
    return OfficerFacts(
        state=draw(states(definition)),
        ticked=draw(ticked_items(definition)),
        signoffs=draw(signoff_decisions(definition)),
        has_placement=draw(st.booleans()),
        enabled_optional=draw(optional_stages(definition)),
    )


def trigger_names(definition: WorkflowDefinition) -> st.SearchStrategy[str]:
    """Any trigger of the definition, and now and then one it does not have."""
    known = [t.name for t in definition.triggers]
    return st.sampled_from(known) | st.sampled_from(("suspend", "accept_all"))
