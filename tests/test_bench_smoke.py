"""The benchmark suite still runs: ``python -m bench --quick`` end to end, at tiny sizes.

Only that it runs and reports every figure is checked, never how fast anything was:
speed is the benchmark's business (``make bench``), not the tests'.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bench.figures import ROWS
from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 600  # a safety net against a hung run, never a speed check


@pytest.mark.slow
def test_quick_bench_reports_every_figure(tmp_path: Path) -> None:
    """Every figure has a row in the table written to --output, and it is printed too."""
    output = tmp_path / "RESULTS.md"
    server = make_url(POSTGRES_URL).set(database="postgres").render_as_string(False)
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--output", str(output), "--postgres", server],
        cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip
    assert 0 == completed.returncode, completed.stderr[-4000:]
    written = output.read_text(encoding="utf-8")
    rows = [line for line in written.splitlines() if line.startswith("| ")]
    for name in (name for names in ROWS.values() for name in names):
        assert any(row.startswith(f"| {name} |") for row in rows), f"no row for {name}"
    assert "Incomplete" not in written
    assert rows[0] in completed.stdout
