"""``python -m bench [--quick] [--only NAME]...``: run the figures, print the table and
write it to bench/RESULTS.md."""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sqlite3
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bench.context import Bench
from bench.figures import FIGURES
from bench.report import Result, table
from bench.scratch import DEFAULT_POSTGRES, POSTGRES, SQLITE, Scratch
from bench.sizes import FULL, QUICK

RESULTS = Path(__file__).with_name("RESULTS.md")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # A run stopped with SIGTERM still drops its scratch databases (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sizes = QUICK if args.quick else FULL
    if args.year_everywhere:
        sizes = replace(sizes, year_backends=(SQLITE, POSTGRES))
    scratch = Scratch(args.backend or [SQLITE, POSTGRES], args.postgres)
    bench = Bench(sizes, scratch)
    results: list[Result] = []
    started = time.perf_counter()
    names = args.only or list(FIGURES)
    try:
        for done, name in enumerate(names, start=1):
            print(f"{name}:", file=sys.stderr, flush=True)
            figure_started = time.perf_counter()
            results += FIGURES[name](bench)
            print(f"  ({time.perf_counter() - figure_started:,.0f} s)", file=sys.stderr)
            # Written after every figure, so a long run interrupted keeps what it measured.
            text = _document(
                results, quick=args.quick, elapsed=time.perf_counter() - started,
                missing=names[done:],
            )  # fmt: skip
            args.output.write_text(text, encoding="utf-8")
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # let the clean-up finish
        scratch.close()
    print(table(results))
    print(f"\nwritten to {args.output} ({time.perf_counter() - started:,.0f} s)", file=sys.stderr)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks it runs")
    parser.add_argument("--only", action="append", choices=list(FIGURES), metavar="NAME",
                        help=f"run only this figure (repeatable): {', '.join(FIGURES)}")
    parser.add_argument("--backend", action="append", choices=[SQLITE, POSTGRES],
                        help="run on this backend only (repeatable; default both)")
    parser.add_argument("--postgres", default=os.environ.get("ATTACHE_BENCH_POSTGRES_URL",
                        DEFAULT_POSTGRES), help="server for scratch databases (%(default)s)")
    parser.add_argument("--year-everywhere", action="store_true",
                        help="run the programme year on PostgreSQL too (minutes)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="(%(default)s)")
    return parser  # fmt: skip


def _document(
    results: list[Result], *, quick: bool, elapsed: float, missing: list[str]
) -> str:
    mode = "quick (tiny sizes: checks the code runs; the numbers mean little)" if quick else "full"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            "# Benchmark results",
            "",
            f"`python -m bench{' --quick' if quick else ''}`, {mode}; {when}; "
            f"{elapsed:,.0f} s. Python {platform.python_version()}, SQLite "
            f"{sqlite3.sqlite_version}, {os.cpu_count()} CPUs ({platform.machine()}).",
            "",
            "Each ratio compares two things measured in the same run, repetition by "
            "repetition, order swapped each round; absolute figures are medians and "
            "depend on what else the machine was doing.",
            "",
            table(results),
            "",
            *([f"Incomplete: still to run: {', '.join(missing)}.", ""] if missing else []),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
