"""Helpers the workflow-migration tests share: v2 of junior-diplomats, officers walked
through either version, their pending reminders, and a replay of the audit log across
the versions a migration joins."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecycle.audit_triggers import MIGRATE, REVERT, migrated_versions
from lifecycle.definition import WorkflowDefinition, parse_definition
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import DefinitionVersion, Officer, Reminder
from lifecycle.services import Services, setup
from lifecycle.services import officers as act
from tests.support import COORDINATOR, DIVISION, INDUCTION, SUPERVISOR, TRAVEL
from workflows.loader import DefinitionFile, load_definitions

V2_FOLDER = Path(__file__).parent / "definitions" / "migration"
V2_FILE = V2_FOLDER / "junior-diplomats.v2.yaml"
TRACK = "junior-diplomats"
NEW_ITEM = "security_briefing"


def publish_v2(services: Services) -> None:
    setup.publish_definitions(services, load_definitions(V2_FOLDER))


def renamed_v3() -> DefinitionFile:
    """v3: v2 with 'placement' renamed 'divisional_placement' wherever it names the state."""

    def rename(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: rename(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rename(v) for v in value]
        return "divisional_placement" if value == "placement" else value

    data = rename(yaml.safe_load(V2_FILE.read_text(encoding="utf-8"))) | {"version": 3}
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return DefinitionFile("custom/junior-diplomats.v3.yaml", text, parse_definition(text, "v3"))


def induct(services: Services, ref: str, items: tuple[str, ...] = INDUCTION) -> None:
    act.advance(services, ref, "accept", actor=COORDINATOR)
    act.advance(services, ref, "start_induction", actor=COORDINATOR)
    for item in items:
        act.tick(services, ref, item, actor=COORDINATOR)


def to_placement(services: Services, ref: str, items: tuple[str, ...] = INDUCTION) -> None:
    induct(services, ref, items)
    act.place(services, ref, division=DIVISION, supervisor=SUPERVISOR, actor=COORDINATOR)
    act.advance(services, ref, "start_placement", actor=COORDINATOR)


def to_study_visit(services: Services, ref: str, items: tuple[str, ...] = INDUCTION) -> None:
    to_placement(services, ref, items)
    for signoff in ("placement.midterm", "placement.final"):
        act.sign_off(services, ref, signoff, actor=SUPERVISOR, approve=True)
    for item in TRAVEL:
        act.tick(services, ref, item, actor=COORDINATOR)
    act.advance(services, ref, "start_study_visit", actor=COORDINATOR)


def pending(services: Services, ref: str) -> dict[str, tuple[str, datetime]]:
    """The officer's pending reminders: key -> (rule, due)."""
    with services.db.reading() as session:
        officer = repo.officer_by_ref(session, ref)
        rows = session.execute(
            select(Reminder.key, Reminder.rule, Reminder.due_at).where(
                Reminder.officer_id == officer.id, Reminder.status == "pending"
            )
        )
        return {key: (rule, due) for key, rule, due in rows}


def on_version(services: Services, ref: str) -> tuple[int, str, int]:
    """(definition version, state, row version) of the officer."""
    with services.db.reading() as session:
        officer = repo.officer_by_ref(session, ref)
        return officer.definition.version, officer.state, officer.version


def replay_problems(
    services: Services, officer: Officer, session: Session | None = None
) -> list[str]:
    """Where the officer's audit log fails to replay to its stored state and definition.

    From the initial state of the version the first migration left (or of the officer's
    own, if none), each event must be a trigger of the version in force, a revert back
    to where the transition it undoes started, or a migration naming the version in
    force and the next, starting from the current state. Read in ``session`` (which
    loaded ``officer``), if given: one transaction for a whole batch's checks.
    """
    with nullcontext(session) if session else services.db.reading() as session:
        events = [
            (e.trigger, e.from_state, e.to_state, e.reason)
            for e in repo.audit_events(session, officer)
        ]
        versions = {
            row.version: services.workflows.get(row).definition
            for row in session.scalars(
                select(DefinitionVersion).where(
                    DefinitionVersion.track_id == officer.batch.track_id
                )
            )
        }
        stored = session.get(Officer, officer.id)
        assert stored is not None
        stored_version, stored_state = stored.definition.version, stored.state
    migrations = [migrated_versions(reason) for trigger, _, _, reason in events
                  if trigger == MIGRATE]
    version = migrations[0][0] if migrations else stored_version
    definition: WorkflowDefinition = versions[version]
    current = definition.initial
    earlier: list[str] = []
    problems: list[str] = []
    for n, (trigger_name, from_state, to_state, reason) in enumerate(events):
        where = f"event {n} ({trigger_name} {from_state} -> {to_state})"
        if from_state != current:
            problems.append(f"{where}: starts from {from_state}, the officer was {current}")
        if trigger_name == MIGRATE:
            old, new = migrated_versions(reason)
            if old != version:
                problems.append(f"{where}: leaves v{old}, the officer was on v{version}")
            version, definition, earlier = new, versions[new], []
            if to_state not in definition.state_names:
                problems.append(f"{where}: v{new} has no state {to_state}")
        elif trigger_name == REVERT:
            if not earlier or earlier[-1] != to_state:
                problems.append(f"{where}: does not go back to where the undone one started")
            else:
                earlier.pop()
        else:
            trigger = definition.trigger(trigger_name)
            if trigger is None or from_state not in trigger.source or trigger.dest != to_state:
                problems.append(f"{where}: not a transition of v{version}")
            earlier.append(current)
        current = to_state
    if (version, current) != (stored_version, stored_state):
        problems.append(
            f"replays to v{version} {current}, stored v{stored_version} {stored_state}"
        )
    return problems
