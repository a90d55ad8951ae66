"""Moving running officers onto a new definition version (issue 11, part 5).

Batch JD17 runs on junior-diplomats v1 when v2 (``tests/definitions/migration``: a
fourth induction item, a debriefing stage, an induction reminder) is published.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from lifecycle.audit_triggers import MIGRATE
from lifecycle.clock import FakeClock
from lifecycle.errors import (
    GuardFailed,
    InvalidData,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    UnmappedOfficers,
)
from lifecycle.persistence import repository as repo
from lifecycle.services import Services, alumni, certificates, setup
from lifecycle.services import officers as act
from lifecycle.services.migration import migrate
from lifecycle.services.migration_plan import Migration
from lifecycle.services.revert import revert
from lifecycle.services.workflows import compiled
from tests.conftest import BACKENDS, seeded_or_fresh
from tests.migration_support import (
    NEW_ITEM,
    TRACK,
    induct,
    on_version,
    pending,
    publish_v2,
    renamed_v3,
    replay_problems,
    to_placement,
    to_study_visit,
)
from tests.support import COORDINATOR, DIVISION, INDUCTION, SUPERVISOR, VIEWER, dump, seed_programme
from tests.support import nominate as nominate_many

# JD17-01 nominated, -02 accepted, -03 in induction with one item ticked, -04 placed
# with the mid-term review approved, -05 declined (final: stays on v1).
NOMINATED, ACCEPTED, INDUCTED, PLACED, DECLINED = (f"JD17-0{n}" for n in range(1, 6))


def seed_running(services: Services) -> None:
    seed_programme(services)
    nominate_many(services, 5)
    act.advance(services, ACCEPTED, "accept", actor=COORDINATOR)
    induct(services, INDUCTED, INDUCTION[:1])
    to_placement(services, PLACED)
    act.sign_off(services, PLACED, "placement.midterm", actor=SUPERVISOR, approve=True)
    act.advance(services, DECLINED, "decline", actor=COORDINATOR, reason="Not eligible")
    setup.create_batch(services, track="aec-ascc", number=6, start=date(2023, 2, 1),
                       end=date(2024, 1, 31), quotas={"KH": 1})
    publish_v2(services)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Overrides tests.conftest's: a test asking for ``running`` gets a copy of a
    database seeded that way once (a second a test, before)."""
    yield from seeded_or_fresh(request, tmp_path, {"running": seed_running})


@pytest.fixture
def running(services: Services) -> Services:
    return services


def to_v2(services: Services, *, batch: str | None = None, dry_run: bool = False) -> Migration:
    return migrate(services, TRACK, from_version=1, to_version=2, actor=COORDINATOR,
                   batch=batch, dry_run=dry_run)


def test_a_dry_run_shows_each_officers_move_and_changes_nothing(running: Services) -> None:
    """Per officer: the landing state, the new induction item added (ticks kept), the
    sign-offs kept with their decisions, the reminder the new rule creates; the
    declined officer stays on v1; not a row changes."""
    before = dump(running)
    plan = migrate(running, TRACK, from_version=1, to_version=2, actor=COORDINATOR,
                   dry_run=True)
    assert before == dump(running)
    assert plan.dry_run and ((DECLINED, "declined"),) == plan.staying
    moves = {o.ref: o for o in plan.officers}
    assert [NOMINATED, ACCEPTED, INDUCTED, PLACED] == list(moves)
    assert all(o.from_state == o.to_state for o in plan.officers)
    inducted = moves[INDUCTED]
    assert [(NEW_ITEM, "not ticked")] == [(e.name, e.status) for e in inducted.items.added]
    assert () == inducted.items.dropped
    assert {INDUCTION[0]} == {e.name for e in inducted.items.kept if e.status == "ticked"}
    assert {"placement.midterm": "approved", "placement.final": "not given"} == {
        e.name: e.status for e in moves[PLACED].signoffs.kept
    }
    created = {ref: [r.rule for r in o.reminders_created] for ref, o in moves.items()}
    # The new rule reminds those in accepted or induction whose checklist is open.
    assert {NOMINATED: [], ACCEPTED: ["induction_open"], INDUCTED: ["induction_open"],
            PLACED: []} == created
    assert all(o.reminders_cancelled == () for o in plan.officers)


