"""Compiles a workflow definition into one shared ``transitions`` machine.

Officers are never attached to the machine as models: ``add_model`` is quadratic and
costs kilobytes per model, while firing a shared machine's event on a throw-away
subject costs microseconds. State lives in the database; a ``_Subject`` carries it
through the machine for the length of one operation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from transitions import Machine, MachineError
from transitions.extensions import GraphMachine

from lifecycle.definition import TriggerDef, WorkflowDefinition
from lifecycle.errors import GuardFailed, IllegalTrigger
from lifecycle.guards import OfficerFacts, unmet


@dataclass
class _Subject:
    state: str


@dataclass(frozen=True)
class TriggerOptions:
    allowed: list[str]
    blocked: dict[str, list[str]]


class CompiledWorkflow:
    def __init__(self, definition: WorkflowDefinition) -> None:
        self.definition = definition
        self.machine = Machine(
            model=None,
            states=list(definition.state_names),
            initial=definition.initial,
            transitions=[self._transition(t) for t in definition.triggers],
            auto_transitions=False,
            send_event=True,
        )

    def _transition(self, trigger: TriggerDef) -> dict[str, Any]:
        # The machine re-checks the same guards the caller was told about, so it can
        # never move an officer whose guard failed, even if a caller skips missing().
        return {
            "trigger": trigger.name,
            "source": list(trigger.source),
            "dest": trigger.dest,
            "conditions": [lambda event, t=trigger: not self.missing(event.kwargs["facts"], t)],
        }

    def available(self, facts: OfficerFacts) -> list[TriggerDef]:
        """Triggers leaving the current state that exist for this officer's batch."""
        return [
            t
            for t in self.definition.triggers_from(facts.state)
            if self._optional_stage_off(t, facts) is None
        ]

    def missing(self, facts: OfficerFacts, trigger: TriggerDef) -> list[str]:
        return [
            reason for guard in trigger.guards for reason in unmet(guard, facts, self.definition)
        ]

    def options(self, facts: OfficerFacts) -> TriggerOptions:
        allowed: list[str] = []
        blocked: dict[str, list[str]] = {}
        for trigger in self.available(facts):
            reasons = self.missing(facts, trigger)
            if reasons:
                blocked[trigger.name] = reasons
            else:
                allowed.append(trigger.name)
        return TriggerOptions(allowed, blocked)

    def fire(self, facts: OfficerFacts, name: str) -> str:
        """The state after ``name``; raises ``IllegalTrigger`` or ``GuardFailed``."""
        trigger = self.definition.trigger(name)
        allowed = [t.name for t in self.available(facts)]
        if trigger is None or facts.state not in trigger.source:
            raise IllegalTrigger(
                f"'{name}' is not possible from state '{facts.state}'; "
                + (f"possible: {', '.join(allowed)}" if allowed else "no trigger leaves it"),
                state=facts.state,
                allowed=allowed,
            )
        stage_off = self._optional_stage_off(trigger, facts)
        if stage_off is not None:
            raise IllegalTrigger(
                f"'{name}' is not possible: this batch does not include the optional "
                f"stage '{stage_off}'; possible: {', '.join(allowed) or 'none'}",
                state=facts.state,
                allowed=allowed,
            )
        reasons = self.missing(facts, trigger)
        if reasons:
            raise GuardFailed(
                f"'{name}' is blocked: " + "; ".join(reasons), trigger=name, missing=reasons
            )
        subject = _Subject(facts.state)
        try:
            moved = self.machine.events[name].trigger(subject, facts=facts)
        except MachineError as exc:  # pragma: no cover - ruled out above
            raise IllegalTrigger(str(exc), state=facts.state, allowed=allowed) from None
        assert moved, "guards passed above but the machine refused the transition"
        return subject.state

    def _optional_stage_off(self, trigger: TriggerDef, facts: OfficerFacts) -> str | None:
        stage = self.definition.touches_optional(trigger)
        return stage if stage is not None and stage not in facts.enabled_optional else None

    def mermaid(self, current: str | None = None) -> str:
        """A Mermaid state diagram; ``current`` is highlighted when given."""
        subject = _Subject(self.definition.initial)
        machine = GraphMachine(
            model=subject,
            states=list(self.definition.state_names),
            transitions=[
                {
                    "trigger": t.name,
                    "source": list(t.source),
                    "dest": t.dest,
                    # Mermaid ends an arrow's label at a second ':'; #58; is its escape.
                    "conditions": [g.label.replace(":", "#58;") for g in t.guards],
                }
                for t in self.definition.triggers
            ],
            initial=self.definition.initial,
            auto_transitions=False,
            graph_engine="mermaid",
            show_conditions=True,
            title=f"{self.definition.title} (v{self.definition.version})",
        )
        if current is not None:
            machine.set_state(current, model=subject)
        graph: Any = subject.get_graph(force_new=True)  # type: ignore[attr-defined]
        source: str = graph.draw(None)
        # transitions writes the title bare between the front-matter fences, which
        # Mermaid ignores; it reads YAML there, so give it a quoted ``title:`` key.
        title = f"{self.definition.title} (v{self.definition.version})"
        source = source.replace(f"---\n{title}\n---", f"---\ntitle: {json.dumps(title)}\n---", 1)
        if current is None:  # no officer: nothing to highlight
            source = source.replace(
                f"Class {subject.state} s_active", f"Class {subject.state} s_default"
            )
        return source
