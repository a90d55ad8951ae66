"""Every way a CLI command can fail: the exit code, one clear line, nothing written.

Each case runs the failing command (in this process, with its own stdout, stderr and
exit code) against a database prepared through the services, and compares every
table's rows before and after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from lifecycle.services import Services, setup
from lifecycle.services import officers as act
from tests.integration import attache, table_names, wipe
from tests.support import (
    COORDINATOR,
    DIVISION,
    OTHER_SUPERVISOR,
    SUPERVISOR,
    VIEWER,
    dump,
    nominate,
    seed_programme,
    to_placement,
)

REF = "JD17-01"
OFFICER_USER = "o9.kh@mfa.example"  # an officer with a login, not JD17-01


def programme(services: Services) -> None:
    seed_programme(services)


def nominated(services: Services) -> None:
    seed_programme(services)
    nominate(services, 1)


def accepted(services: Services) -> None:
    nominated(services)
    act.advance(services, REF, "accept", actor=COORDINATOR)


def half_inducted(services: Services) -> None:
    """In induction with one of three items ticked and no placement."""
    accepted(services)
    act.advance(services, REF, "start_induction", actor=COORDINATOR)
    act.tick(services, REF, "asean_introduction", actor=COORDINATOR)


def placed(services: Services) -> None:
    nominated(services)
    to_placement(services, REF)


def placed_with_officer_login(services: Services) -> None:
    placed(services)
    setup.add_user(services, name="Another Officer", email=OFFICER_USER, role="officer")


def quota_full(services: Services) -> None:
    seed_programme(services)  # KH=7
    nominate(services, 7)


def admin_exists(services: Services) -> None:
    setup.add_user(services, name="Admin", email="admin@asean.example", role="admin")


def demo_division_exists(services: Services) -> None:
    """The demo's second division: its users and first division would go in before it."""
    setup.add_division(services, name="Trade Facilitation Division", department="AEC")


@dataclass(frozen=True)
class Case:
    given: Callable[[Services], None]
    args: tuple[str, ...]
    code: int
    says: tuple[str, ...]
    never_says: tuple[str, ...] = ()


def case(case_id: str, given: Callable[[Services], None], args: tuple[str, ...], code: int,
         *says: str, never_says: tuple[str, ...] = ()) -> Any:
    return pytest.param(Case(given, args, code, says, never_says), id=case_id)


def nominating(**overrides: str) -> tuple[str, ...]:
    fields = {"--batch": "JD17", "--name": "Chhy Ratha", "--country": "KH",
              "--ministry": "Ministry of Foreign Affairs", "--email": "ratha@mfa.example",
              "--as": COORDINATOR, **{f"--{k}": v for k, v in overrides.items()}}
    return ("officer", "nominate", *[part for pair in fields.items() for part in pair])


def creating_batch(*extra: str, start: str = "2025-02-01", end: str = "2026-01-31",
                   number: str = "18") -> tuple[str, ...]:
    return ("batch", "create", "--track", "junior-diplomats", "--number", number,
            "--start", start, "--end", end, *extra)


def advancing(trigger: str, *extra: str, actor: str = COORDINATOR) -> tuple[str, ...]:
    return ("officer", "advance", REF, trigger, "--as", actor, *extra)


def signing(name: str, *extra: str, actor: str = SUPERVISOR) -> tuple[str, ...]:
    return ("signoff", REF, name, "--as", actor, *extra)