def test_the_migration_does_what_the_dry_run_said_in_one_go(running: Services) -> None:
    """The real run reports what the dry run did; every running officer is on v2 with
    one version bump and one audit event; the placed officer's reminders stand as they
    were (the stay in placement goes on: nothing counts from the migration)."""
    rehearsal = to_v2(running, dry_run=True)
    versions = {ref: on_version(running, ref)[2] for ref in (NOMINATED, INDUCTED, PLACED)}
    placed_reminders = pending(running, PLACED)
    done = to_v2(running)
    assert rehearsal.to_dict() | {"dry_run": False} == done.to_dict()
    for ref, version in versions.items():
        definition, _, row_version = on_version(running, ref)
        assert (2, version + 1) == (definition, row_version)
    assert (1, "declined") == on_version(running, DECLINED)[:2]
    assert placed_reminders == pending(running, PLACED)
    assert "induction_open" in {rule for rule, _ in pending(running, ACCEPTED).values()}
    with running.db.reading() as session:
        for officer in repo.officers(session):
            assert [] == replay_problems(running, officer)
        last = repo.audit_events(session, repo.officer_by_ref(session, PLACED))[-1]
        assert (MIGRATE, "placement", "placement") == (last.trigger, last.from_state,
                                                       last.to_state)
        assert "migrated from junior-diplomats v1 to v2" == last.reason


def test_on_v2_the_new_induction_item_blocks_the_placement(running: Services) -> None:
    """The briefing added mid-year reaches the running batch: start_placement waits for it."""
    to_v2(running)
    for item in INDUCTION[1:]:
        act.tick(running, INDUCTED, item, actor=COORDINATOR)
    act.place(running, INDUCTED, division=DIVISION, supervisor=SUPERVISOR, actor=COORDINATOR)
    with pytest.raises(GuardFailed, match=NEW_ITEM):
        act.advance(running, INDUCTED, "start_placement", actor=COORDINATOR)
    act.tick(running, INDUCTED, NEW_ITEM, actor=COORDINATOR)
    assert "placement" == act.advance(running, INDUCTED, "start_placement",
                                      actor=COORDINATOR).state
    assert "induction_open" not in {r for r, _ in pending(running, INDUCTED).values()}


def test_one_batch_alone_is_migrated(running: Services) -> None:
    """--batch leaves the track's other batches on the version they run."""
    setup.create_batch(running, track=TRACK, number=18, start=running.today() + timedelta(30),
                       end=running.today() + timedelta(400), quotas={"KH": 1})
    # A nomination now starts on the newest version: put one on v1 by migrating back.
    other = setup.nominate(running, batch="JD18", name="Chan Vibol", country="KH",
                           ministry="MFA", email="vibol@mfa.example", actor=COORDINATOR).ref
    migrate(running, TRACK, from_version=2, to_version=1, actor=COORDINATOR, batch="JD18")
    assert 1 == on_version(running, other)[0]
    done = to_v2(running, batch="JD17")
    assert other not in {o.ref for o in done.officers}
    assert (1, 2) == (on_version(running, other)[0], on_version(running, PLACED)[0])


def test_a_state_v1_lacks_must_be_mapped_and_nobody_moves_until_it_is(
    running: Services,
) -> None:
    """Back from v2 to v1, an officer in debriefing (v2 only) holds everyone back, named
    with the state; --map debriefing=study_visit lets them all go, and the v2-only
    reminders are cancelled."""
    to_v2(running)
    ref = setup.nominate(running, batch="JD17", name="Hoang Quoc Trung", country="KH",
                         ministry="MFA", email="trung@mfa.example", actor=COORDINATOR).ref
    to_study_visit(running, ref, (*INDUCTION, NEW_ITEM))
    act.tick(running, ref, "visit_report", actor=COORDINATOR)
    act.advance(running, ref, "start_debriefing", actor=COORDINATOR)
    before = dump(running)
    with pytest.raises(UnmappedOfficers) as refused:
        migrate(running, TRACK, from_version=2, to_version=1, actor=COORDINATOR)
    assert before == dump(running)
    assert "nobody was migrated: 1 officer cannot be mapped to v1" in refused.value.message
    assert "debriefing is not a state of v1 and no --map names it" in refused.value.message
    assert refused.value.message.endswith(f": {ref}")
    done = migrate(running, TRACK, from_version=2, to_version=1, actor=COORDINATOR,
                   mapping={"debriefing": "study_visit"})
    moves = {o.ref: o for o in done.officers}
    assert ("debriefing", "study_visit") == (moves[ref].from_state, moves[ref].to_state)
    assert [NEW_ITEM] == [e.name for e in moves[INDUCTED].items.dropped]
    assert ["induction_open"] == [r.rule for r in moves[INDUCTED].reminders_cancelled]
    assert "graduated" == act.advance(running, ref, "graduate", actor=COORDINATOR).state
    with running.db.reading() as session:
        assert [] == replay_problems(running, repo.officer_by_ref(session, ref))


def test_a_renamed_stage_keeps_its_dates(running: Services) -> None:
    """v3 calls placement 'divisional_placement': mapped there, the placed officer's
    reviews stay due when they were (counted from entering the stage, not the migration)."""
    setup.publish_definitions(running, [renamed_v3()])
    due = sorted(pending(running, PLACED).values())
    done = migrate(running, TRACK, from_version=1, to_version=3, actor=COORDINATOR,
                   mapping={"placement": "divisional_placement"})
    [moved] = [o for o in done.officers if o.ref == PLACED]
    assert ("placement", "divisional_placement") == (moved.from_state, moved.to_state)
    assert due == sorted(pending(running, PLACED).values())
    assert () == moved.reminders_created == moved.reminders_cancelled


