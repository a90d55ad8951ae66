"""Moving running officers onto another published version of their track's definition.

A published version is frozen and officers stay on the one they started with; this is
how a coordinator brings a running batch (or the whole track) onto a newer one: a
briefing added mid-year then reaches the current batch.

Every officer lands in the state of the same name in the new version, or where a
mapping (``old_state=new_state``) sends those in a state. The whole run is one
transaction: each officer's definition and state change, an audit event ("migrate",
from the old state to the new, the versions in its reason) and the re-planned
reminders; refused, with nobody moved, if any officer cannot be mapped, naming every
one. A dry run rehearses exactly that in a transaction it rolls back, so what it shows
is what the real run would do. Officers in a final state stay where they are.

A migration is no transition: no guard is asked and nothing is entered or left, so a
mapping may not turn one kind of stage into another (a final, graduated or seat-freeing
state into one that is not, or back). Ticks, sign-offs and deadlines stay recorded; those
the new version no longer has just stop counting.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecycle.audit_triggers import MIGRATE, migration_note
from lifecycle.definition import WorkflowDefinition
from lifecycle.errors import InvalidData, UnmappedOfficers
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import AuditEvent, Batch, Officer, Reminder
from lifecycle.roles import Role
from lifecycle.services import facts as officer_facts
from lifecycle.services.context import Services, require_role
from lifecycle.services.migration_plan import (
    Migration,
    OfficerMigration,
    ReminderChange,
    item_changes,
    signoff_changes,
)
from lifecycle.state_roles import StateRole

# What a stage means that a migration may not change: moving an officer into or out of
# one of these takes a transition (a certificate issued, a seat freed, a year ended).
OUTCOME_ROLES = (StateRole.GRADUATED, StateRole.FREES_SEAT)


def parse_mapping(entries: Iterable[str]) -> dict[str, str]:
    """``["induction=orientation", ...]`` as a dict; a malformed or twice-given entry is
    refused."""
    mapping: dict[str, str] = {}
    for entry in entries:
        old, sep, new = (part.strip() for part in entry.partition("="))
        if not (sep and old and new):
            raise InvalidData(f"--map {entry!r}: expected OLD_STATE=NEW_STATE")
        if mapping.get(old, new) != new:
            raise InvalidData(f"--map gives {old!r} twice: {old}={mapping[old]} and {old}={new}")
        mapping[old] = new
    return mapping


def migrate(
    services: Services,
    track: str,
    *,
    from_version: int,
    to_version: int,
    actor: str,
    batch: str | None = None,
    mapping: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> Migration:
    try:
        with services.transaction() as session:
            done = _migrate(
                services, session, track, from_version, to_version, actor, batch,
                dict(mapping or {}), dry_run,
            )  # fmt: skip
            if dry_run:
                raise _Rehearsed(done)
            return done
    except _Rehearsed as rehearsal:  # rolled back: the database is as it was
        return rehearsal.migration


class _Rehearsed(Exception):
    def __init__(self, migration: Migration) -> None:
        super().__init__("a dry run, rolled back")
        self.migration = migration


def _migrate(
    services: Services,
    session: Session,
    track_slug: str,
    from_version: int,
    to_version: int,
    actor: str,
    batch_ref: str | None,
    mapping: dict[str, str],
    dry_run: bool,
) -> Migration:
    # Every refusal before the first write.
    user = repo.user_by_email(session, actor)
    require_role(user, (Role.COORDINATOR,), "migrating officers to another definition version")
    if from_version == to_version:
        raise InvalidData(
            f"--from and --to are both v{from_version}: a migration moves officers to "
            "another version"
        )
    track = repo.track_by_slug(session, track_slug)
    old_row = repo.definition_version(session, track, from_version)
    new_row = repo.definition_version(session, track, to_version)
    old = services.workflows.get(old_row).definition
    new = services.workflows.get(new_row).definition
    batch = _batch(session, batch_ref, track_slug)
    _check_mapping(mapping, old, new)
    running: list[Officer] = []
    staying: list[tuple[str, str]] = []
    for officer in repo.officers_on(session, old_row, batch):
        if officer.state in old.final_states:  # their year is over: nothing to move
            staying.append((officer.ref, officer.state))
        else:
            running.append(officer)
    landings = _landings(running, old, new, mapping, to_version)
    rows = officer_facts.officers_rows(session, running)
    before = _reminders(session, running)
    from_states = {o.id: o.state for o in running}
    now = services.now()
    note = migration_note(track.slug, from_version, to_version)
    for officer in running:
        previous, officer.state = officer.state, landings[officer.id]
        officer.definition = new_row  # state_since stays: the stay goes on
        renamed = f"; {previous} is {officer.state} in v{to_version}"
        session.add(AuditEvent(
            officer_id=officer.id, trigger=MIGRATE, from_state=previous,
            to_state=officer.state, actor_id=user.id,
            reason=note + (renamed if previous != officer.state else ""), occurred_at=now,
        ))  # fmt: skip
        services.officer_changed(session, officer)  # one version bump, reminders re-planned
    after = _reminders(session, running)
    return Migration(
        track.slug, from_version, to_version, batch.ref if batch else None, dry_run,
        tuple(
            _officer_migration(o, old, new, rows[o.id], before, after, from_states[o.id])
            for o in running
        ),
        tuple(staying),
    )  # fmt: skip


def _batch(session: Session, ref: str | None, track: str) -> Batch | None:
    if ref is None:
        return None
    batch = repo.batch_by_ref(session, ref)
    if batch.track.slug != track:
        raise InvalidData(f"batch {batch.ref} is of the track {batch.track.slug}, not {track}")
    return batch


def _check_mapping(
    mapping: Mapping[str, str], old: WorkflowDefinition, new: WorkflowDefinition
) -> None:
    for source, target in mapping.items():
        where = f"--map {source}={target}"
        if source not in old.state_names:
            raise InvalidData(
                f"{where}: v{old.version} has no state {source!r} "
                f"(its states: {', '.join(old.state_names)})"
            )
        if target not in new.state_names:
            raise InvalidData(
                f"{where}: v{new.version} has no state {target!r} "
                f"(its states: {', '.join(new.state_names)})"
            )
        changed = _meaning_changed(old, source, new, target)
        if changed:
            raise InvalidData(f"{where}: {changed}; a migration only says where officers stand")


def _meaning_changed(
    old: WorkflowDefinition, source: str, new: WorkflowDefinition, target: str
) -> str | None:
    """How landing in ``target`` would change what the officer's stage means, if it does."""
    for role in OUTCOME_ROLES:
        was, becomes = old.has_role(source, role), new.has_role(target, role)
        if was != becomes:
            return (
                f"{source} is {'' if was else 'not '}{role.value!r} in v{old.version} but "
                f"{target} is {'' if becomes else 'not '}{role.value!r} in v{new.version}"
            )
    if (source in old.final_states) != (target in new.final_states):
        final = "final" if target in new.final_states else "not final"
        return f"{target} is {final} in v{new.version} and {source} is not in v{old.version}"
    return None


