"""The template editor's two operations: preview a draft, and save it as an override.

A draft is checked exactly as ``attache templates check`` would check it, by laying it
over the current override folder in a scratch copy: what the preview shows is what the
scheduler will send, and a draft with a problem is never written.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lifecycle.errors import ConfigurationError, InvalidData, NotFound
from notifications.rendering import RenderedMessage, TemplateRenderer
from notifications.sample_context import sample_context
from notifications.template_errors import TemplateProblem

PARTS = ("subject", "txt", "html")


@dataclass(frozen=True)
class Draft:
    subject: str
    txt: str
    html: str

    def files(self, name: str) -> dict[str, str]:
        return {f"{name}.{part}.j2": getattr(self, part) for part in PARTS}


@dataclass(frozen=True)
class Preview:
    rendered: RenderedMessage | None
    problems: list[TemplateProblem]


def current_source(renderer: TemplateRenderer, name: str) -> Draft:
    if name not in renderer.names():
        raise NotFound(f"no template {name!r}; templates: {', '.join(renderer.names())}")
    env = renderer._env
    parts = {}
    for part in PARTS:
        source, _, _ = env.loader.get_source(env, f"{name}.{part}.j2")  # type: ignore[union-attr]
        parts[part] = source
    return Draft(**parts)


def preview(renderer: TemplateRenderer, name: str, draft: Draft) -> Preview:
    if name not in renderer.names():
        raise NotFound(f"no template {name!r}; templates: {', '.join(renderer.names())}")
    with tempfile.TemporaryDirectory(prefix="attache-draft-") as scratch:
        folder = Path(scratch)
        if renderer.override_dir is not None:
            shutil.copytree(renderer.override_dir, folder, dirs_exist_ok=True)
        for filename, text in draft.files(name).items():
            (folder / filename).write_text(text, encoding="utf-8")
        trial = TemplateRenderer(folder)
        problems = [_as_edited(p, scratch, name) for p in trial.check([name])]
        rendered = None if problems else trial.render(name, sample_context(name))
        return Preview(rendered, problems)


def save(renderer: TemplateRenderer, name: str, draft: Draft) -> Preview:
    """Write the draft into the override folder, or refuse (and write nothing)."""
    if renderer.override_dir is None:
        raise ConfigurationError(
            "templates cannot be edited here: set ATTACHE_TEMPLATE_DIR to a folder "
            "for the coordinators' overrides"
        )
    result = preview(renderer, name, draft)
    if result.problems:
        first = result.problems[0]
        raise InvalidData(
            f"{name} was not saved: {first.file}"
            + (f", line {first.line}" if first.line else "")
            + f": {first.message}",
            fields={p.file: p.message for p in result.problems},
        )
    for filename, text in draft.files(name).items():
        target = renderer.override_dir / filename
        staged = target.with_suffix(".j2.saving")
        staged.write_text(text, encoding="utf-8")
        staged.replace(target)  # atomic: a dispatcher never reads half a template
    return result


def _as_edited(problem: TemplateProblem, scratch: str, name: str) -> TemplateProblem:
    # The scratch folder's path means nothing to the coordinator: name the template.
    shown = problem.file.replace(scratch, f"{name} (draft)")
    return TemplateProblem(shown, problem.line, problem.message, problem.kind)
