"""Hints for SQLite's query planner, where it lacks the statistics to choose well.

SQLite keeps no statistics unless ANALYZE is run (Attache never runs it), and without
them it takes an equality on the first column of any index as equally selective. A read
of one officer's reminders that also names a status could then walk ix_reminders_sweep
(status, next_attempt_at) over every pending row of every officer instead of the
officer's few dozen rows by uq_reminders_officer_key: the two tie on their first column,
and the sweep index's narrower entries break the tie its way (migration 0017).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class unselective(FunctionElement[bool]):
    """``condition``, marked as narrowing the rows little: SQLite's ``likely()`` (which
    returns its argument unchanged and tells the planner it is mostly true), so an index
    on another condition is preferred; on PostgreSQL, which has statistics, the
    condition as it is."""

    type = Boolean()
    inherit_cache = True
    name = "unselective"

    def __init__(self, condition: ColumnElement[bool]) -> None:
        super().__init__(condition)


@compiles(unselective)
def _as_it_is(element: unselective, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)})"


@compiles(unselective, "sqlite")
def _likely(element: unselective, compiler: SQLCompiler, **kw: Any) -> str:
    return f"likely({compiler.process(element.clauses, **kw)})"
