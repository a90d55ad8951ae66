"""Turn a template name and its context into a subject, a text body and an HTML body.

Templates are code written by coordinators, so they run in Jinja2's immutable sandbox:
a template can format the data it is given but cannot reach Python internals or change
the data. Undefined names are errors (``StrictUndefined``), so a typo surfaces when the
template is checked rather than as a blank in an officer's inbox.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import os
import re
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import cast

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    Template,
    Undefined,
    select_autoescape,
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import internalcode

from lifecycle.errors import ConfigurationError
from notifications.sample_context import sample_context
from notifications.template_context import TEMPLATE_NAMES, TEMPLATE_PARTS, TemplatePart
from notifications.template_errors import TemplateError, TemplateProblem, problem_from
from notifications.template_filters import FILTERS

SHIPPED_DISPLAY = "notifications/templates"
_NAME = re.compile(r"[a-z0-9][a-z0-9_]*")
_PART_FILE = re.compile(r"(?P<name>[a-z0-9][a-z0-9_]*)\.(?P<part>subject|txt|html)\.j2")


@dataclass(frozen=True)
class RenderedMessage:
    subject: str  # one line, no surrounding whitespace
    text: str
    html: str


class TemplateRenderer:
    """Renders reminder templates, preferring the coordinator's ``override_dir``.

    An override folder may replace any single file (say, just ``signoff_due.subject.j2``
    or the shared ``_layout.html.j2``); the parts it does not replace come from the
    templates shipped with Attache. It may also add new template names, which then need
    all three parts.
    """

    def __init__(self, override_dir: Path | None = None) -> None:
        if override_dir is not None and not override_dir.is_dir():
            raise ConfigurationError(f"template folder {override_dir} is not a directory")
        self.override_dir = override_dir
        loaders: list[BaseLoader] = []
        if override_dir is not None:
            loaders.append(FileSystemLoader(override_dir.absolute()))
        loaders.append(_Shipped(override_dir.absolute() if override_dir is not None else None))
        self._shipped_root = os.path.normpath(
            str(importlib.resources.files("notifications").joinpath("templates"))
        )
        self._override_root = (
            os.path.normpath(override_dir.absolute()) if override_dir is not None else None
        )
        self._env = _Sandbox(
            loader=ChoiceLoader(loaders),
            undefined=_NamedUndefined,
            autoescape=select_autoescape(
                enabled_extensions=("html.j2",), default_for_string=False, default=False
            ),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            finalize=_refuse_undefined_inside,
        )
        self._env.filters.update(FILTERS)

    @contextlib.contextmanager
    def edits_checked_once(self) -> Iterator[None]:
        """Within, each template file is checked for edits once, when first used.

        Jinja checks a cached template's file (its mtime: an ``os.stat`` or two) on
        every lookup, and a reminder's three parts and the layout's includes are about
        eight lookups: 15,000 ``stat`` calls for 1,000 reminders. The dispatcher renders
        each claim (up to 50 reminders) inside this instead, so a template edited while
        it sends is used from the next claim on, and one message never mixes two
        versions of it. Per thread: the console's threads sharing a renderer keep
        checking on every lookup.
        """
        with self._env.templates_held():
            yield

    def names(self) -> list[str]:
        """The shipped template names, then the names only the override folder has."""
        extra = sorted(self._override_parts().keys() - set(TEMPLATE_NAMES))
        return [*TEMPLATE_NAMES, *extra]

    def render(self, name: str, context: Mapping[str, object]) -> RenderedMessage:
        """Render all three parts of ``name``; raises ``TemplateError`` on any fault."""
        steps = self.render_in_steps(name, context)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                rendered: RenderedMessage = done.value
                return rendered

    def render_in_steps(
        self, name: str, context: Mapping[str, object]
    ) -> Generator[None, None, RenderedMessage]:
        """``render``, pausing after each part: the dispatcher renders the next reminder
        a part at a time while it waits for the mail server's replies."""
        values = {key: _wrap(value, key) for key, value in context.items()}
        subject = self._render_part(name, "subject", values)
        yield
        text = self._render_part(name, "txt", values)
        yield
        # A header is one line: this also keeps a name with a line break in it from
        # smuggling extra headers into the message.
        return RenderedMessage(
            subject=" ".join(subject.split()),
            text=text,
            html=self._render_part(name, "html", values),
        )

    def check(self, names: Iterable[str] | None = None) -> list[TemplateProblem]:
        """Render every template against its sample context; return all problems found.

        Never raises: a broken template is a finding, not a failure of the check.
        """
        problems: list[TemplateProblem] = []
        parts_by_name: dict[str, set[TemplatePart]] = {}
        try:
            parts_by_name = self._override_parts(problems)
        except OSError as error:
            problems.append(
                TemplateProblem(str(self.override_dir), None, f"cannot read: {error}")
            )
        incomplete: dict[str, set[TemplatePart]] = {}
        for name, parts in parts_by_name.items():
            if name in TEMPLATE_NAMES:
                continue  # missing parts fall back to the shipped ones
            missing = [part for part in TEMPLATE_PARTS if part not in parts]
            incomplete[name] = set(missing)
            for part in missing:
                present = ", ".join(f"{name}.{p}.j2" for p in TEMPLATE_PARTS if p in parts)
                problems.append(
                    TemplateProblem(
                        self._display_override(f"{name}.{part}.j2"),
                        None,
                        f"missing: {present} exist but {name}.{part}.j2 does not; a new "
                        "template needs .subject.j2, .txt.j2 and .html.j2",
                        "incomplete",
                    )
                )
        if names is None:
            extra = sorted(parts_by_name.keys() - set(TEMPLATE_NAMES))
            names = [*TEMPLATE_NAMES, *extra]
        for name in names:
            values = {key: _wrap(value, key) for key, value in sample_context(name).items()}
            for part in TEMPLATE_PARTS:
                if part in incomplete.get(name, ()):
                    continue
                try:
                    output = self._render_part(name, part, values)
                except TemplateError as error:
                    problems.append(error.problem)
                    continue
                if part == "subject" and not output.strip():
                    problems.append(
                        TemplateProblem(
                            self._display(self._source_of(f"{name}.subject.j2")),
                            None,
                            "the subject is empty",
                            "empty_subject",
                        )
                    )
        # A broken shared layout or footer breaks every template that uses it, each time
        # with that template's sample data in the message: report it once.
        unique: dict[tuple[str, int | None, str], TemplateProblem] = {}
        for problem in problems:
            unique.setdefault((problem.file, problem.line, problem.kind), problem)
        return list(unique.values())

    def _render_part(self, name: str, part: TemplatePart, values: Mapping[str, object]) -> str:
        filename = f"{name}.{part}.j2"
        if not _NAME.fullmatch(name):
            raise TemplateError(
                TemplateProblem(
                    name,
                    None,
                    f"{name!r} is not a template name (lowercase letters, digits and _)",
                    "not_found",
                )
            )
        try:
            return self._env.get_template(filename).render(values)
        except Exception as error:
            # Template code is user code: anything it raises is a template problem.
            problem = problem_from(error, self._not_found_file(filename), self._display)
            raise TemplateError(problem) from error

    def _override_parts(
        self, problems: list[TemplateProblem] | None = None
    ) -> dict[str, set[TemplatePart]]:
        found: dict[str, set[TemplatePart]] = {}
        if self.override_dir is None:
            return found
        for path in sorted(self.override_dir.iterdir()):
            if not path.name.endswith(".j2") or path.name.startswith("_"):
                continue  # notes and partials (_layout.html.j2, _footer.txt.j2)
            match = _PART_FILE.fullmatch(path.name)
            if match is None:
                if problems is not None:
                    problems.append(
                        TemplateProblem(
                            self._display_override(path.name),
                            None,
                            "no template uses this file: name it NAME.subject.j2, NAME.txt.j2"
                            " or NAME.html.j2 with NAME in lowercase letters, digits and _ "
                            "(shared pieces start with _)",
                            "misnamed",
                        )
                    )
                continue
            part = cast(TemplatePart, match["part"])  # the regex admits only the three
            found.setdefault(match["name"], set()).add(part)
        return found

    def _source_of(self, filename: str) -> str:
        if self.override_dir is not None and (self.override_dir / filename).is_file():
            return os.path.join(self._override_root or "", filename)
        return os.path.join(self._shipped_root, filename)

    def _not_found_file(self, filename: str) -> str:
        if self.override_dir is None:
            return f"{SHIPPED_DISPLAY}/{filename}"
        return f"{self._display_override(filename)} (or {SHIPPED_DISPLAY}/{filename})"

    def _display_override(self, filename: str) -> str:
        return str((self.override_dir or Path()) / filename)

    def _display(self, filename: str) -> str:
        """The loader's file name as the coordinator knows it."""
        path = os.path.normpath(filename)
        for root, shown in (
            (self._override_root, str(self.override_dir)),
            (self._shipped_root, SHIPPED_DISPLAY),
        ):
            if root is not None and path.startswith(root + os.sep):
                return f"{shown}/{os.path.relpath(path, root)}"
        return filename


