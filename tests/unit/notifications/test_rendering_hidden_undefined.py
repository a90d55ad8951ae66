"""An undefined value must not reach an inbox by hiding inside a list, tuple or dict.

StrictUndefined raises when an undefined value is printed on its own, but a container
prints the repr of what it holds, and an undefined's repr is the word ``Undefined``.
That let a typo (``[recipient.nmae]``) or a refused sandbox escape
(``[officer]|map(attribute='__class__')|list``) render as "[Undefined]" and pass the
template check.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from notifications.rendering import TemplateRenderer
from notifications.sample_context import sample_context
from notifications.template_errors import TemplateError

NAME = "coordinator_digest"


def _render_text(folder: Path, source: str) -> str:
    (folder / f"{NAME}.txt.j2").write_text(source, encoding="utf-8")
    return TemplateRenderer(folder).render(NAME, sample_context(NAME)).text


@pytest.mark.parametrize(
    ("source", "kind", "words"),
    [
        ("{{ [recipient.nmae] }}", "undefined", "'recipient' has no attribute 'nmae'"),
        ("{{ (1, recipient.nmae) }}", "undefined", "'recipient' has no attribute 'nmae'"),
        ("{{ {'who': recipient.nmae} }}", "undefined", "'recipient' has no attribute 'nmae'"),
        ("{{ [[nobody]] }}", "undefined", "'nobody' is undefined"),
        (
            "{{ items | map(attribute='officer_nmae') | list }}",
            "undefined",
            "'items[0]' has no attribute 'officer_nmae'",
        ),
        (
            "{{ [recipient] | map(attribute='__class__') | list }}",
            "security",
            "access to attribute '__class__' of 'recipient' is unsafe",
        ),
        (
            "{{ items | groupby('__class__') | list }}",
            "security",
            "access to attribute '__class__' of 'items[",  # groupby sorts: any item
        ),
    ],
)
def test_an_undefined_value_inside_a_container_is_a_template_problem(
    tmp_path: Path, source: str, kind: str, words: str
) -> None:
    """Printed inside a list, tuple or dict, an undefined value is still reported, with
    the file and the line, never rendered as the word "Undefined"."""
    with pytest.raises(TemplateError) as caught:
        _render_text(tmp_path, f"Dear you,\n\n{source}\n")
    problem = caught.value.problem
    assert (f"{tmp_path}/{NAME}.txt.j2", 3, kind) == (problem.file, problem.line, problem.kind)
    assert words in problem.message


def test_the_check_reports_an_undefined_value_inside_a_container(tmp_path: Path) -> None:
    """``templates check`` finds it too, so the scheduler will not start with it."""
    (tmp_path / f"{NAME}.html.j2").write_text(
        "{% extends '_layout.html.j2' %}{% block content %}\n"
        "{{ [recipient] | map(attribute='__class__') | list }}\n{% endblock %}\n",
        encoding="utf-8",
    )
    problems = TemplateRenderer(tmp_path).check()
    expected = [(f"{tmp_path}/{NAME}.html.j2", 2, "security")]
    assert expected == [(p.file, p.line, p.kind) for p in problems]


def test_containers_of_defined_values_still_print(tmp_path: Path) -> None:
    """Only undefined values are refused: lists, tuples and dicts of real values print
    as before, and a defined value tested with ``is defined`` is untouched."""
    text = _render_text(
        tmp_path,
        "{{ [recipient.role, 1] }} {{ (reminder.occurrence,) }} {{ {'k': 'v'} }}"
        " {{ recipient.nmae is defined }} {{ items | map(attribute='officer_ref') | list }}",
    )
    refs = [item["officer_ref"] for item in sample_context(NAME)["items"]]
    expected = f"['coordinator', 1] ({sample_context(NAME)['reminder']['occurrence']},) "
    assert text.startswith(expected + "{'k': 'v'} False " + str(refs))