def _landings(
    officers: Sequence[Officer],
    old: WorkflowDefinition,
    new: WorkflowDefinition,
    mapping: Mapping[str, str],
    to_version: int,
) -> dict[int, str]:
    """Where each officer lands (by id); refuses, naming every officer who cannot."""
    landings: dict[int, str] = {}
    problems: dict[str, list[str]] = {}
    for officer in officers:
        target = mapping.get(officer.state, officer.state)
        problem = None
        if target not in new.state_names:
            problem = (
                f"{officer.state} is not a state of v{to_version} and no --map names it "
                f"(add --map {officer.state}=STATE; v{to_version}'s states: "
                f"{', '.join(new.state_names)})"
            )
        elif target in new.optional_states and target not in officer.batch.optional_stages:
            problem = (
                f"{target} is an optional stage that batch {officer.batch.ref} does not include"
            )
        else:
            problem = _meaning_changed(old, officer.state, new, target)
        if problem is None:
            landings[officer.id] = target
        else:
            problems.setdefault(problem, []).append(officer.ref)
    if problems:
        held = sum(len(refs) for refs in problems.values())
        raise UnmappedOfficers(
            f"nobody was migrated: {held} officer{'s' if held != 1 else ''} cannot be "
            f"mapped to v{to_version}",
            problems,
        )
    return landings


class _Row(NamedTuple):
    status: str
    rule: str
    occurrence: int
    recipient: str
    send_at: datetime


def _reminders(session: Session, officers: Sequence[Officer]) -> dict[int, dict[str, _Row]]:
    found: dict[int, dict[str, _Row]] = {o.id: {} for o in officers}
    ids = list(found)
    for start in range(0, len(ids), repo.ROWS_CHUNK):
        query = select(
            Reminder.officer_id, Reminder.key, Reminder.status, Reminder.rule,
            Reminder.occurrence, Reminder.recipient_email, Reminder.send_at,
        ).where(Reminder.officer_id.in_(ids[start : start + repo.ROWS_CHUNK]))  # fmt: skip
        for officer_id, key, status, rule, occurrence, email, send_at in session.execute(query):
            assert officer_id is not None  # asked for by officer
            found[officer_id][key] = _Row(status, rule, occurrence, email, send_at)
    return found


def _officer_migration(
    officer: Officer,
    old: WorkflowDefinition,
    new: WorkflowDefinition,
    rows: repo.OfficerRows,
    before: Mapping[int, Mapping[str, _Row]],
    after: Mapping[int, Mapping[str, _Row]],
    from_state: str,
) -> OfficerMigration:
    was, now = before[officer.id], after[officer.id]
    pending_before = {k for k, r in was.items() if r.status == "pending"}
    pending_after = {k for k, r in now.items() if r.status == "pending"}
    return OfficerMigration(
        officer.ref, officer.name, officer.batch.ref, from_state, officer.state,
        item_changes(old, new, rows.ticked),
        signoff_changes(old, new, {name: s.decision for name, s in rows.signoffs.items()}),
        _changes(now, pending_after - pending_before),
        _changes(was, pending_before - pending_after),
    )  # fmt: skip


def _changes(rows: Mapping[str, _Row], keys: set[str]) -> tuple[ReminderChange, ...]:
    chosen = sorted((rows[k] for k in keys), key=lambda r: (r.send_at, r.rule, r.recipient))
    return tuple(ReminderChange(r.rule, r.occurrence, r.recipient, r.send_at) for r in chosen)