class _Record(Mapping[str, object]):
    """A read-only view of one context dict that knows its own name, e.g. ``officer``.

    Only so that a typo reads "'officer' has no attribute 'nmae'" rather than Jinja2's
    "'dict object' has no attribute 'nmae'".
    """

    __slots__ = ("_data", "_path")

    def __init__(self, data: Mapping[str, object], path: str) -> None:
        self._data = data
        self._path = path

    def __getitem__(self, key: str) -> object:
        return _wrap(self._data[key], f"{self._path}.{key}")

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return repr(dict(self._data))


# What a context holds most: looked up by exact type before the ABC checks below, which
# cost a reminder about a tenth of a millisecond of its rendering.
_PLAIN = frozenset({str, int, float, bool, type(None), date, datetime})


def _wrap(value: object, path: str) -> object:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Mapping):
        return _Record(value, path)
    if isinstance(value, list | tuple):
        return tuple(_wrap(item, f"{path}[{index}]") for index, item in enumerate(value))
    return value


class _Shipped(PackageLoader):
    """The shipped templates, as stale once the override folder gains the same file.

    Jinja's cache would otherwise keep serving a shipped template it had loaded after
    a coordinator first overrides it (its check looks at the shipped file only), until
    the process restarted.
    """

    def __init__(self, override_dir: Path | None) -> None:
        super().__init__("notifications", "templates")
        self._override_dir = override_dir

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool] | None]:
        source, filename, up_to_date = super().get_source(environment, template)
        if self._override_dir is None:
            return source, filename, up_to_date
        shadow = os.path.join(self._override_dir, *template.split("/"))

        def still_current() -> bool:
            return not os.path.exists(shadow) and (up_to_date is None or up_to_date())

        return source, filename, still_current


