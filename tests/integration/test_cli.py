"""The ``attache`` CLI driven as a user drives it, one command after another.

Each command runs in this process (``tests.integration.attache``) with its own stdout,
stderr and exit code; the installed console script is run as a real process once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lifecycle.clock import FakeClock
from lifecycle.demo import load_demo
from lifecycle.services import Services, accounts
from lifecycle.services import officers as act
from lifecycle.services.board import batch_board
from tests.integration import PROCESS_TIMEOUT, Run, attache, cli_env, wipe
from tests.support import COORDINATOR, DIVISION, INDUCTION, dump, nominate, seed_programme

COORD = "siti@asean.example"
SUPER = "maria@asean.example"
REF = "JD17-01"
# Chhy Ratha, Ekkaphab Phanthavong, Htet Htet Htoo and Hoang Quoc Trung in their scripts.
NAMES = {
    "KH": ("ឈី រដ្ឋា", "ក្រសួងការបរទេស និងសហប្រតិបត្តិការអន្តរជាតិ"),
    "LA": ("ເອກະພາບ ພັນທະວົງ", "ກະຊວງການຕ່າງປະເທດ"),
    "MM": ("ထက်ထက်ထူး", "နိုင်ငံခြားရေးဝန်ကြီးဌာန"),
    "VN": ("Hoàng Quốc Trung", "Bộ Ngoại giao"),
}


class Walk:
    """Runs CLI steps that must succeed, each one simulated minute after the last."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.at = datetime(2023, 1, 30, 2, 0, tzinfo=UTC)  # 09:00 in Jakarta

    def __call__(self, *args: str) -> Run:
        self.at += timedelta(minutes=1)
        run = attache(self.url, *args, now=self.at.isoformat())
        assert (0, "") == (run.code, run.err), args
        return run

    def show(self, ref: str) -> dict[str, Any]:
        shown: dict[str, Any] = self("officer", "show", ref, "--json").json()
        return shown

    def tick(self, ref: str, *items: str, actor: str = COORD) -> None:
        for item in items:
            self("checklist", "tick", ref, item, "--as", actor)


def ticked(shown: dict[str, Any], checklist: str) -> dict[str, str | None]:
    items = next(c["items"] for c in shown["checklist"] if c["checklist"] == checklist)
    return {i["key"]: i["ticked_by"] for i in items}


def story(shown: dict[str, Any]) -> list[tuple[str, ...]]:
    """The history as (kind, what) pairs, in the order it happened."""
    what = {"transition": "trigger", "tick": "item", "signoff": "name", "placement": "placement"}
    return [(h["kind"], h[what[h["kind"]]]) for h in shown["history"]]


