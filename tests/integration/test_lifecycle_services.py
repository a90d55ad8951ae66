"""Every use case on one officer, on SQLite and PostgreSQL: what succeeds, what is refused.

Each refusal is checked twice: the exact exception type, and a dump showing no row changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from lifecycle.clock import FakeClock
from lifecycle.definition import parse_definition
from lifecycle.errors import (
    AttacheError,
    ConfigurationError,
    Conflict,
    GuardFailed,
    IllegalTrigger,
    InvalidData,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
)
from lifecycle.persistence import repository as repo
from lifecycle.services import Services, setup
from lifecycle.services import officers as act
from lifecycle.services.views import officer_detail
from tests.conftest import BACKENDS, seeded_or_fresh
from tests.support import (
    COORDINATOR,
    DIVISION,
    INDUCTION,
    OTHER_SUPERVISOR,
    SUPERVISOR,
    TRAVEL,
    VIEWER,
    dump,
    nominate,
    seed_programme,
    to_placement,
)
from workflows.loader import DefinitionFile, shipped_files

ACTIVE = ("nominated", "accepted", "induction", "placement", "diplomatic_training", "study_visit")
SECOND_DIVISION = "Social Welfare, Women, Labour and Migrant Workers Division"
MIDTERM, FINAL = "placement.midterm", "placement.final"


def refused(
    services: Services, error: type[AttacheError], action: Callable[..., Any], *args: Any,
    **kwargs: Any,
) -> AttacheError:
    """Run ``action`` expecting exactly ``error``, and prove nothing was written."""
    before = dump(services)
    with pytest.raises(AttacheError) as raised:
        action(services, *args, **kwargs)
    assert error is type(raised.value), raised.value
    assert before == dump(services)
    return raised.value


def walk_to(services: Services, ref: str, state: str) -> None:
    """Move a nominated officer to ``state`` the way a coordinator would."""
    if state == "nominated":
        return
    if state in ("accepted", "induction"):
        act.advance(services, ref, "accept", actor=COORDINATOR)
        if state == "induction":
            act.advance(services, ref, "start_induction", actor=COORDINATOR)
        return
    to_placement(services, ref)
    if state == "diplomatic_training":
        act.advance(services, ref, "start_training", actor=COORDINATOR)
    if state == "study_visit":
        act.sign_off(services, ref, MIDTERM, actor=SUPERVISOR, approve=True)
        act.sign_off(services, ref, FINAL, actor=SUPERVISOR, approve=True)
        for item in TRAVEL:
            act.tick(services, ref, item, actor=COORDINATOR)
        act.advance(services, ref, "start_study_visit", actor=COORDINATOR)


PLACED = "JD17-01"


def seed_placed(services: Services) -> None:
    seed_programme(services)
    assert [PLACED] == nominate(services)
    to_placement(services, PLACED)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Overrides tests.conftest's: ``programme`` and ``placed`` are copies of their
    worlds, seeded once per session (0.3-1 s a test, before)."""
    yield from seeded_or_fresh(
        request, tmp_path, {"placed": seed_placed, "programme": seed_programme}
    )


@pytest.fixture
def programme(services: Services) -> Services:
    """The programme (``seed_programme``)."""
    return services


@pytest.fixture
def placed(programme: Services) -> str:
    """The programme and one officer of JD17 in placement with SUPERVISOR."""
    return PLACED


def state(services: Services, ref: str) -> str:
    result: str = officer_detail(services, ref)["state"]
    return result


def ticked(services: Services, ref: str) -> set[str]:
    checklists = officer_detail(services, ref)["checklist"]
    return {i["key"] for c in checklists for i in c["items"] if i["ticked"]}


def test_nominate_starts_nominated_on_the_latest_definition(programme: Services) -> None:
    """A nomination gets the next reference, the initial state, v1, and its name verbatim."""
    refs = nominate(programme, 2)

    detail = officer_detail(programme, refs[1])
    expected = (["JD17-01", "JD17-02"], "nominated", {"track": "junior-diplomats", "version": 1})
    assert expected == (refs, detail["state"], detail["definition"])
    expected_name = "Officer 1 ឈី រដ្ឋា"
    assert expected_name == detail["name"]


def test_nominate_refused_when_country_quota_is_full(programme: Services) -> None:
    """JD17 has 7 Cambodian seats: the 8th Cambodian nomination is refused."""
    nominate(programme, 7)

    error = refused(programme, InvalidData, setup.nominate, batch="JD17", name="Chhy Ratha",
                    country="KH", ministry="MFA", email="ratha@mfa.example", actor=COORDINATOR)
    assert "quota for KH (Cambodia) is full: 7 of 7" in str(error)