def test_a_migration_is_not_undone_by_a_revert(running: Services, clock: FakeClock) -> None:
    """A revert refuses the migration itself, then takes back a transition made on v2."""
    to_v2(running)
    before = dump(running)
    with pytest.raises(TransitionNotAllowed, match="last change was a migration"):
        revert(running, ACCEPTED, reason="Wrong", actor=COORDINATOR)
    assert before == dump(running)
    clock.advance(timedelta(minutes=5))
    act.advance(running, ACCEPTED, "start_induction", actor=COORDINATOR)
    assert "accepted" == revert(running, ACCEPTED, reason="Too early", actor=COORDINATOR).state
    with running.db.reading() as session:
        assert [] == replay_problems(running, repo.officer_by_ref(session, ACCEPTED))


def test_a_graduate_migrated_keeps_graduation_day_and_certificate(
    services: Services, clock: FakeClock
) -> None:
    """Graduated (not final) moves too; the migration graduates nobody again: the
    certificate and the alumni follow-ups count from the real graduation."""
    seed_programme(services)
    [ref] = nominate_many(services, 1)
    to_study_visit(services, ref)
    act.tick(services, ref, "visit_report", actor=COORDINATOR)
    act.advance(services, ref, "graduate", actor=COORDINATOR)
    certificate = certificates.find(services, ref)
    graduated_on = graduation_day(services, ref)
    followups = pending(services, ref)
    clock.advance(timedelta(days=40))
    publish_v2(services)
    to_v2(services)
    assert (2, "graduated") == on_version(services, ref)[:2]
    assert certificate == certificates.find(services, ref)
    assert followups == pending(services, ref)
    assert graduated_on == graduation_day(services, ref)


def graduation_day(services: Services, ref: str) -> date:
    with services.db.reading() as session:
        officer = repo.officer_by_ref(session, ref)
        definition = services.workflows.get(officer.definition).definition
        return alumni.graduated_on(session, officer, definition)


@pytest.mark.parametrize(
    ("options", "error", "says"),
    [
        ({"track": "nope"}, NotFound, "no track 'nope'; tracks: aec-ascc, junior-diplomats"),
        ({"to_version": 3}, NotFound, "junior-diplomats has no published version 3 "
                                      "(published: v1, v2)"),
        ({"from_version": 7}, NotFound, "has no published version 7"),
        ({"to_version": 1}, InvalidData, "--from and --to are both v1"),
        ({"batch": "JD99"}, NotFound, "no batch 'JD99'; batches: AE6, JD17"),
        ({"batch": "AE6"}, InvalidData, "batch AE6 is of the track aec-ascc, not junior-diplomats"),
        ({"mapping": {"orientation": "induction"}}, InvalidData,
         "--map orientation=induction: v1 has no state 'orientation' (its states: nominated"),
        ({"mapping": {"induction": "orientation"}}, InvalidData,
         "--map induction=orientation: v2 has no state 'orientation'"),
        ({"mapping": {"study_visit": "graduated"}}, InvalidData,
         "study_visit is not 'graduated' in v1 but graduated is 'graduated' in v2"),
        ({"actor": VIEWER}, PermissionDenied, "needs a coordinator"),
    ],
)
def test_bad_input_is_refused_with_one_message_and_nothing_written(
    running: Services, options: dict[str, object], error: type[Exception], says: str
) -> None:
    """Each fault names itself; the database is exactly as it was, dry run or not."""
    arguments: dict[str, object] = {
        "track": TRACK, "from_version": 1, "to_version": 2, "actor": COORDINATOR,
    } | options
    track = arguments.pop("track")
    for dry_run in (True, False):
        before = dump(running)
        with pytest.raises(error) as refused:
            migrate(running, track, dry_run=dry_run, **arguments)  # type: ignore[arg-type]
        assert says in str(refused.value)
        assert before == dump(running)


def test_a_published_version_is_found_by_track_and_number_the_newest_by_default(
    services: Services,
) -> None:
    """``workflows.compiled``: a given version, the newest without one, and a version or
    track that does not exist named in its refusal."""
    publish_v2(services)
    assert compiled(services, TRACK, 1).definition.item(NEW_ITEM) is None
    assert compiled(services, TRACK, 2).definition.item(NEW_ITEM) is not None
    assert compiled(services, TRACK) is compiled(services, TRACK, 2)
    with pytest.raises(NotFound, match=rf"^{TRACK} has no version 3$"):
        compiled(services, TRACK, 3)
    with pytest.raises(NotFound, match=r"^no track 'senior-diplomats'"):
        compiled(services, "senior-diplomats", 1)