class _Sandbox(ImmutableSandboxedEnvironment):
    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        self._pass = threading.local()  # .templates: those held (templates_held)

    @contextlib.contextmanager
    def templates_held(self) -> Iterator[None]:
        previous = getattr(self._pass, "templates", None)
        self._pass.templates = {} if previous is None else previous
        try:
            yield
        finally:
            self._pass.templates = previous

    @internalcode
    def _load_template(
        self, name: str, globals: MutableMapping[str, object] | None
    ) -> Template:
        loaded: dict[str, Template] | None = getattr(self._pass, "templates", None)
        if loaded is None:
            return super()._load_template(name, globals)
        template = loaded.get(name)
        if template is None:
            # Checked for edits here, once a pass (Jinja's own lookup).
            template = loaded[name] = super()._load_template(name, globals)
        elif globals:
            template.globals.update(globals)
        return template

    def unsafe_undefined(self, obj: object, attribute: str) -> Undefined:
        # Jinja2 names the Python type; the coordinator knows the variable's name.
        owner = repr(obj._path) if isinstance(obj, _Record) else f"{type(obj).__name__!r} object"
        return self.undefined(
            f"access to attribute {attribute!r} of {owner} is unsafe.",
            name=attribute,
            obj=obj,
            exc=SecurityError,
        )


def _refuse_undefined_inside(value: object) -> object:
    """Applied to every ``{{ ... }}`` result before it is printed.

    An undefined value printed on its own raises (``StrictUndefined``), but a list,
    tuple or dict prints the repr of what it holds, and an undefined's repr is the word
    "Undefined": ``[recipient.nmae]`` or a refused ``map(attribute='__class__')`` would
    reach the inbox as "[Undefined]" and pass the check. Raise its error instead.
    """
    _raise_if_undefined(value)
    return value


def _raise_if_undefined(value: object) -> None:
    if type(value) in _PLAIN:
        return
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _raise_if_undefined(item)
    elif isinstance(value, Mapping) and not isinstance(value, _Record):
        # A _Record holds context data, which never contains an undefined value.
        for key, item in value.items():
            _raise_if_undefined(key)
            _raise_if_undefined(item)


class _NamedUndefined(StrictUndefined):
    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        owner = self._undefined_obj
        if self._undefined_hint is None and isinstance(owner, _Record):
            return f"{owner._path!r} has no attribute {self._undefined_name!r}"
        return super()._undefined_message
