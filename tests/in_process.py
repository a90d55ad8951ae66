"""The ``attache`` CLI run inside the test's own process, observed as a process would be.

Starting a Python process costs 1.5 to 2 s (the interpreter, SQLAlchemy, the engine and the
workflow definitions, every time), which made the CLI walk-throughs the slowest tests of
the suite. Here ``console.app.main`` runs in-process instead, with what a process would
see made the same: its own stdout and stderr (decoded as UTF-8), the exit code it would
end with (a traceback and 1 for an uncaught exception), the environment it would have
and, if asked, its own working directory. A few tests still start a real process: the
installed console script, the entry point's start-up imports, crashes and signals.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path

from click.testing import CliRunner


def exit_code(exit_: SystemExit) -> int:
    """The status ``sys.exit(code)`` gives a process: None is 0, an int is itself, and
    anything else is printed to stderr and gives 1."""
    if exit_.code is None:
        return 0
    if isinstance(exit_.code, int):
        return exit_.code
    print(exit_.code, file=sys.stderr)
    return 1


class LastResort(logging.StreamHandler):  # type: ignore[type-arg]
    """What ``logging.lastResort`` prints in a process that configures no logging: a
    warning that no handler takes, on stderr. Under pytest the root logger has handlers
    of its own, so the real last resort stays silent; this one, put on the root logger
    for one run, ignores them and prints a record only if no logger on its way up to the
    root has a handler (WeasyPrint's, for one, has a NullHandler: nothing is printed)."""

    def __init__(self, stream: object) -> None:
        super().__init__(stream)
        self.setLevel(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        logger: logging.Logger | None = logging.getLogger(record.name)
        root = logging.getLogger()
        while logger is not None and logger is not root:
            if logger.handlers:
                return
            logger = logger.parent
        super().emit(record)


def run_main(
    argv: Sequence[str],
    *,
    env: Mapping[str, str | None] | None = None,
    cwd: Path | None = None,
) -> tuple[int, str, str]:
    """``attache ARGV`` in this process: (exit code, stdout, stderr). ``env`` sets (or,
    with None, unsets) variables for the run only; ``cwd`` is its working directory."""
    from console.app import main

    with contextlib.ExitStack() as stack:
        if cwd is not None:
            stack.enter_context(contextlib.chdir(cwd))
        out, err, _ = stack.enter_context(CliRunner().isolation(env=dict(env or {})))
        last_resort = LastResort(sys.stderr)
        root = logging.getLogger()
        root.addHandler(last_resort)
        try:
            main(list(argv))
            code = 0
        except SystemExit as exit_:
            code = exit_code(exit_)
        except Exception:  # what the interpreter does with an uncaught exception
            traceback.print_exc()
            code = 1
        finally:
            root.removeHandler(last_resort)
            sys.stdout.flush()
            sys.stderr.flush()
        return code, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8")


def environment_without(prefix: str, **kept: str) -> dict[str, str | None]:
    """``env`` for ``run_main`` that unsets every variable starting with ``prefix`` and then
    sets ``kept``: the environment a child process given a filtered copy would have."""
    cleared: dict[str, str | None] = dict.fromkeys(
        (name for name in os.environ if name.startswith(prefix)), None
    )
    return cleared | dict(kept)
