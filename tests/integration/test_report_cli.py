"""``attache report`` driven as a user drives it: one OS process per command, on the
demo, on SQLite and PostgreSQL. Every refusal has its exit code, one line on stderr,
and leaves no file (not even a temporary one) in the output folder."""

from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lifecycle.persistence.database import Database
from lifecycle.reporting.figures import build_report
from lifecycle.services import Services
from tests.integration import attache
from tests.integration.report_rows import LOADED_AT, SUPERVISOR, VIEWER

pytest_plugins = ["tests.integration.report_fixtures"]

NOW = LOADED_AT.isoformat()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty output folder (the SQLite copy lives in tmp_path itself)."""
    made = tmp_path / "out"
    made.mkdir()
    return made


def report(url: str, *args: str) -> tuple[int, str, str]:
    run = attache(url, "report", *args, now=NOW)
    return run.code, run.out, run.err


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "html", "pdf"])
def test_a_report_is_written_in_each_format(demo_url: str, folder: Path, fmt: str) -> None:
    """Exit 0, one line saying what was written, and the file is what it says it is."""
    output = folder / f"jd17.{fmt}"
    code, out, err = report(
        demo_url,
        "--batch",
        "JD17",
        "--as-of",
        "2024-06-01",
        "--format",
        fmt,
        "--output",
        str(output),
        "--as",
        VIEWER,
    )
    assert (0, "") == (code, err)
    assert str(output) in out and "JD17" in out
    data = output.read_bytes()
    starts = {"xlsx": b"PK", "pdf": b"%PDF-", "html": b"<!doctype html>", "csv": b"\xef\xbb\xbf"}
    assert data.startswith(starts[fmt])
    assert [output.name] == [p.name for p in folder.iterdir()]  # no temporary left


def test_the_xlsx_written_by_the_cli_holds_the_services_figures(
    demo_url: str, folder: Path
) -> None:
    """The CLI's workbook and the service's report agree, count for count."""
    output = folder / "programme.xlsx"
    code, _, err = report(
        demo_url,
        "--as-of",
        "2024-06-01",
        "--within-years",
        "3",
        "--format",
        "xlsx",
        "--output",
        str(output),
        "--as",
        VIEWER,
    )
    assert (0, "") == (code, err)
    database = Database(demo_url)
    try:
        figures = build_report(
            Services(database),
            as_of=date(2024, 6, 1),
            actor=VIEWER,
            within_years=3,
        )
    finally:
        database.dispose()
    book = load_workbook(io.BytesIO(output.read_bytes()))
    stages = {row[0]: row[1:] for row in book["Stages"].iter_rows(min_row=2, values_only=True)}
    assert {r.label: (*r.by_country, r.total) for r in figures.by_stage} == {
        label: counts for label, counts in stages.items() if label != "Total"
    }
    summary = dict(book["Summary"].iter_rows(min_row=2, values_only=True))
    assert 3 == summary["Outcome window (years after graduation)"]


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--batch", "JD17", "--track", "aec-ascc"], 7, "not both"),
        (["--batch", "JD99"], 3, "no batch 'JD99'"),
        (["--track", "diplomats"], 3, "no track 'diplomats'"),
        (["--as-of", "2024-02-30"], 7, "is not a date like"),
        (["--as-of", "2026-07-02"], 7, "after today"),
        (["--within-years", "0"], 7, "from 1 to 50"),
        (["--as", SUPERVISOR], 6, "reporting needs a coordinator or viewer"),
        (["--as", "nobody@asean.example"], 3, "no user"),
        (["--format", "docx"], 2, "'docx' is not one of"),
        (["--within-years", "two"], 2, "'two' is not a valid integer"),
    ],
)
def test_a_refused_report_exits_with_its_code_and_writes_nothing(
    demo_url: str, folder: Path, args: list[str], code: int, words: str
) -> None:
    """Each mistake: its exit code, one line on stderr naming it, an empty folder."""
    defaults = {
        "--as-of": "2024-06-01",
        "--format": "xlsx",
        "--as": VIEWER,
        "--output": str(folder / "report.xlsx"),
    }
    for name, value in zip(args[::2], args[1::2], strict=True):
        defaults[name] = value
    argv = [item for pair in defaults.items() for item in pair]
    got, out, err = report(demo_url, *argv)
    assert (code, "") == (got, out)
    assert 1 == len(err.strip().splitlines()) and words in err, err
    assert [] == list(folder.iterdir())


def test_an_output_that_cannot_be_written_is_refused_before_any_work(
    demo_url: str, folder: Path
) -> None:
    """A missing folder or a read-only one: exit 7; a folder given as the file: click's
    usage error (2). Each says why, and nothing is left behind."""
    read_only = folder / "read-only"
    read_only.mkdir()
    read_only.chmod(0o500)
    cases = [
        (folder / "missing" / "report.pdf", 7, "there is no folder"),
        (folder, 2, "is a directory"),
    ]
    if os.geteuid() != 0:  # root may write anywhere: nothing to refuse there
        cases.append((read_only / "report.pdf", 7, "is not writable"))
    try:
        for output, expected, words in cases:
            code, _, err = report(
                demo_url,
                "--as-of",
                "2024-06-01",
                "--format",
                "pdf",
                "--output",
                str(output),
                "--as",
                VIEWER,
            )
            assert (expected, True) == (code, words in err), err
        assert [] == list(read_only.iterdir())
        assert ["read-only"] == [p.name for p in folder.iterdir()]
    finally:
        read_only.chmod(0o700)