CASES = [
    # 2: the command line itself is wrong
    case("2-missing-argument", nominated, ("officer", "advance"), 2, "OFFICER"),
    case("2-unknown-command", nominated, ("promote", REF), 2, "promote"),
    case("2-unknown-option", nominated, ("officer", "list", "--colour"), 2, "--colour"),
    case("2-signoff-without-decision", placed, signing("placement.midterm"), 2,
         "--approve", "--return"),
    case("2-bad-format-choice", programme,
         ("workflow", "show", "junior-diplomats", "--format", "svg"), 2, "svg"),
    case("2-version-not-a-number", nominated, advancing("accept", "--expect-version", "two"),
         2, "two"),
    # 3: a named thing does not exist
    case("3-officer", nominated, ("officer", "show", "JD17-99"), 3, "JD17-99"),
    case("3-batch", programme, nominating(batch="JD99"), 3, "JD99"),
    case("3-actor", nominated, advancing("accept", actor="nobody@asean.example"), 3,
         "nobody@asean.example"),
    case("3-division", accepted, ("officer", "place", REF, "--division", "Nowhere Division",
                                  "--supervisor", SUPERVISOR, "--as", COORDINATOR), 3,
         "Nowhere Division"),
    case("3-track", programme, ("workflow", "show", "diplomats"), 3, "diplomats"),
    # 4: not possible from where the officer is (illegal trigger or failed guard)
    case("4-illegal-trigger", nominated, advancing("graduate"), 4,
         "graduate", "nominated", "accept", "decline"),
    case("4-unknown-trigger", nominated, advancing("promote"), 4, "promote", "nominated",
         "accept"),
    case("4-decline-after-acceptance", half_inducted, advancing("decline", "--reason", "late"),
         4, "decline", "induction", "start_placement"),
    case("4-decline-after-acceptance-without-reason", half_inducted, advancing("decline"), 4,
         "decline", "induction", "start_placement"),
    case("4-guard-induction-and-placement", half_inducted, advancing("start_placement"), 4,
         "start_placement", "rules_briefing", "jakarta_visits", "no placement assigned",
         never_says=("asean_introduction",)),
    case("4-guard-signoff-and-travel-documents", placed, advancing("start_study_visit"), 4,
         "start_study_visit", "placement.final", "passport", "visa", "itinerary"),
    case("4-checklist-not-open-yet", half_inducted,
         ("checklist", "tick", REF, "passport", "--as", COORDINATOR), 4, "induction",
         "placement"),
    case("4-final-signoff-before-midterm", placed,
         signing("placement.final", "--approve"), 4, "placement.midterm"),
    case("4-batch-advance-nobody-eligible", nominated,
         ("batch", "advance", "JD17", "graduate", "--as", COORDINATOR), 4, "JD17", "graduate"),
    # 5: someone else got there first
    case("5-duplicate-officer-email", nominated, nominating(email="o0.kh@mfa.example"), 5,
         "o0.kh@mfa.example", REF),
    case("5-duplicate-officer-email-other-case", nominated,
         nominating(email="O0.KH@MFA.example"), 5, "o0.kh@mfa.example", REF),
    case("5-duplicate-user-email", programme,
         ("user", "add", "--name", "Siti R.", "--email", COORDINATOR, "--role", "viewer"), 5,
         COORDINATOR),
    case("5-duplicate-batch", programme, creating_batch(number="17"), 5, "JD17"),
    case("5-stale-expect-version", accepted, advancing("start_induction", "--expect-version",
                                                       "1"), 5, REF, "version 1"),
    case("5-demo-over-an-existing-user", admin_exists, ("demo",), 5, "admin@asean.example"),
    case("5-demo-over-an-existing-division", demo_division_exists, ("demo",), 5,
         "Trade Facilitation Division", "nothing was changed"),
    # 6: this user may not do this
    case("6-supervisor-accepts", nominated, advancing("accept", actor=SUPERVISOR), 6,
         SUPERVISOR, "supervisor", "coordinator"),
    case("6-viewer-nominates", programme, nominating(**{"as": VIEWER}), 6, VIEWER),
    case("6-supervisor-places", accepted, ("officer", "place", REF, "--division", DIVISION,
                                           "--supervisor", SUPERVISOR, "--as", SUPERVISOR), 6,
         SUPERVISOR),
    case("6-not-their-supervisor", placed,
         signing("placement.midterm", "--approve", actor=OTHER_SUPERVISOR), 6,
         "placement.midterm", SUPERVISOR),
    case("6-officer-ticks-someone-elses-checklist", placed_with_officer_login,
         ("checklist", "tick", REF, "passport", "--as", OFFICER_USER), 6, OFFICER_USER),
    # 7: input that can never be accepted as given
    case("7-country", programme, nominating(country="TH"), 7, "'TH'", "KH", "LA", "MM", "VN"),
    case("7-email", programme, nominating(email="ratha-at-mfa"), 7, "ratha-at-mfa"),
    case("7-quota-full", quota_full, nominating(), 7, "quota", "KH", "7"),
    case("7-decline-without-reason", nominated, advancing("decline"), 7, "decline", "reason"),
    case("7-withdraw-without-reason", placed, advancing("withdraw"), 7, "withdraw", "reason"),
    case("7-withdraw-with-blank-reason", placed, advancing("withdraw", "--reason", "   "), 7,
         "withdraw", "reason"),
    case("7-impossible-start-date", programme, creating_batch(start="2025-02-30"), 7,
         "2025-02-30"),
    case("7-impossible-extension-date", placed,
         ("officer", "extend", REF, "--until", "2024-13-01", "--as", COORDINATOR), 7,
         "2024-13-01"),
    case("7-batch-ends-before-it-starts", programme,
         creating_batch(start="2026-01-31", end="2025-02-01"), 7, "2026-01-31", "2025-02-01"),
    case("7-now-without-offset", nominated, ("--now", "2023-02-01T09:00", "officer", "list"),
         7, "2023-02-01T09:00"),
    case("7-role", programme,
         ("user", "add", "--name", "X", "--email", "x@asean.example", "--role", "wizard"), 7,
         "wizard"),
    case("7-timezone", programme, ("user", "add", "--name", "X", "--email", "x@asean.example",
                                   "--role", "viewer", "--timezone", "Mars/Olympus"), 7,
         "Mars/Olympus"),
    case("7-department", programme, ("division", "add", "Trade", "--department", "APEC"), 7,
         "APEC"),
    case("7-quota-syntax", programme, creating_batch("--quota", "KH:5"), 7, "KH:5"),
    case("7-unknown-optional-stage", programme, creating_batch("--with", "yoga"), 7, "yoga"),
    case("7-unknown-checklist-item", placed,
         ("checklist", "tick", REF, "passprt", "--as", COORDINATOR), 7, "passprt"),
    case("7-return-without-comment", placed, signing("placement.midterm", "--return"), 7,
         "comment"),
    case("7-supervisor-who-is-a-viewer", accepted, ("officer", "place", REF, "--division",
                                                    DIVISION, "--supervisor", VIEWER,
                                                    "--as", COORDINATOR), 7, VIEWER),
    case("7-unknown-state-filter", nominated, ("officer", "list", "--state", "graduating"), 7,
         "graduating"),
]