@pytest.mark.slow
def test_one_officer_walks_the_whole_programme_through_the_cli(database_url: str) -> None:
    """Nomination to alumni, set up and driven only through the CLI, with --now."""
    step = Walk(database_url)
    step("user", "add", "--name", "Siti Rahmawati", "--email", COORD, "--role", "coordinator")
    step("user", "add", "--name", "Maria Santos", "--email", SUPER, "--role", "supervisor",
         "--timezone", "Asia/Jakarta")
    step("division", "add", DIVISION, "--department", "APSC")
    step("batch", "create", "--track", "junior-diplomats", "--number", "17",
         "--start", "2023-02-01", "--end", "2024-01-31", "--quota", "VN=2")
    step("officer", "nominate", "--batch", "JD17", "--name", "Hoàng Quốc Trung", "--country",
         "VN", "--ministry", "Ministry of Foreign Affairs", "--email", "trung@mofa.example",
         "--position", "Desk Officer", "--as", COORD)
    shown = step.show(REF)
    assert ("nominated", {"accept", "decline", "withdraw"}) == (
        shown["state"], set(shown["allowed_triggers"]))
    nominated_version = shown["version"]

    step("officer", "advance", REF, "accept", "--as", COORD)
    shown = step.show(REF)
    assert "accepted" == shown["state"]
    assert nominated_version < shown["version"]
    assert {"at": shown["state_since"], "kind": "transition", "trigger": "accept",
            "from": "nominated", "to": "accepted", "actor": COORD, "reason": None} \
        == shown["history"][-1]

    step("officer", "advance", REF, "start_induction", "--as", COORD)
    step.tick(REF, *INDUCTION)
    shown = step.show(REF)
    assert "induction" == shown["state"]
    assert dict.fromkeys(INDUCTION, COORD) == ticked(shown, "induction")
    assert ["start_placement"] == list(shown["blocked_triggers"])
    [still_missing] = shown["blocked_triggers"]["start_placement"]
    assert "no placement assigned" in still_missing

    step("officer", "place", REF, "--division", DIVISION, "--supervisor", SUPER, "--as", COORD)
    step("officer", "advance", REF, "start_placement", "--as", COORD)
    shown = step.show(REF)
    assert "placement" == shown["state"]
    assert (DIVISION, "APSC", SUPER) == (
        shown["placement"]["division"], shown["placement"]["department"],
        shown["placement"]["supervisor"])
    assert "start_training" not in shown["allowed_triggers"]  # the batch has no training
    assert 4 == len(shown["blocked_triggers"]["start_study_visit"])

    step("signoff", REF, "placement.midterm", "--approve", "--as", SUPER)
    step("signoff", REF, "placement.final", "--approve", "--as", SUPER,
         "--comment", "Drafted the chair's statement; ready to go home.")
    step.tick(REF, "passport", "visa", "itinerary")
    shown = step.show(REF)
    assert [("placement.midterm", "approved", SUPER), ("placement.final", "approved", SUPER)] \
        == [(s["name"], s["status"], s["signer"]) for s in shown["signoffs"]]
    assert dict.fromkeys(("passport", "visa", "itinerary"), COORD) \
        == ticked(shown, "travel_documents")
    assert "start_study_visit" in shown["allowed_triggers"]

    step("officer", "advance", REF, "start_study_visit", "--as", COORD)
    shown = step.show(REF)
    assert ("study_visit", ["graduate"]) == (shown["state"], list(shown["blocked_triggers"]))
    assert "visit_report" in shown["blocked_triggers"]["graduate"][0]
    step.tick(REF, "visit_report")
    step("officer", "advance", REF, "graduate", "--as", COORD)
    step("officer", "advance", REF, "join_alumni", "--as", COORD)
    joined_at = step.at

    shown = step.show(REF)
    assert ("alumni", [], {}) == (
        shown["state"], shown["allowed_triggers"], shown["blocked_triggers"])
    assert joined_at == datetime.fromisoformat(shown["state_since"])
    assert [
        ("transition", "accept"), ("transition", "start_induction"),
        *[("tick", item) for item in INDUCTION],
        ("placement", "initial"), ("transition", "start_placement"),
        ("signoff", "placement.midterm"), ("signoff", "placement.final"),
        ("tick", "passport"), ("tick", "visa"), ("tick", "itinerary"),
        ("transition", "start_study_visit"), ("tick", "visit_report"),
        ("transition", "graduate"), ("transition", "join_alumni"),
    ] == story(shown)


def test_names_in_every_script_round_trip(database_url: str, services: Services) -> None:
    """Khmer, Lao, Burmese and Vietnamese names and ministries come back exactly as typed."""
    seed_programme(services)
    refs = {}
    for number, (country, (name, ministry)) in enumerate(NAMES.items(), start=1):
        run = attache(database_url, "officer", "nominate", "--batch", "JD17", "--name", name,
                      "--country", country, "--ministry", ministry,
                      "--email", f"officer{number}@mfa.example", "--as", COORDINATOR)
        assert (0, "") == (run.code, run.err)
        assert name in run.out
        refs[f"JD17-{number:02d}"] = (name, ministry)

    for ref, (name, ministry) in refs.items():
        run = attache(database_url, "officer", "show", ref, "--json")
        assert (name, ministry) == (run.json()["name"], run.json()["ministry"])
        assert name in run.out  # not \u-escaped: readable in a pipe
    listed = attache(database_url, "officer", "list", "--json").json()
    assert refs == {o["ref"]: (o["name"], o["ministry"]) for o in listed}
    table = attache(database_url, "officer", "list").out
    assert [] == [name for name, _ in NAMES.values() if name not in table]


