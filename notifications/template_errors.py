"""A broken reminder template, reported as the file, the line and what is wrong.

Coordinators edit templates; when one breaks they need to know which file and which
line to open, not a Jinja2 traceback. Every failure while loading or rendering a
template becomes one ``TemplateProblem``; ``TemplateError`` raises it.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from jinja2.exceptions import (
    SecurityError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.exceptions import TemplateError as JinjaError

from lifecycle.errors import ConfigurationError

ProblemKind = Literal[
    "syntax",  # the template does not parse
    "undefined",  # it uses a variable or attribute the context does not have
    "security",  # it tried to reach Python internals; the sandbox refused
    "not_found",  # a template or an included/extended one does not exist
    "runtime",  # anything else raised while rendering (a bad filter argument, 1/0...)
    "incomplete",  # a new template in the override folder lacks one of its three files
    "misnamed",  # a file in the override folder that no template name can reach
    "empty_subject",  # the subject renders to nothing
]


@dataclass(frozen=True)
class TemplateProblem:
    file: str  # as the coordinator knows it: the override path, or notifications/templates/…
    line: int | None
    message: str
    kind: ProblemKind = "runtime"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}, line {self.line}"
        return f"{where}: {self.message}"


class TemplateError(ConfigurationError):
    """A template cannot be rendered; ``problem`` says where and why."""

    kind = "template_error"

    def __init__(self, problem: TemplateProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem

    def to_dict(self) -> dict[str, object]:
        return {
            **super().to_dict(),
            "file": self.problem.file,
            "line": self.problem.line,
            "problem": self.problem.kind,
        }


def problem_from(
    error: Exception, fallback_file: str, display: Callable[[str], str]
) -> TemplateProblem:
    """Translate an exception raised by Jinja2 (or by template code) into a problem.

    ``display`` turns a loader's file name into the path to show; ``fallback_file`` is
    shown when the error carries no template location at all (e.g. the top-level
    template was not found).
    """
    if isinstance(error, TemplateSyntaxError):
        file = display(error.filename) if error.filename else fallback_file
        return TemplateProblem(file, error.lineno, error.message or "syntax error", "syntax")
    file, line = _template_frame(error, display) or (fallback_file, None)
    if isinstance(error, SecurityError):
        return TemplateProblem(file, line, f"refused by the sandbox: {error}", "security")
    if isinstance(error, UndefinedError):
        return TemplateProblem(file, line, str(error), "undefined")
    if isinstance(error, TemplateNotFound):
        return TemplateProblem(file, line, f"template {error.name!r} not found", "not_found")
    detail = str(error) or type(error).__name__
    if not isinstance(error, JinjaError):  # a Python exception raised by template code
        detail = f"{type(error).__name__}: {detail}"
    return TemplateProblem(file, line, detail, "runtime")


def _template_frame(
    error: BaseException, display: Callable[[str], str]
) -> tuple[str, int] | None:
    # Jinja2 rewrites tracebacks so that frames of template code carry the template's
    # file name and line; the innermost such frame is where the template went wrong
    # (an included footer rather than the template that included it).
    found: tuple[str, int] | None = None
    for frame, line in traceback.walk_tb(error.__traceback__):
        filename = frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = (display(filename), line)
    return found