@pytest.mark.parametrize("failing", CASES)
def test_a_failing_command_exits_with_its_code_says_why_and_writes_nothing(
    database_url: str, services: Services, failing: Case
) -> None:
    """The exit code is the contract's; stderr is one ``attache:`` line saying what is wrong."""
    failing.given(services)
    before = dump(services)

    run = attache(database_url, *failing.args)

    assert failing.code == run.code, run.err
    assert 1 == len(run.err_lines), run.err
    assert run.err.startswith("attache: ")
    assert [] == [s for s in failing.says if s not in run.err]
    assert [] == [s for s in failing.never_says if s in run.err]
    assert before == dump(services)


@pytest.mark.parametrize("args", [
    ("officer", "list"),
    ("user", "add", "--name", "Siti", "--email", COORDINATOR, "--role", "coordinator"),
    ("demo",),
], ids=lambda args: args[0])
def test_an_uninitialised_database_is_refused_and_left_empty(
    database_url: str, args: tuple[str, ...]
) -> None:
    """Exit 8 with the way out (``attache init``), and not one table created."""
    wipe(database_url)

    run = attache(database_url, *args)

    assert 8 == run.code, run.err
    assert 1 == len(run.err_lines), run.err
    assert run.err.startswith("attache: ")
    assert "attache init" in run.err
    assert [] == table_names(database_url)


def test_a_database_behind_the_code_is_refused_untouched(
    database_url: str, services: Services
) -> None:
    """A schema older than the code's migrations gives exit 8 naming both revisions."""
    nominated(services)
    with services.db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000_older'"))
    before = dump(services)

    run = attache(database_url, "officer", "list")

    assert 8 == run.code, run.err
    assert 1 == len(run.err_lines), run.err
    assert "0000_older" in run.err
    assert "attache init" in run.err
    assert before == dump(services)


def test_a_missing_sqlite_file_is_refused_and_not_created(tmp_path: Path) -> None:
    """Reading a database that does not exist exits 8 and leaves no empty file behind."""
    path = tmp_path / "typo.db"

    run = attache(f"sqlite:///{path}", "officer", "list")

    assert 8 == run.code, run.err
    assert 1 == len(run.err_lines), run.err
    assert "attache init" in run.err
    assert [] == sorted(p.name for p in tmp_path.iterdir())