@pytest.mark.parametrize(("trigger", "state_before"), [("decline", "nominated"),
                                                      ("withdraw", "induction")])
def test_declined_or_withdrawn_officer_frees_a_quota_seat(
    programme: Services, trigger: str, state_before: str
) -> None:
    """A declined or withdrawn nomination gives its seat back to the country."""
    refs = nominate(programme, 7)
    walk_to(programme, refs[0], state_before)
    act.advance(programme, refs[0], trigger, actor=COORDINATOR, reason="Recalled by ministry")

    outcome = setup.nominate(programme, batch="JD17", name="Chhy Ratha", country="KH",
                             ministry="MFA", email="ratha@mfa.example", actor=COORDINATOR)
    expected = "JD17-08"
    assert expected == outcome.ref


def test_nominate_refuses_a_duplicate_email_in_any_case(programme: Services) -> None:
    """An e-mail already used by an officer is refused, however it is capitalised."""
    nominate(programme)

    refused(programme, Conflict, setup.nominate, batch="JD17", name="Someone Else",
            country="KH", ministry="MFA", email=" O0.KH@MFA.example ", actor=COORDINATOR)


# Coordinator-only actions, each one a coordinator could do on an accepted, placed officer.
COORDINATOR_ACTIONS: dict[str, Callable[[Services, str, str], object]] = {
    "nominate": lambda s, _, actor: setup.nominate(
        s, batch="JD17", name="Htet Htet Htoo", country="MM", ministry="MFA",
        email="htet@mfa.example", actor=actor),
    "advance": lambda s, ref, actor: act.advance(s, ref, "start_induction", actor=actor),
    "place": lambda s, ref, actor: act.place(
        s, ref, division=DIVISION, supervisor=OTHER_SUPERVISOR, actor=actor),
    "extend": lambda s, ref, actor: act.extend_placement(
        s, ref, until=date(2024, 3, 31), actor=actor),
}


@pytest.mark.parametrize("actor", [SUPERVISOR, VIEWER])
@pytest.mark.parametrize("action", COORDINATOR_ACTIONS)
def test_supervisors_and_viewers_cannot_do_coordinator_actions(
    programme: Services, action: str, actor: str
) -> None:
    """Nominating, firing triggers, placing and extending need the coordinator role."""
    (ref,) = nominate(programme)
    act.advance(programme, ref, "accept", actor=COORDINATOR)
    act.place(programme, ref, division=DIVISION, supervisor=SUPERVISOR, actor=COORDINATOR)

    refused(programme, PermissionDenied, COORDINATOR_ACTIONS[action], ref, actor)
    COORDINATOR_ACTIONS[action](programme, ref, COORDINATOR)


@pytest.mark.parametrize("trigger", ["decline", "withdraw"])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_decline_and_withdraw_need_a_reason(
    programme: Services, trigger: str, reason: str | None
) -> None:
    """decline and withdraw are refused without a non-blank reason."""
    (ref,) = nominate(programme)

    refused(programme, InvalidData, act.advance, ref, trigger, actor=COORDINATOR, reason=reason)


# A batch without diplomatic training never enters it.
WITHDRAWALS = [(s, t) for t in (True, False) for s in ACTIVE if t or s != "diplomatic_training"]


@pytest.mark.parametrize(("stage", "training"), WITHDRAWALS)
def test_withdraw_from_every_active_stage(services: Services, stage: str, training: bool) -> None:
    """An officer can be withdrawn from any active stage, with or without training in the batch."""
    seed_programme(services, training=training)
    (ref,) = nominate(services)
    walk_to(services, ref, stage)

    act.advance(services, ref, "withdraw", actor=COORDINATOR, reason=" Posted abroad ")

    transition = officer_detail(services, ref)["history"]
    last = [e for e in transition if e["kind"] == "transition"][-1]
    expected = ("withdrawn", stage, "withdrawn", "Posted abroad")
    assert expected == (state(services, ref), last["from"], last["to"], last["reason"])


def test_training_is_illegal_in_a_batch_without_it(services: Services) -> None:
    """A batch without diplomatic training refuses start_training, naming the stage."""
    seed_programme(services, training=False)
    (ref,) = nominate(services)
    to_placement(services, ref)

    error = refused(services, IllegalTrigger, act.advance, ref, "start_training",
                    actor=COORDINATOR)
    assert "diplomatic_training" in str(error)


