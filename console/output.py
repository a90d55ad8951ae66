"""How results reach the terminal: Rich for people, ``--json`` for scripts.

Rich is imported when something is first printed through it, not with this module:
it is a tenth of a second that ``--help`` and ``--json`` never need.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


class Terminal:
    """A Rich console, made the first time something is printed to it."""

    def __init__(self, **options: Any) -> None:
        self._options = options

    @cached_property
    def console(self) -> Console:
        from rich.console import Console

        return Console(**self._options)

    def print(self, *objects: Any, **options: Any) -> None:
        self.console.print(*objects, **options)


# Piped output gets a wide console so tables stay readable in logs and `less`.
stdout = Terminal(highlight=False, width=None if sys.stdout.isatty() else 160)
stderr = Terminal(stderr=True, highlight=False, soft_wrap=True)


def emit_json(data: Any) -> None:
    # ensure_ascii=False: Khmer, Lao, Burmese and Vietnamese names stay readable.
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    from rich.table import Table

    grid = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*("" if cell is None else str(cell) for cell in row))
    stdout.print(grid)


def ok(message: str) -> None:
    from rich.text import Text

    # Text, not markup: a name or comment containing [brackets] must print as typed.
    stdout.print(Text.assemble(("✓ ", "green"), message))


def fail(message: str) -> None:
    stderr.print(f"attache: {message}", markup=False)
