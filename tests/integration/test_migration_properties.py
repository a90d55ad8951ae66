"""Random sequences of advance, revert, deadline and migrate keep every officer whole.

Junior-diplomats v1, v2 (``tests/definitions/migration``) and v3 (v2 with placement
renamed) are all published; a batch's officers are walked forward, reverted, given later
deadlines and migrated back and forth between the versions. Throughout: every write bumps
its officer's version by exactly one (a migration each officer it moves), the audit log
replays to the stored state and version, and no reminder is pending that the officer's
rules, as they stand, do not call for. One database per backend serves every example;
each works in a batch of its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from lifecycle.clock import FakeClock
from lifecycle.definition import WorkflowDefinition
from lifecycle.errors import AttacheError
from lifecycle.persistence import repository as repo
from lifecycle.persistence.database import Database
from lifecycle.persistence.tables import Officer, Reminder
from lifecycle.services import Services, setup
from lifecycle.services import officers as act
from lifecycle.services.migration import migrate
from lifecycle.services.revert import revert
from lifecycle.services.views import officer_detail
from lifecycle.services.workflows import compiled
from lifecycle.state_roles import StateRole
from notifications.extensions import set_deadline
from notifications.planner import ReminderPlanner
from notifications.wiring import with_reminders
from tests.conftest import START
from tests.migration_support import TRACK, publish_v2, renamed_v3, replay_problems
from tests.support import COORDINATOR, DIVISION, SUPERVISOR, VIEWER, dump

# Where officers in a state the target version lacks are sent, when the run maps them.
RENAMES = {
    "debriefing": "study_visit",
    "placement": "divisional_placement",
    "divisional_placement": "placement",
}
DATED = ("placement.midterm", "placement.final", "travel_documents")


def prepare(services: Services) -> None:
    setup.add_user(services, name="Siti Rahmawati", email=COORDINATOR, role="coordinator")
    setup.add_user(services, name="Maria Santos", email=SUPERVISOR, role="supervisor")
    setup.add_user(services, name="JAIF Viewer", email=VIEWER, role="viewer")
    setup.add_division(services, name=DIVISION, department="APSC")
    publish_v2(services)
    setup.publish_definitions(services, [renamed_v3()])


def migration_machine(services: Services, clock: FakeClock) -> type[RuleBasedStateMachine]:
    numbers = itertools.count(300)
    [planner] = [x for x in services.listeners if isinstance(x, ReminderPlanner)]
    published: dict[int, WorkflowDefinition] = {}

    def published_version(version: int) -> WorkflowDefinition:
        """The published ``version`` of the track (a published version never changes):
        read once, not on each of the thousands of steps that ask."""
        if version not in published:
            published[version] = compiled(services, TRACK, version).definition
        return published[version]

    class Migrations(RuleBasedStateMachine):
        officers = Bundle("officers")

        def __init__(self) -> None:
            super().__init__()
            self.number = next(numbers)
            self.batch = ""
            self.refs: list[str] = []
            self.versions: dict[str, int] = {}  # the row version each officer should have

        def stored_versions(self) -> dict[str, int]:
            with services.db.reading() as session:
                batch = repo.batch_by_ref(session, self.batch)
                return {o.ref: o.version for o in repo.officers(session, batch)}

        def attempt(self, action: Callable[[], object], label: str) -> bool:
            """Run one service call; a refusal must leave every row as it was."""
            before = dump(services)
            try:
                action()
            except AttacheError as exc:
                assert before == dump(services)
                event(f"{label}: refused ({type(exc).__name__})")
                return False
            event(f"{label}: done")
            return True

        def wrote(self, *refs: str) -> None:
            for ref in refs:
                self.versions[ref] += 1

        @initialize(training=st.booleans())
        def create_batch(self, training: bool) -> None:
            self.batch = setup.create_batch(
                services, track=TRACK, number=self.number, start=date(2023, 2, 1),
                end=date(2024, 1, 31), quotas={"KH": 3},
                optional_stages=["diplomatic_training"] if training else [],
            )  # fmt: skip
            # The final review and the travel documents are due counting from it.
            setup.set_milestone(services, self.batch, "study_visit", date(2023, 12, 4),
                                actor=COORDINATOR)

        @precondition(lambda self: len(self.refs) < 3)
        @rule(target=officers)
        def nominate(self) -> object:
            ref = setup.nominate(
                services, batch=self.batch, name="Htet Htet Htoo", country="KH",
                ministry="Ministry of Foreign Affairs",
                email=f"o{len(self.refs)}.b{self.number}@mfa.example", actor=COORDINATOR,
            ).ref  # fmt: skip
            self.refs.append(ref)
            self.versions[ref] = self.stored_versions()[ref]
            return ref

        @rule(ref=officers, data=st.data())
        def walk(self, ref: str, data: st.DataObject) -> None:
            """A few of the steps the officer's page offers; each must succeed."""
            for _ in range(data.draw(st.integers(1, 12), label="steps")):
                moves = self._offered(ref)
                if not moves:
                    return
                kind, what = data.draw(st.sampled_from(moves), label="move")
                if kind == "fire":
                    act.advance(services, ref, what, actor=COORDINATOR)
                elif kind == "tick":
                    act.tick(services, ref, what, actor=COORDINATOR)
                elif kind == "place":
                    act.place(services, ref, division=DIVISION, supervisor=SUPERVISOR,
                              actor=COORDINATOR)
                else:
                    act.sign_off(services, ref, what, actor=SUPERVISOR, approve=True)
                event(f"walk: {kind}")
                self.wrote(ref)

        def _offered(self, ref: str) -> list[tuple[str, str]]:
            detail = officer_detail(services, ref)
            state = detail["state"]
            definition = published_version(detail["definition"]["version"])
            moves = [("fire", t.name) for t in definition.triggers
                     if t.name in detail["allowed_triggers"] and not t.reason_required]
            for checklist in detail["checklist"]:
                spec = definition.checklist(checklist["checklist"])
                if spec is not None and state in spec.open_in:
                    moves += [("tick", i["key"]) for i in checklist["items"] if not i["ticked"]]
            if detail["placement"] is None and definition.has_role(state, StateRole.PLACEABLE):
                moves.append(("place", DIVISION))
            approved = {s["name"] for s in detail["signoffs"] if s["status"] == "approved"}
            for signoff in definition.signoffs:
                if (state == signoff.stage and signoff.name not in approved
                        and set(signoff.after) <= approved):
                    moves.append(("sign", signoff.name))
            return moves

        @rule(ref=officers, reason=st.sampled_from(("Wrong officer", "Too early", "")))
        def undo(self, ref: str, reason: str) -> None:
            if self.attempt(lambda: revert(services, ref, reason=reason, actor=COORDINATOR),
                            "revert"):
                self.wrote(ref)

        # Mostly later than the rules' dates (a review six months into the placement).
        @rule(ref=officers, name=st.sampled_from(DATED), days=st.integers(-10, 500))
        def deadline(self, ref: str, name: str, days: int) -> None:
            day = clock.now().date() + timedelta(days=days)
            if self.attempt(lambda: set_deadline(services, ref, name, day, reason="Agreed",
                                                 actor=COORDINATOR), "deadline"):
                self.wrote(ref)

        @rule(versions=st.sampled_from(list(itertools.permutations((1, 2, 3), 2))),
              mapped=st.booleans(), dry_run=st.booleans())
        def migrate_batch(self, versions: tuple[int, int], mapped: bool, dry_run: bool) -> None:
            old, new = versions
            moving, can = self._moving(old, new, mapped)
            mapping = RENAMES if mapped else {}
            done = self.attempt(lambda: migrate(
                services, TRACK, from_version=old, to_version=new, actor=COORDINATOR,
                batch=self.batch, mapping=self._valid(mapping, old, new), dry_run=dry_run,
            ), f"migrate{' (dry run)' if dry_run else ''}")  # fmt: skip
            assert (old != new and can) == done, (old, new, mapping, moving)
            if done and not dry_run:
                self.wrote(*moving)

        def _valid(self, mapping: dict[str, str], old: int, new: int) -> dict[str, str]:
            """The renames that name states of both versions (a mapping naming any other
            state is refused; the tests of bad input see to that)."""
            if old == new:
                return {}
            source = published_version(old).state_names
            target = published_version(new).state_names
            return {a: b for a, b in mapping.items() if a in source and b in target}

        def _moving(self, old: int, new: int, mapped: bool) -> tuple[list[str], bool]:
            """The officers a migration would move, and whether every one can land."""
            if old == new:
                return [], False
            source = published_version(old)
            target = published_version(new)
            mapping = self._valid(RENAMES, old, new) if mapped else {}
            moving, can = [], True
            with services.db.reading() as session:
                batch = repo.batch_by_ref(session, self.batch)
                for officer in repo.officers(session, batch):
                    if officer.definition.version != old or officer.state in source.final_states:
                        continue
                    moving.append(officer.ref)
                    can = can and mapping.get(officer.state, officer.state) in target.state_names
            return moving, can

        @rule(days=st.integers(0, 40))
        def advance_clock(self, days: int) -> None:
            clock.advance(timedelta(days=days))

        # The three invariants read the batch in one transaction: on PostgreSQL each
        # transaction is two more round trips (BEGIN, ROLLBACK), and round trips are most
        # of this test's time there. Nothing writes between them.
        @invariant()
        def every_officer_is_whole(self) -> None:
            if not self.batch:
                return
            with services.db.reading() as session:
                batch = repo.batch_by_ref(session, self.batch)
                officers = repo.officers(session, batch)
                self.versions_run_consecutively(officers)
                self.the_audit_replays_to_the_stored_state(session, officers)
                self.no_reminder_is_pending_without_its_reason(session, officers)

        def versions_run_consecutively(self, officers: list[Officer]) -> None:
            assert self.versions == {o.ref: o.version for o in officers}

        def the_audit_replays_to_the_stored_state(
            self, session: Session, officers: list[Officer]
        ) -> None:
            for officer in officers:
                assert [] == replay_problems(services, officer, session)
                event(f"on v{officer.definition.version} in {officer.state}")

        def no_reminder_is_pending_without_its_reason(
            self, session: Session, officers: list[Officer]
        ) -> None:
            wanted = planner.wanted_many(session, officers)
            for officer in officers:
                due = {w.key: w.due_at for w in wanted[officer.id]}
                for key, due_at in session.execute(
                    select(Reminder.key, Reminder.due_at).where(
                        Reminder.officer_id == officer.id, Reminder.status == "pending"
                    )
                ):
                    assert key in due, f"{key} is pending but no rule calls for it"
                    assert due[key] == due_at, key

    return Migrations


def test_random_advances_reverts_deadlines_and_migrations_keep_officers_whole(
    database_url: str,
) -> None:
    """Whatever coordinators do, in any order: versions move by one per write, the log
    replays to the stored state across migrations, no reminder outlives its reason, and
    a refused call (an unmapped state among them) changes no row."""
    database = Database(database_url)
    clock = FakeClock(START)
    services = with_reminders(Services(database, clock))
    try:
        prepare(services)
        run_state_machine_as_test(
            migration_machine(services, clock),
            settings=settings(
                max_examples=30, stateful_step_count=30, deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )  # fmt: skip
    finally:
        database.dispose()