@pytest.mark.parametrize("pause", [timedelta(0), timedelta(seconds=1)], ids=["same", "later"])
def test_stale_version_is_a_conflict(
    programme: Services, clock: FakeClock, pause: timedelta
) -> None:
    """A tick bumps the officer's version, so an advance based on the older one conflicts."""
    (ref,) = nominate(programme)
    seen = act.advance(programme, ref, "accept", actor=COORDINATOR).version
    clock.advance(pause)
    act.tick(programme, ref, INDUCTION[0], actor=COORDINATOR)

    refused(programme, Conflict, act.advance, ref, "start_induction", actor=COORDINATOR,
            expected_version=seen)


@pytest.mark.parametrize(("mentor", "stage", "error"), [
    (VIEWER, "accepted", InvalidData),
    (COORDINATOR, "accepted", InvalidData),
    (SUPERVISOR, "nominated", TransitionNotAllowed),
])
def test_placement_needs_a_supervisor_and_a_placeable_stage(
    programme: Services, mentor: str, stage: str, error: type[AttacheError]
) -> None:
    """The mentor must have the supervisor role, and the officer must be accepted or later."""
    (ref,) = nominate(programme)
    walk_to(programme, ref, stage)

    refused(programme, error, act.place, ref, division=DIVISION, supervisor=mentor,
            actor=COORDINATOR)


def test_move_during_placement_closes_the_old_placement(placed: str, programme: Services) -> None:
    """A move in placement opens a 'move', ends the old placement and its supervisor's say."""
    setup.add_division(programme, name=SECOND_DIVISION, department="ASCC")

    act.place(programme, placed, division=SECOND_DIVISION, supervisor=OTHER_SUPERVISOR,
              actor=COORDINATOR)

    with programme.db.reading() as session:
        rows = repo.placements(session, repo.officer_by_ref(session, placed))
        summary = [(p.kind, p.division.name, p.ended_at is None) for p in rows]
    expected = [("initial", DIVISION, False), ("move", SECOND_DIVISION, True)]
    assert expected == summary
    refused(programme, PermissionDenied, act.sign_off, placed, MIDTERM, actor=SUPERVISOR,
            approve=True)


def test_extension_reopens_the_placement_until_the_new_date(
    placed: str, programme: Services
) -> None:
    """An extension keeps division and supervisor and moves the end date later."""
    act.extend_placement(programme, placed, until=date(2024, 3, 31), actor=COORDINATOR)

    placement = officer_detail(programme, placed)["placement"]
    expected = ("extension", DIVISION, SUPERVISOR, "2024-03-31")
    assert expected == (placement["kind"], placement["division"], placement["supervisor"],
                        placement["end"])


def test_withdrawn_officer_placement_cannot_be_extended(placed: str, programme: Services) -> None:
    """Once withdrawn, an officer's placement is over: it cannot be extended."""
    act.advance(programme, placed, "withdraw", actor=COORDINATOR, reason="Posted abroad")

    refused(programme, TransitionNotAllowed, act.extend_placement, placed,
            until=date(2024, 3, 31), actor=COORDINATOR)


def test_withdrawal_ends_the_open_placement_in_the_same_transaction(
    placed: str, programme: Services, clock: FakeClock
) -> None:
    """Withdrawing closes the open placement at the withdrawal instant; a refused one does not."""
    clock.advance(timedelta(days=3))
    refused(programme, Conflict, act.advance, placed, "withdraw", actor=COORDINATOR,
            reason="Posted abroad", expected_version=1)

    act.advance(programme, placed, "withdraw", actor=COORDINATOR, reason="Posted abroad")

    with programme.db.reading() as session:
        rows = repo.placements(session, repo.officer_by_ref(session, placed))
        summary = [(p.kind, p.division.name, p.ended_at) for p in rows]
    assert [("initial", DIVISION, clock.now())] == summary
    assert (officer_detail(programme, placed)["placement"]) is None


def test_extension_without_placement_is_refused(programme: Services) -> None:
    """An officer with no placement has nothing to extend."""
    (ref,) = nominate(programme)

    refused(programme, TransitionNotAllowed, act.extend_placement, ref, until=date(2024, 3, 1),
            actor=COORDINATOR)


def test_officer_ticks_own_travel_documents_only(placed: str, programme: Services) -> None:
    """An officer may tick their own travel documents, not induction items nor others' lists."""
    (other,) = nominate(programme, country="LA")
    to_placement(programme, other)
    setup.add_user(programme, name="Officer 0", email="o0.kh@mfa.example", role="officer")

    act.tick(programme, placed, "passport", actor="o0.kh@mfa.example")

    refused(programme, PermissionDenied, act.tick, other, "passport", actor="o0.kh@mfa.example")
    refused(programme, PermissionDenied, act.untick, placed, INDUCTION[0],
            actor="o0.kh@mfa.example")
    assert {*INDUCTION, "passport"} == ticked(programme, placed)


