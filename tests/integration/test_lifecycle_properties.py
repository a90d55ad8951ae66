"""Random sequences of service calls keep every officer consistent with its definition.

One database per backend serves every example; each example works in a batch of its own
(numbered from a counter) so examples cannot see each other's officers.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from datetime import date, timedelta

import yaml
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from lifecycle.clock import FakeClock
from lifecycle.definition import parse_definition
from lifecycle.errors import AttacheError
from lifecycle.persistence import repository as repo
from lifecycle.persistence.database import Database
from lifecycle.services import Services, setup
from lifecycle.services import officers as act
from lifecycle.services.revert import REVERT
from lifecycle.services.revert import revert as revert_last
from lifecycle.services.views import officer_detail
from lifecycle.services.workflows import compiled
from tests.conftest import START
from tests.strategies import DEFINITIONS
from tests.support import COORDINATOR, DIVISION, OTHER_SUPERVISOR, SUPERVISOR, VIEWER, dump
from workflows.loader import DefinitionFile, shipped_files

SECOND_DIVISION = "Social Welfare, Women, Labour and Migrant Workers Division"
STAFF = (COORDINATOR, SUPERVISOR, OTHER_SUPERVISOR, VIEWER)
TRIGGERS = sorted({t.name for d in DEFINITIONS for t in d.triggers} | {"promote"})
ITEMS = sorted(
    {i.key for d in DEFINITIONS for c in d.checklists for i in c.items}
    | {"security_briefing", "boarding_pass"}
)
SIGNOFFS = ("placement.midterm", "placement.final", "placement.annual")
REASONS = st.none() | st.sampled_from(("", "Recalled by the ministry", "ឈី រដ្ឋា ត្រូវបានហៅត្រឡប់"))
COMMENTS = st.none() | st.sampled_from(("", "Please add the mission report"))


@functools.cache  # the same file every time; parsing its YAML again took most of the test
def junior_diplomats_v2() -> DefinitionFile:
    """Version 2 of the junior diplomats' track: one more induction item."""
    text = dict(shipped_files())["workflows/definitions/junior-diplomats.v1.yaml"]
    data = yaml.safe_load(text) | {"version": 2}
    data["checklists"][0]["items"].append({"key": "security_briefing", "label": "Security"})
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return DefinitionFile("custom/junior-diplomats.v2.yaml", text, parse_definition(text, "v2"))


def prepare(services: Services) -> None:
    """What every example shares: the staff and two divisions."""
    for email, role in zip(STAFF, ("coordinator", "supervisor", "supervisor", "viewer"),
                           strict=True):
        setup.add_user(services, name=email.split("@")[0], email=email, role=role)
    setup.add_division(services, name=DIVISION, department="APSC")
    setup.add_division(services, name=SECOND_DIVISION, department="ASCC")