def test_init_builds_an_empty_database_once_then_changes_nothing(
    database_url: str, services: Services
) -> None:
    """``init`` on an empty database creates it; running it again leaves every row alone."""
    wipe(database_url)
    first = attache(database_url, "init")
    assert (0, "") == (first.code, first.err)
    assert "published junior-diplomats v1" in first.out
    initialised = dump(services)

    again = attache(database_url, "init")
    assert (0, "") == (again.code, again.err)
    assert "published" not in again.out
    assert initialised == dump(services)
    tracks = attache(database_url, "workflow", "list", "--json").json()
    assert {"aec-ascc", "junior-diplomats"} == {t["track"] for t in tracks}


def test_demo_loads_the_2022_2023_round_once(database_url: str, services: Services) -> None:
    """``demo`` yields JD17 and AE6 with officers at many stages, and JD18 starting the
    month after --now with its nominations; a second run is a no-op."""
    first = attache(database_url, "demo", now="2026-11-25T10:00+07:00")
    assert (0, "") == (first.code, first.err)
    assert "login coordinator  coordinator@asean.example    password attache-demo" in first.out
    loaded = dump(services)
    again = attache(database_url, "demo")
    assert (0, "") == (again.code, again.err)
    assert loaded == dump(services)

    batches = {b["ref"]: b for b in attache(database_url, "batch", "list", "--json").json()}
    assert {"AE6", "AE7", "AE8", "JD17", "JD18"} == set(batches)
    assert ("2026-12-01", "2027-11-30") == (batches["JD18"]["start"], batches["JD18"]["end"])
    assert {"nominated": 4} == batches["JD18"]["by_state"]
    for login in ("coordinator@asean.example", "jd17.officer01@kh.example"):  # printed above
        assert accounts.sign_in(services, login, "attache-demo").token
    jd17 = attache(database_url, "officer", "list", "--batch", "JD17", "--json").json()
    ae6 = attache(database_url, "officer", "list", "--batch", "AE6", "--json").json()
    assert 5 <= len([o for o in jd17 if o["country"] == "KH"])
    assert {"KH", "LA", "MM", "VN"} == {o["country"] for o in jd17}
    states = {o["state"] for o in jd17 + ae6}
    assert {"nominated", "induction", "placement", "study_visit", "alumni"} <= states
    assert {"induction": 3} == batches["AE8"]["by_state"]


def test_the_demos_live_batch_has_work_due_the_day_it_is_loaded(
    database_url: str, services: Services, clock: FakeClock
) -> None:
    """AE7, in its placement months: a mid-term review due this week, one overdue, one
    returned with a comment, on the board the day the demo is loaded."""
    clock.set(datetime(2026, 11, 25, 3, 0, tzinfo=UTC))
    load_demo(services)
    cards = [c for column in batch_board(services, "AE7")["columns"] for c in column["officers"]]
    badges = {
        kind: sorted(c["name"] for c in cards if c[kind])
        for kind in ("due_soon", "overdue", "returned")
    }
    assert badges == {
        "due_soon": ["Chea Sreymom", "Nguyễn Thị Mai"],
        "overdue": ["ສົມພອນ ພົມມະຈັນ"],
        "returned": ["Nguyễn Thị Mai"],
    }


def test_demo_is_not_fooled_by_a_batch_17_of_another_track(database_url: str) -> None:
    """The demo's "already loaded" check is about JD17, not any batch numbered 17."""
    created = attache(database_url, "batch", "create", "--track", "aec-ascc", "--number", "17",
                      "--start", "2038-02-01", "--end", "2039-01-31")
    assert 0 == created.code
    run = attache(database_url, "demo")
    assert (0, "") == (run.code, run.err)
    assert {"AE6", "AE7", "AE8", "AE17", "JD17", "JD18"} == {b["ref"] for b in attache(
        database_url, "batch", "list", "--json").json()}


