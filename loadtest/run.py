"""``python -m loadtest --size small|full [--seconds S] [--backend B]...``

Runs the load test on scratch databases (created and dropped here) and prints a summary
per backend. Exit status: 0 when every verification holds, 1 when one does not, 2 on a
usage error. ``main(argv)`` is the entry point for ``make bench``.

  --size small   3 workers, 40 officers, 10 s (what CI runs, as a pytest test)
  --size full    4 workers, 2000 officers, 120 s
  --seconds S    run for S seconds instead (the simulated year is squeezed into them)
  --workers K, --officers N, --seed N   override the size's
  --backend sqlite|postgresql   (repeatable; default both)
  --postgres URL  server for the scratch database (ATTACHE_LOAD_POSTGRES_URL or
                  postgresql://postgres@127.0.0.1:5432/)
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from loadtest.load import run_load
from loadtest.programme import initialise
from loadtest.report import summary
from loadtest.scratch import DEFAULT_POSTGRES, POSTGRES, SQLITE, postgres_problem, scratch_database
from loadtest.sizes import SIZES, LoadSize
from loadtest.verify import Verification, verify


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # A run stopped with SIGTERM still drops its scratch database (the finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    size = _size(args)
    holds = True
    for backend in args.backend or [SQLITE, POSTGRES]:
        if backend == POSTGRES and (problem := postgres_problem(args.postgres)):
            print(f"== {backend}: cannot run: {problem}", file=sys.stderr)
            holds = False
            continue
        verification = run_once(backend, size, args.postgres)
        holds = holds and verification.holds
    return 0 if holds else 1


def run_once(backend: str, size: LoadSize, postgres_url: str = DEFAULT_POSTGRES) -> Verification:
    """One load run on a scratch database of ``backend``; prints its summary."""
    with scratch_database(backend, postgres_url) as url:
        initialise(url)
        run = run_load(url, size, say=lambda line: print(f"{backend}: {line}", file=sys.stderr))
        verification = verify(run)
        print(summary(backend, run, verification), flush=True)
        return verification


def _size(args: argparse.Namespace) -> LoadSize:
    size = SIZES[args.size]
    changes = {name: getattr(args, name) for name in ("seconds", "workers", "officers", "seed")}
    return size.with_changes(**{k: v for k, v in changes.items() if v is not None})


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m loadtest", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--size", choices=list(SIZES), default="small")
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--officers", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--backend", action="append", choices=[SQLITE, POSTGRES])
    parser.add_argument(
        "--postgres", default=os.environ.get("ATTACHE_LOAD_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    return parser
