"""``attache workflow migrate`` in this process: what it prints, its exit codes, and that a
refusal (or a dry run) leaves every row as it was, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from lifecycle.services import Services, setup
from lifecycle.services import officers as act
from lifecycle.services.migration import migrate
from tests.conftest import BACKENDS, seeded_or_fresh
from tests.migration_support import NEW_ITEM, TRACK, induct, on_version, publish_v2
from tests.migration_support import to_study_visit as walk_to_study_visit
from tests.support import COORDINATOR, INDUCTION, VIEWER, dump, nominate, seed_programme

ACCEPTED, INDUCTED, DEBRIEFED = "JD17-01", "JD17-02", "JD17-03"


def seed_world(services: Services) -> None:
    """JD17-01 accepted and -02 in induction on v1; v2 published; -03 nominated on v2 and
    walked to its debriefing stage (which v1 does not have)."""
    seed_programme(services)
    nominate(services, 2)
    act.advance(services, ACCEPTED, "accept", actor=COORDINATOR)
    induct(services, INDUCTED, INDUCTION[:2])
    publish_v2(services)
    ref = setup.nominate(services, batch="JD17", name="ເອກພາບ ພັນທະວົງ", country="KH",
                         ministry="MFA", email="ekkaphab@mfa.example", actor=COORDINATOR).ref
    assert DEBRIEFED == ref
    walk_to_study_visit(services, ref, (*INDUCTION, NEW_ITEM))
    act.tick(services, ref, "visit_report", actor=COORDINATOR)
    act.advance(services, ref, "start_debriefing", actor=COORDINATOR)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Overrides tests.conftest's: ``world`` is copied, seeded once per session."""
    yield from seeded_or_fresh(request, tmp_path, {"world": seed_world})


@pytest.fixture
def world(services: Services) -> Services:
    """``seed_world``'s programme."""
    return services


def run(services: Services, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``attache workflow migrate ARGS`` (exit code, what it printed)."""
    from console.app import main

    argv = ["--database", services.db.url, "--now", services.now().isoformat(),
            "workflow", "migrate", *args]  # fmt: skip
    try:
        main(argv)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_a_dry_run_prints_each_officer_and_changes_nothing(
    world: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    before = dump(world)
    code, said = run(world, capsys, TRACK, "--from", "1", "--to", "2", "--dry-run",
                     "--as", COORDINATOR)
    assert 0 == code, said
    assert before == dump(world)
    for expected in ("junior-diplomats v1 -> v2 (dry run)", ACCEPTED, INDUCTED,
                     f"added: {NEW_ITEM}", "asean_introduction ✓", "created: induction_open #1",
                     "would move 2 officers; nothing was changed"):
        assert expected in said, said


def test_json_then_the_real_run(world: Services, capsys: pytest.CaptureFixture[str]) -> None:
    """--json gives the same report as data; without --dry-run the officers move."""
    code, said = run(world, capsys, TRACK, "--from", "1", "--to", "2", "--batch", "JD17",
                     "--dry-run", "--json", "--as", COORDINATOR)
    plan = json.loads(said)
    assert (0, True, "JD17") == (code, plan["dry_run"], plan["batch"])
    inducted = next(o for o in plan["officers"] if o["ref"] == INDUCTED)
    assert ("induction", "induction") == (inducted["from_state"], inducted["to_state"])
    assert [NEW_ITEM] == [i["name"] for i in inducted["checklist_items"]["added"]]
    assert ["induction_open"] == [r["rule"] for r in inducted["reminders"]["created"]]
    code, said = run(world, capsys, TRACK, "--from", "1", "--to", "2", "--as", COORDINATOR)
    assert (0, True) == (code, "junior-diplomats v1 -> v2: moved 2 officers" in said), said
    assert (2, "induction") == on_version(world, INDUCTED)[:2]


def test_a_mapping_lets_the_officers_v1_lacks_go_back(
    world: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    code, said = run(world, capsys, TRACK, "--from", "2", "--to", "1",
                     "--map", "debriefing=study_visit", "--as", COORDINATOR)
    assert 0 == code, said
    assert "debriefing -> study_visit" in said
    assert (1, "study_visit") == on_version(world, DEBRIEFED)[:2]


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("nope", "--from", "1", "--to", "2"), 3, "no track 'nope'; tracks: aec-ascc"),
        ((TRACK, "--from", "1", "--to", "3"), 3,
         "junior-diplomats has no published version 3 (published: v1, v2)"),
        ((TRACK, "--from", "1", "--to", "1"), 7, "--from and --to are both v1"),
        ((TRACK, "--from", "1", "--to", "2", "--batch", "JD99"), 3, "no batch 'JD99'"),
        ((TRACK, "--from", "1", "--to", "2", "--map", "induction"), 7,
         "--map 'induction': expected OLD_STATE=NEW_STATE"),
        ((TRACK, "--from", "1", "--to", "2", "--map", "orientation=induction"), 7,
         "v1 has no state 'orientation'"),
        ((TRACK, "--from", "1", "--to", "2", "--map", "induction=orientation"), 7,
         "v2 has no state 'orientation'"),
        ((TRACK, "--from", "2", "--to", "1"), 4,
         "nobody was migrated: 1 officer cannot be mapped to v1\n- debriefing is not a state "
         "of v1 and no --map names it"),
        ((TRACK, "--to", "2"), 2, "Missing option '--from'"),
    ],
)
@pytest.mark.parametrize("dry_run", [False, True])
def test_bad_input_exits_with_its_code_and_writes_nothing(
    world: Services, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], code: int,
    says: str, dry_run: bool,
) -> None:
    before = dump(world)
    extra = ("--dry-run",) if dry_run else ()
    got, said = run(world, capsys, *args, *extra, "--as", COORDINATOR)
    assert (code, True) == (got, says in said), said
    assert before == dump(world)


def test_only_a_coordinator_migrates(world: Services, capsys: pytest.CaptureFixture[str]) -> None:
    before = dump(world)
    code, said = run(world, capsys, TRACK, "--from", "1", "--to", "2", "--as", VIEWER)
    assert (6, True) == (code, "needs a coordinator" in said), said
    assert before == dump(world)
    migrate(world, TRACK, from_version=1, to_version=2, actor=COORDINATOR)  # the control
