"""Figure 6: how long the ``attache`` command takes to start, in fresh processes.

Two ratios, each against a baseline timed in the same run, round by round:

- 6a. ``attache --help`` against ``python -c pass`` (bare Python): goal <= 3x. Listing
  the commands should cost Click and little else (issue 13: imports only on demand).
- 6b. ``attache officer show REF`` against ``python -c`` importing SQLAlchemy and
  running one query on the same SQLite file: goal <= 1.5x. A read should cost little
  more than the database library it cannot do without.

``import sqlalchemy`` alone is timed too, for FINDINGS.md's accounting. The database is
made the way a user makes one: ``attache init`` then ``attache demo``, in a scratch
folder; only SQLite (the start-up cost does not depend on the backend).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.context import Bench
from bench.report import Result, duration
from bench.timing import Samples, interleave, stopwatch

HELP_NAME = "6a. attache --help start-up"
SHOW_NAME = "6b. attache officer show start-up"
HELP_GOAL, SHOW_GOAL = 3.0, 1.5
ROOT = Path(__file__).resolve().parent.parent
REF = "JD17-01"  # the demo's first officer


def run(bench: Bench) -> list[Result]:
    folder = Path(tempfile.mkdtemp(prefix="attache_bench_startup_"))
    try:
        return _measure(bench, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _measure(bench: Bench, folder: Path) -> list[Result]:
    url = f"sqlite:///{folder / 'attache.db'}"
    attache = [*_attache(), "--database", url]
    for setup in (["init"], ["demo"]):
        _run([*attache, *setup])
    shown = json.loads(_run([*attache, "officer", "show", REF, "--json"]))
    assert shown["ref"] == REF, shown
    select = "sa.text('SELECT * FROM officers WHERE ref = :r')"
    query = (f"import sqlalchemy as sa; c = sa.create_engine({url!r}).connect(); "
             f"c.execute({select}, {{'r': {REF!r}}}).all()")  # fmt: skip
    repeats = bench.sizes.startup_repeats
    bench.log(f"{HELP_NAME} / {SHOW_NAME}: {repeats} rounds of fresh processes")
    bare = [sys.executable, "-c", "pass"]
    help_paired = interleave(repeats, lambda _: _timed([*_attache(), "--help"]),
                             lambda _: _timed(bare))  # fmt: skip
    show_paired = interleave(repeats, lambda _: _timed([*attache, "officer", "show", REF]),
                             lambda _: _timed([sys.executable, "-c", query]))  # fmt: skip
    imported = Samples([_timed([sys.executable, "-c", "import sqlalchemy"])
                        for _ in range(repeats)])  # fmt: skip
    note = (f"median of {repeats} fresh processes each, alternating; `{' '.join(_attache())}`; "
            f"bare Python {duration(help_paired.baseline.median)}, "
            f"`import sqlalchemy` alone {duration(imported.median)}")  # fmt: skip
    return [
        Result(
            HELP_NAME, "-", f"attache --help: {duration(help_paired.candidate.median)}",
            f"python -c pass: {duration(help_paired.baseline.median)}", help_paired.ratio,
            f"<= {HELP_GOAL:g}x", help_paired.ratio <= HELP_GOAL, note,
        ),
        Result(
            SHOW_NAME, "sqlite", f"officer show: {duration(show_paired.candidate.median)}",
            f"import sqlalchemy + one query: {duration(show_paired.baseline.median)}",
            show_paired.ratio, f"<= {SHOW_GOAL:g}x", show_paired.ratio <= SHOW_GOAL,
            "the demo's database (attache init, attache demo); officer show prints the "
            "officer's panel, as a user sees it",
        ),
    ]  # fmt: skip


def _attache() -> list[str]:
    """The installed ``attache`` script beside this Python, else ``python -m lifecycle``
    (the same ``console.app:main``)."""
    script = Path(sys.executable).with_name("attache")
    return [str(script)] if script.exists() else [sys.executable, "-m", "lifecycle"]


def _env() -> dict[str, str]:
    # PYTHONDONTWRITEBYTECODE left out: set (as in some CI and agent shells), every timed
    # `attache` compiled our forty-odd modules from source again, a cost no installed
    # command pays (pip compiles at install) and the baseline, all site-packages, never
    # paid. The set-up commands write the bytecode; the timed ones read it.
    env = {k: v for k, v in os.environ.items()
           if k not in ("ATTACHE_DATABASE_URL", "PYTHONDONTWRITEBYTECODE")}  # fmt: skip
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _run(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=_env(),
                          check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-2000:]}")
    return done.stdout


def _timed(argv: list[str]) -> float:
    """Seconds from starting the process to its exit (output discarded, checked to be 0)."""
    with stopwatch() as watch:
        code = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              cwd=ROOT, env=_env(), check=False).returncode  # fmt: skip
    if code != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {code}")
    return watch.seconds