def _three_in_induction_two_placed(database_url: str, services: Services) -> list[str]:
    seed_programme(services)
    refs = nominate(services, 3)
    for trigger in ("accept", "start_induction"):
        run = attache(database_url, "batch", "advance", "JD17", trigger, "--as", COORDINATOR)
        assert (0, "") == (run.code, run.err)
        assert [] == [ref for ref in refs if ref not in run.out]  # reported one by one
    for ref in refs:
        for item in INDUCTION:
            act.tick(services, ref, item, actor=COORDINATOR)
    for ref in refs[:2]:
        act.place(services, ref, division=DIVISION, supervisor="super@asean.example",
                  actor=COORDINATOR)
    return refs


def test_batch_advance_moves_everyone_it_can_and_reports_each(
    database_url: str, services: Services
) -> None:
    """One blocked officer makes ``batch advance`` exit 4 but does not hold the others back."""
    placed_1, placed_2, unplaced = _three_in_induction_two_placed(database_url, services)

    run = attache(database_url, "batch", "advance", "JD17", "start_placement",
                  "--as", COORDINATOR, "--json")
    assert 4 == run.code
    report = {r["ref"]: r for r in run.json()}
    assert {placed_1: True, placed_2: True, unplaced: False} \
        == {ref: r["ok"] for ref, r in report.items()}
    assert "no placement assigned" in report[unplaced]["message"]
    listed = attache(database_url, "officer", "list", "--batch", "JD17", "--json").json()
    assert {placed_1: "placement", placed_2: "placement", unplaced: "induction"} \
        == {o["ref"]: o["state"] for o in listed}


def test_a_partly_blocked_batch_advance_says_so_on_stderr(
    database_url: str, services: Services
) -> None:
    """Exit 4 from ``batch advance`` comes with the one ``attache:`` line naming who is stuck."""
    *_, unplaced = _three_in_induction_two_placed(database_url, services)
    run = attache(database_url, "batch", "advance", "JD17", "start_placement",
                  "--as", COORDINATOR)
    assert 4 == run.code
    assert 1 == len(run.err_lines), run.err
    assert run.err.startswith("attache: ")
    assert unplaced in run.err


def test_workflow_show_draws_a_mermaid_state_diagram(database_url: str) -> None:
    """The Mermaid output is a stateDiagram naming every state and trigger of the track."""
    definition = attache(database_url, "workflow", "show", "junior-diplomats",
                         "--format", "json").json()
    run = attache(database_url, "workflow", "show", "junior-diplomats", "--format", "mermaid")
    assert (0, "") == (run.code, run.err)
    assert "stateDiagram" in run.out
    names = [s["name"] for s in definition["states"]] + [t["name"] for t in definition["triggers"]]
    assert [] == [name for name in names if name not in run.out]


JSON_READS = [
    ("user", "list", "--json"),
    ("division", "list", "--json"),
    ("batch", "list", "--json"),
    ("batch", "show", "JD17", "--json"),
    ("officer", "list", "--json"),
    ("officer", "list", "--batch", "JD17", "--state", "nominated", "--json"),
    ("officer", "show", REF, "--json"),
    ("workflow", "list", "--json"),
    ("workflow", "show", "junior-diplomats", "--format", "json"),
    ("workflow", "show", "junior-diplomats", "--json"),
]


@pytest.mark.parametrize("args", JSON_READS, ids=" ".join)
def test_every_read_command_prints_json(
    database_url: str, services: Services, args: tuple[str, ...]
) -> None:
    """Each read command's ``--json`` output is one JSON document on stdout."""
    seed_programme(services)
    nominate(services, 1)
    run = attache(database_url, *args)
    assert (0, "") == (run.code, run.err)
    assert run.json()  # parses, and is not empty: every command here has something to say


def test_the_installed_console_script_works(database_url: str) -> None:
    """``attache`` on PATH beside the interpreter runs the CLI and maps errors to exit codes."""
    script = shutil.which("attache", path=os.path.dirname(sys.executable))
    assert script is not None

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([script, "--database", database_url, *args], capture_output=True,
                              text=True, encoding="utf-8", env=cli_env(),
                              timeout=PROCESS_TIMEOUT, check=False)

    listed = run("workflow", "list", "--json")
    assert (0, "") == (listed.returncode, listed.stderr)
    assert "junior-diplomats" in listed.stdout
    missing = run("officer", "show", "JD17-99")
    assert 3 == missing.returncode
    assert missing.stderr.startswith("attache: ")
