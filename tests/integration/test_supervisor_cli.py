"""``attache supervisor away|absences|cancel-away|reassign`` in this process: what each
prints, and each bad input's message and exit code with every row unchanged, on SQLite
and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from lifecycle.services import Services
from tests.conftest import BACKENDS, seeded_or_fresh
from tests.support import (
    COORDINATOR,
    COVERED,
    OTHER_SUPERVISOR,
    SUPERVISOR,
    THIRD_SUPERVISOR,
    dump,
    placed_with_cover_at_hand,
)
from tests.web.test_action_links import run_attache

THIRD = THIRD_SUPERVISOR


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Overrides tests.conftest's: ``ref``'s world is copied, seeded once per session."""
    yield from seeded_or_fresh(request, tmp_path, {"ref": placed_with_cover_at_hand})


@pytest.fixture
def ref(services: Services) -> str:
    """The officer placed in ``placed_with_cover_at_hand``'s world."""
    return COVERED


def run(services: Services, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``attache supervisor ARGS`` at the services' clock (exit code, what it printed)."""
    return run_attache(capsys, "--database", services.db.url, "--now",
                       services.now().isoformat(), "supervisor", *args)


def test_away_lists_and_cancels(
    services: Services, ref: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, said = run(services, capsys, "away", SUPERVISOR, "--from", "2023-03-01",
                     "--until", "2023-03-10", "--substitute", OTHER_SUPERVISOR,
                     "--reason", "Mission to Manila", "--as", SUPERVISOR)
    assert (code, " ".join(said.split())) == (
        0, "✓ absence #1: Maria Santos away 2023-03-01 to 2023-03-10; Other Supervisor "
        "covers 1 officer(s)")
    code, said = run(services, capsys, "absences", "--json")
    assert code == 0
    [listed] = json.loads(said)
    assert (listed["supervisor"], listed["substitute"], listed["from"], listed["until"],
            listed["reason"], listed["officers"]) == (
        SUPERVISOR, OTHER_SUPERVISOR, "2023-03-01", "2023-03-10", "Mission to Manila", 1)
    code, said = run(services, capsys, "cancel-away", "1", "--as", COORDINATOR)
    assert (code, said.strip()) == (0, "✓ absence #1 of Maria Santos cancelled")
    assert json.loads(run(services, capsys, "absences", "--json")[1]) == []


def test_reassign_prints_who_has_it_now(
    services: Services, ref: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, said = run(services, capsys, "reassign", ref, "placement.midterm", "--to", THIRD,
                     "--reason", "Maria on long leave", "--as", COORDINATOR)
    assert code == 0, said
    assert f"{ref}: Placement mid-term review now with Third Supervisor" in said


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["away", SUPERVISOR, "--from", "2023-03-01", "--until", "2023-03-10",
          "--substitute", COORDINATOR, "--as", SUPERVISOR], 7, "not a supervisor"),
        (["away", SUPERVISOR, "--from", "2023-03-10", "--until", "2023-03-01",
          "--substitute", OTHER_SUPERVISOR, "--as", SUPERVISOR], 7, "is before --from"),
        (["away", SUPERVISOR, "--from", "1 March", "--until", "2023-03-01",
          "--substitute", OTHER_SUPERVISOR, "--as", SUPERVISOR], 7, "is not a date"),
        (["away", SUPERVISOR, "--from", "2023-03-05", "--until", "2023-03-20",
          "--substitute", THIRD, "--as", SUPERVISOR], 5, "is already away"),
        (["away", SUPERVISOR, "--from", "2023-04-01", "--until", "2023-04-02",
          "--substitute", THIRD, "--as", OTHER_SUPERVISOR], 6, "needs a coordinator"),
        (["cancel-away", "9", "--as", COORDINATOR], 3, "no absence #9"),
        (["reassign", "JD17-01", "placement.midterm", "--to", THIRD, "--reason", "x",
          "--as", SUPERVISOR], 6, "needs a coordinator"),
        (["away", SUPERVISOR, "--from", "2023-04-01", "--until", "2023-04-02",
          "--as", SUPERVISOR], 2, "Missing option '--substitute'"),
    ],
)
def test_each_bad_input_exits_with_its_code_and_changes_nothing(
    services: Services, ref: str, capsys: pytest.CaptureFixture[str],
    args: list[str], code: int, says: str,
) -> None:
    assert run(services, capsys, "away", SUPERVISOR, "--from", "2023-03-01", "--until",
               "2023-03-10", "--substitute", OTHER_SUPERVISOR, "--as", SUPERVISOR)[0] == 0
    before = dump(services)
    got, said = run(services, capsys, *args)
    assert (got, says in " ".join(said.split())) == (code, True), said
    assert dump(services) == before