def lifecycle_machine(services: Services, clock: FakeClock) -> type[RuleBasedStateMachine]:
    numbers = itertools.count(100)
    published = {"junior-diplomats": 1, "aec-ascc": 1}

    class Lifecycle(RuleBasedStateMachine):
        officers = Bundle("officers")

        def __init__(self) -> None:
            super().__init__()
            self.number = next(numbers)
            self.batch = ""
            self.track = ""
            self.training = False
            self.emails: list[str] = []
            self.definition_version: dict[str, int] = {}
            self.row_version: dict[str, int] = {}

        def attempt(self, action: Callable[[], object]) -> bool:
            """Run one service call; a refusal is fine but must leave every row as it was."""
            before = dump(services)
            try:
                action()
            except AttacheError as exc:
                assert before == dump(services)
                event(f"refused: {type(exc).__name__}")
                return False
            return True

        @initialize(track=st.sampled_from(sorted(published)), training=st.booleans())
        def create_batch(self, track: str, training: bool) -> None:
            self.track, self.training = track, training
            self.batch = setup.create_batch(
                services, track=track, number=self.number, start=date(2023, 2, 1),
                end=date(2024, 1, 31), quotas={"KH": 2},
                optional_stages=["diplomatic_training"] if training else [],
            )

        @precondition(lambda self: len(self.emails) < 3)
        @rule(target=officers, country=st.sampled_from(("KH", "LA", "MM", "VN")),
              reuse_email=st.booleans(), with_login=st.booleans())
        def nominate(self, country: str, reuse_email: bool, with_login: bool) -> object:
            email = (self.emails[0] if reuse_email and self.emails
                     else f"o{len(self.emails)}.b{self.number}@mfa.example")
            outcome: list[str] = []
            if not self.attempt(lambda: outcome.append(setup.nominate(
                services, batch=self.batch, name="Htet Htet Htoo", country=country,
                ministry="Ministry of Foreign Affairs", email=email, actor=COORDINATOR,
            ).ref)):
                return multiple()
            self.emails.append(email)
            self.definition_version[outcome[0]] = published[self.track]
            if with_login:  # the officer may act on their own checklist
                setup.add_user(services, name="Htet Htet Htoo", email=email, role="officer")
            return outcome[0]

        @rule(ref=officers, trigger=st.sampled_from(TRIGGERS),
              actor=st.sampled_from(STAFF), reason=REASONS)
        def fire(self, ref: str, trigger: str, actor: str, reason: str | None) -> None:
            self.attempt(lambda: act.advance(services, ref, trigger, actor=actor, reason=reason))

        @rule(ref=officers, data=st.data())
        def walk(self, ref: str, data: st.DataObject) -> None:
            """A few steps a diligent coordinator and supervisor would take: all must succeed.

            What the officer's page offers (triggers, open checklist items, sign-offs due)
            must be accepted by the services; random rules alone rarely get past induction.
            """
            for _ in range(data.draw(st.integers(1, 8), label="steps")):
                if data.draw(st.integers(0, 19), label="end early?") == 0:
                    self.end_early(ref, data.draw(st.sampled_from(("withdraw", "decline"))))
                    return
                moves = self._offered(ref)
                if not moves:
                    return
                kind, what, actor = data.draw(st.sampled_from(moves), label="move")
                event(f"walk: {kind} {what}")
                if kind == "fire":
                    act.advance(services, ref, what, actor=actor)
                elif kind == "tick":
                    act.tick(services, ref, what, actor=actor)
                elif kind == "place":
                    act.place(services, ref, division=what, supervisor=SUPERVISOR, actor=actor)
                else:
                    act.sign_off(services, ref, what, actor=actor, approve=True)

        def end_early(self, ref: str, trigger: str) -> None:
            """With a reason, an offered withdraw or decline succeeds; otherwise it is refused."""
            offered = trigger in officer_detail(services, ref)["allowed_triggers"]
            event(f"walk: end early with {trigger}")
            done = self.attempt(lambda: act.advance(
                services, ref, trigger, actor=COORDINATOR, reason="Recalled by the ministry"))
            assert offered == done

        def _offered(self, ref: str) -> list[tuple[str, str, str]]:
            detail = officer_detail(services, ref)
            state = detail["state"]
            definition = compiled(services, self.track, detail["definition"]["version"]).definition
            # Triggers needing a reason end the officer's year: end_early covers those.
            moves = [("fire", t.name, COORDINATOR) for t in definition.triggers
                     if t.name in detail["allowed_triggers"] and not t.reason_required]
            for checklist in detail["checklist"]:
                spec = definition.checklist(checklist["checklist"])
                if spec is not None and state in spec.open_in and "coordinator" in spec.roles:
                    moves += [("tick", i["key"], COORDINATOR) for i in checklist["items"]
                              if not i["ticked"]]
            if detail["placement"] is None and state in ("accepted", "induction"):
                moves.append(("place", DIVISION, COORDINATOR))
            approved = {s["name"] for s in detail["signoffs"] if s["status"] == "approved"}
            for signoff in definition.signoffs:
                if (state == signoff.stage and signoff.name not in approved
                        and set(signoff.after) <= approved):
                    moves.append(("sign", signoff.name, detail["placement"]["supervisor"]))
            return moves

        @rule(ref=officers, item=st.sampled_from(ITEMS), untick=st.booleans(),
              actor=st.sampled_from((*STAFF, "self")))
        def tick(self, ref: str, item: str, untick: bool, actor: str) -> None:
            who = self._officer_email(ref) if actor == "self" else actor
            action = act.untick if untick else act.tick
            self.attempt(lambda: action(services, ref, item, actor=who))

        @rule(ref=officers, division=st.sampled_from((DIVISION, SECOND_DIVISION)),
              supervisor=st.sampled_from((SUPERVISOR, OTHER_SUPERVISOR, VIEWER)),
              actor=st.sampled_from((COORDINATOR, SUPERVISOR)))
        def place(self, ref: str, division: str, supervisor: str, actor: str) -> None:
            self.attempt(lambda: act.place(
                services, ref, division=division, supervisor=supervisor, actor=actor))

        @rule(ref=officers, days=st.integers(-30, 90))
        def extend(self, ref: str, days: int) -> None:
            until = date(2024, 1, 31) + timedelta(days=days)
            self.attempt(lambda: act.extend_placement(
                services, ref, until=until, actor=COORDINATOR))

        @rule(ref=officers, name=st.sampled_from(SIGNOFFS), signer=st.sampled_from(STAFF),
              approve=st.booleans(), comment=COMMENTS)
        def sign_off(
            self, ref: str, name: str, signer: str, approve: bool, comment: str | None
        ) -> None:
            self.attempt(lambda: act.sign_off(
                services, ref, name, actor=signer, approve=approve, comment=comment))

        @rule(ref=officers, actor=st.sampled_from(STAFF), reason=REASONS)
        def revert(self, ref: str, actor: str, reason: str | None) -> None:
            self.attempt(lambda: revert_last(services, ref, reason=reason or "", actor=actor))

        @rule(days=st.integers(0, 60))
        def advance_clock(self, days: int) -> None:
            clock.advance(timedelta(days=days))

        @rule()
        def publish_v2(self) -> None:
            setup.publish_definitions(services, [junior_diplomats_v2()])
            published["junior-diplomats"] = 2

        def _officer_email(self, ref: str) -> str:
            with services.db.reading() as session:
                return repo.officer_by_ref(session, ref).email

        @invariant()
        def officers_follow_their_definitions(self) -> None:
            with services.db.reading() as session:
                batch = repo.batch_by_ref(session, self.batch)
                for officer in repo.officers(session, batch):
                    definition = services.workflows.get(officer.definition).definition
                    assert officer.state in definition.state_names
                    current = definition.initial
                    earlier: list[str] = []  # the states a revert can go back to
                    for entry in repo.audit_events(session, officer):
                        if entry.trigger == REVERT:  # back to where the undone one started
                            assert (current, earlier[-1]) == (entry.from_state, entry.to_state)
                            current = earlier.pop()
                            continue
                        earlier.append(current)
                        trigger = definition.trigger(entry.trigger)
                        assert trigger is not None, entry.trigger
                        assert entry.from_state in trigger.source
                        assert trigger.dest == entry.to_state
                        assert current == entry.from_state  # replay the log
                        current = entry.to_state
                        if not self.training:
                            assert entry.to_state != "diplomatic_training"
                    assert current == officer.state
                    event(f"reached {officer.state}")
                    self._check_versions(officer.ref, officer.definition.version, officer.version)

        def _check_versions(self, ref: str, definition_version: int, row_version: int) -> None:
            assert self.definition_version[ref] == definition_version
            assert self.row_version.get(ref, 0) <= row_version
            self.row_version[ref] = row_version

    return Lifecycle


def test_random_service_calls_keep_officers_consistent(database_url: str) -> None:
    """Whatever users do, officers move only along their definition and refusals write nothing.

    Invariants: each state belongs to the officer's definition; each audit event is a
    transition of it, or a revert back to where the transition it undoes started;
    replaying the log gives the current state; a batch without
    diplomatic training never enters it; an officer's definition version never changes
    and its row version never decreases; a refused action changes no row.
    """
    database = Database(database_url)
    clock = FakeClock(START)
    services = Services(database, clock)
    try:
        prepare(services)
        run_state_machine_as_test(
            lifecycle_machine(services, clock),
            settings=settings(
                max_examples=25, stateful_step_count=30, deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        database.dispose()