def test_tick_twice_changes_nothing_and_untick_removes(placed: str, programme: Services) -> None:
    """Ticking an item twice is a no-op; unticking removes the tick, and only once."""
    act.tick(programme, placed, "visa", actor=COORDINATOR)
    before = dump(programme)
    act.tick(programme, placed, "visa", actor=COORDINATOR)
    assert before == dump(programme)

    act.untick(programme, placed, "visa", actor=COORDINATOR)

    refused(programme, InvalidData, act.untick, placed, "visa", actor=COORDINATOR)
    assert {*INDUCTION} == ticked(programme, placed)


def test_travel_documents_are_closed_before_placement(programme: Services) -> None:
    """Ticking a checklist outside the stages it is open in is refused."""
    (ref,) = nominate(programme)
    walk_to(programme, ref, "induction")

    refused(programme, TransitionNotAllowed, act.tick, ref, "passport", actor=COORDINATOR)


def _sign(
    actor: str = SUPERVISOR, name: str = MIDTERM, approve: bool = True, comment: str | None = None
) -> Callable[[Services, str], object]:
    return lambda s, ref: act.sign_off(s, ref, name, actor=actor, approve=approve, comment=comment)


# Each refusal on an officer in placement with SUPERVISOR, and the exact error it raises.
REFUSED_IN_PLACEMENT: dict[str, tuple[type[AttacheError], Callable[[Services, str], object]]] = {
    "same division and supervisor again": (InvalidData, lambda s, r: act.place(
        s, r, division=DIVISION, supervisor=SUPERVISOR, actor=COORDINATOR)),
    "extension ending when it ends now": (InvalidData, lambda s, r: act.extend_placement(
        s, r, until=date(2024, 1, 31), actor=COORDINATOR)),
    "extension ending earlier": (InvalidData, lambda s, r: act.extend_placement(
        s, r, until=date(2023, 6, 1), actor=COORDINATOR)),
    "untick an induction item after induction": (TransitionNotAllowed, lambda s, r: act.untick(
        s, r, INDUCTION[0], actor=COORDINATOR)),
    "supervisor ticks travel documents": (PermissionDenied, lambda s, r: act.tick(
        s, r, "passport", actor=SUPERVISOR)),
    "unknown checklist item": (InvalidData, lambda s, r: act.tick(
        s, r, "boarding_pass", actor=COORDINATOR)),
    "another supervisor signs off": (PermissionDenied, _sign(actor=OTHER_SUPERVISOR)),
    "coordinator signs off": (PermissionDenied, _sign(actor=COORDINATOR)),
    "viewer signs off": (PermissionDenied, _sign(actor=VIEWER)),
    "final before mid-term": (TransitionNotAllowed, _sign(name=FINAL)),
    "return without comment": (InvalidData, _sign(approve=False)),
    "return with blank comment": (InvalidData, _sign(approve=False, comment="  ")),
    "unknown sign-off": (InvalidData, _sign(name="placement.annual")),
    "study visit without sign-offs": (GuardFailed, lambda s, r: act.advance(
        s, r, "start_study_visit", actor=COORDINATOR)),
    "trigger from another state": (IllegalTrigger, lambda s, r: act.advance(
        s, r, "accept", actor=COORDINATOR)),
    "unknown officer": (NotFound, lambda s, r: act.advance(
        s, "JD17-99", "accept", actor=COORDINATOR)),
}


@pytest.mark.parametrize(("error", "action"), REFUSED_IN_PLACEMENT.values(),
                         ids=REFUSED_IN_PLACEMENT.keys())
def test_refused_during_placement(
    placed: str, programme: Services, error: type[AttacheError],
    action: Callable[[Services, str], object],
) -> None:
    """Each of these actions on a placed officer raises exactly its error and writes nothing."""
    refused(programme, error, action, placed)


@pytest.mark.parametrize("stage", ["induction", "diplomatic_training"])
def test_signoff_only_during_placement(programme: Services, stage: str) -> None:
    """The supervisor cannot sign off before the placement starts or during training."""
    (ref,) = nominate(programme)
    if stage == "induction":
        walk_to(programme, ref, "accepted")
        act.place(programme, ref, division=DIVISION, supervisor=SUPERVISOR, actor=COORDINATOR)
        act.advance(programme, ref, "start_induction", actor=COORDINATOR)
    else:
        walk_to(programme, ref, stage)

    refused(programme, TransitionNotAllowed, act.sign_off, ref, MIDTERM, actor=SUPERVISOR,
            approve=True)


