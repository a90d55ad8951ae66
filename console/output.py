"""How results reach the terminal: Rich for people, ``--json`` for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

# Piped output gets a wide console so tables stay readable in logs and `less`.
stdout = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def emit_json(data: Any) -> None:
    # ensure_ascii=False: Khmer, Lao, Burmese and Vietnamese names stay readable.
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    grid = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*("" if cell is None else str(cell) for cell in row))
    stdout.print(grid)


def ok(message: str) -> None:
    # Text, not markup: a name or comment containing [brackets] must print as typed.
    stdout.print(Text.assemble(("✓ ", "green"), message))


def fail(message: str) -> None:
    stderr.print(f"attache: {message}", markup=False)