def test_final_needs_the_midterm_approved_not_returned(placed: str, programme: Services) -> None:
    """The final review waits for an approved mid-term; a returned one is not enough."""
    act.sign_off(programme, placed, MIDTERM, actor=SUPERVISOR, approve=False, comment="More")

    refused(programme, TransitionNotAllowed, act.sign_off, placed, FINAL, actor=SUPERVISOR,
            approve=True)


@pytest.mark.parametrize("approve", [True, False])
def test_approved_signoff_cannot_be_signed_again(
    placed: str, programme: Services, approve: bool
) -> None:
    """Once approved, a sign-off can be neither approved again nor returned."""
    act.sign_off(programme, placed, MIDTERM, actor=SUPERVISOR, approve=True)

    refused(programme, TransitionNotAllowed, act.sign_off, placed, MIDTERM, actor=SUPERVISOR,
            approve=approve, comment="Second thoughts")


def test_returned_signoff_blocks_then_can_be_signed_again(
    placed: str, programme: Services
) -> None:
    """A returned final blocks the study visit with its comment until it is approved."""
    act.sign_off(programme, placed, MIDTERM, actor=SUPERVISOR, approve=True)
    act.sign_off(programme, placed, FINAL, actor=SUPERVISOR, approve=False,
                 comment="Add the mission report")
    for item in TRAVEL:
        act.tick(programme, placed, item, actor=COORDINATOR)
    error = refused(programme, GuardFailed, act.advance, placed, "start_study_visit",
                    actor=COORDINATOR)
    assert "returned by Maria Santos: Add the mission report" in str(error)

    act.sign_off(programme, placed, FINAL, actor=SUPERVISOR, approve=True)

    expected = "study_visit"
    assert expected == act.advance(programme, placed, "start_study_visit", actor=COORDINATOR).state


def _junior_diplomats(version: int, source: str, extra_item: bool) -> DefinitionFile:
    text = dict(shipped_files())["workflows/definitions/junior-diplomats.v1.yaml"]
    data = yaml.safe_load(text) | {"version": version}
    if extra_item:
        data["checklists"][0]["items"].append({"key": "security_briefing",
                                               "label": "Security briefing"})
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return DefinitionFile(source, text, parse_definition(text, source))


def test_officer_keeps_its_version_when_a_newer_one_is_published(programme: Services) -> None:
    """v2 applies to new nominations; an officer nominated under v1 keeps v1's rules."""
    (old,) = nominate(programme)
    v2 = _junior_diplomats(2, "custom/junior-diplomats.v2.yaml", extra_item=True)

    published = setup.publish_definitions(programme, [v2])
    expected_published = ["junior-diplomats v2"]
    assert expected_published == published
    new = setup.nominate(programme, batch="JD17", name="Hoang Quoc Trung", country="VN",
                         ministry="MFA", email="trung@mfa.example", actor=COORDINATOR).ref

    versions = [officer_detail(programme, r)["definition"]["version"] for r in (old, new)]
    expected_versions = [1, 2]
    assert expected_versions == versions
    for ref in (old, new):
        walk_to(programme, ref, "induction")
        for item in INDUCTION:
            act.tick(programme, ref, item, actor=COORDINATOR)
        act.place(programme, ref, division=DIVISION, supervisor=SUPERVISOR, actor=COORDINATOR)
    refused(programme, InvalidData, act.tick, old, "security_briefing", actor=COORDINATOR)
    error = refused(programme, GuardFailed, act.advance, new, "start_placement",
                    actor=COORDINATOR)
    assert "'security_briefing'" in str(error)
    expected = "placement"
    assert expected == act.advance(programme, old, "start_placement", actor=COORDINATOR).state


def test_published_version_is_frozen(programme: Services) -> None:
    """Re-publishing v1 unchanged is a no-op; with other content it is refused."""
    shipped_v1 = _junior_diplomats(1, "custom/jd.yaml", extra_item=False)
    changed_v1 = _junior_diplomats(1, "custom/jd-changed.yaml", extra_item=True)
    text = dict(shipped_files())["workflows/definitions/junior-diplomats.v1.yaml"]
    same = DefinitionFile("again.yaml", text, parse_definition(text, "again.yaml"))

    assert not setup.publish_definitions(programme, [same])
    for changed in (shipped_v1, changed_v1):
        error = refused(programme, ConfigurationError, setup.publish_definitions, [changed])
        assert changed.source in str(error) and "frozen" in str(error)
