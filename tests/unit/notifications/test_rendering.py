from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from lifecycle.errors import ConfigurationError
from notifications.rendering import TemplateRenderer
from notifications.sample_context import OFFICERS, sample_context
from notifications.template_context import TEMPLATE_NAMES
from notifications.template_errors import TemplateError, TemplateProblem

SHIPPED = TemplateRenderer()


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def render_error(renderer: TemplateRenderer, name: str, context: Any = None) -> TemplateProblem:
    with pytest.raises(TemplateError) as caught:
        renderer.render(name, sample_context(name) if context is None else context)
    return caught.value.problem


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_every_shipped_template_renders(name: str) -> None:
    """Each shipped template renders its sample: a one-line subject, text and HTML."""
    message = SHIPPED.render(name, sample_context(name))
    assert [message.subject] == message.subject.splitlines()
    assert message.subject == message.subject.strip() != ""
    assert "Dear " in message.text
    assert "</html>" in message.html


def test_check_finds_nothing_wrong_with_the_shipped_templates() -> None:
    """The shipped set is complete and renders against every sample context."""
    assert not SHIPPED.check()


@pytest.mark.parametrize("country", sorted(OFFICERS))
def test_names_in_every_script_round_trip(country: str) -> None:
    """Khmer, Lao, Burmese and Vietnamese names reach subject, text and HTML intact."""
    context = sample_context("signoff_due")
    officer = OFFICERS[country][0]
    context["officer"] = officer
    message = SHIPPED.render("signoff_due", context)
    for part in (message.subject, message.text, message.html):
        assert officer["name"] in part


def test_html_is_escaped_and_text_is_not() -> None:
    """Autoescaping applies to .html.j2 only: text mail shows the name as typed."""
    context = sample_context("signoff_due")
    context["officer"]["name"] = "Tom & <Jerry>"
    message = SHIPPED.render("signoff_due", context)
    assert "Tom &amp; &lt;Jerry&gt;" in message.html
    assert "Tom & <Jerry>" in message.text
    assert "Tom & <Jerry>" in message.subject


def test_a_line_break_in_a_value_cannot_split_the_subject() -> None:
    """The subject is one line, so a value cannot smuggle in another header."""
    context = sample_context("signoff_due")
    context["officer"]["name"] = "Chhy\r\nBcc: someone@example.org"
    subject = SHIPPED.render("signoff_due", context).subject
    assert [subject] == subject.splitlines()
    assert "Chhy Bcc: someone@example.org" in subject


def test_an_override_takes_precedence_over_the_shipped_part(tmp_path: Path) -> None:
    """Overriding just the subject keeps the shipped text and HTML."""
    write(tmp_path, {"signoff_due.subject.j2": "Please sign: {{ officer.ref }}\n"})
    message = TemplateRenderer(tmp_path).render("signoff_due", sample_context("signoff_due"))
    shipped = SHIPPED.render("signoff_due", sample_context("signoff_due"))
    assert ("Please sign: AO-17-KH-01", shipped.text) == (message.subject, message.text)


def test_an_overridden_layout_is_used_by_the_shipped_html(tmp_path: Path) -> None:
    """Shared pieces can be overridden too: the shipped HTML extends the new layout."""
    layout = "<html>OUR LAYOUT {% block content %}{% endblock %}</html>"
    write(tmp_path, {"_layout.html.j2": layout})
    html = TemplateRenderer(tmp_path).render("signoff_due", sample_context("signoff_due")).html
    assert html.startswith("<html>OUR LAYOUT")


def test_a_new_template_in_the_override_folder(tmp_path: Path) -> None:
    """A coordinator can add a template name with its three parts; it is then known."""
    write(
        tmp_path,
        {
            "thank_you.subject.j2": "Thank you, {{ recipient.name }}",
            "thank_you.txt.j2": "Dear {{ recipient.name }}",
            "thank_you.html.j2": "{% extends '_layout.html.j2' %}",
        },
    )
    renderer = TemplateRenderer(tmp_path)
    message = renderer.render("thank_you", sample_context("thank_you"))
    expected_subject = "Thank you, Nguyễn Thị Lan"
    assert expected_subject == message.subject
    assert [*TEMPLATE_NAMES, "thank_you"] == renderer.names()
    assert not renderer.check()


def test_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    """A template that does not parse reports its path and the line of the fault."""
    write(tmp_path, {"signoff_due.txt.j2": "Dear {{ recipient.name }},\n\n{% if officer %}\n"})
    problem = render_error(TemplateRenderer(tmp_path), "signoff_due")
    # Jinja2 notices the missing endif at the last line it read.
    assert (f"{tmp_path}/signoff_due.txt.j2", 3, "syntax") == (
        problem.file,
        problem.line,
        problem.kind,
    )


def test_undefined_attribute_names_the_variable(tmp_path: Path) -> None:
    """A typo reads "'officer' has no attribute 'nmae'", with the file and the line."""
    write(tmp_path, {"signoff_due.txt.j2": "a\nb\nc\n{{ officer.nmae }}\n"})
    problem = render_error(TemplateRenderer(tmp_path), "signoff_due")
    expected = f"{tmp_path}/signoff_due.txt.j2, line 4: 'officer' has no attribute 'nmae'"
    assert (expected, "undefined") == (str(problem), problem.kind)


def test_undefined_nested_attribute_names_the_path(tmp_path: Path) -> None:
    """Inside a loop over digest items the message names the item."""
    write(tmp_path, {"coordinator_digest.txt.j2": "{% for i in items %}{{ i.who }}{% endfor %}"})
    problem = render_error(TemplateRenderer(tmp_path), "coordinator_digest")
    expected = "'items[0]' has no attribute 'who'"
    assert expected == problem.message


def test_an_error_in_a_shipped_template_shows_its_package_path() -> None:
    """Shipped files are named notifications/templates/..., wherever Attache is installed."""
    problem = render_error(SHIPPED, "signoff_due", {})
    expected = ("notifications/templates/signoff_due.subject.j2", "undefined")
    assert expected == (problem.file, problem.kind)
    assert problem.line is not None


def test_error_in_an_included_file_names_that_file(tmp_path: Path) -> None:
    """A broken shared footer is reported at the footer, not at the template using it."""
    write(tmp_path, {"_footer.txt.j2": "\n{{ programme.nmae }}\n"})
    problem = render_error(TemplateRenderer(tmp_path), "signoff_due")
    assert (f"{tmp_path}/_footer.txt.j2", 2) == (problem.file, problem.line)


@pytest.mark.parametrize(
    ("source", "attribute"),
    [
        ("{{ ''.__class__.__mro__ }}", "__class__"),
        ("{{ officer.__init__.__globals__ }}", "__init__"),
        ("{{ cycler.__init__.__globals__.os }}", "__init__"),
        ("{{ reminder.due_local.__class__.__subclasses__() }}", "__class__"),
        ("{{ '{0.__class__}'.format(officer) }}", "__class__"),
    ],
)
def test_reaching_python_internals_is_refused(
    tmp_path: Path, source: str, attribute: str
) -> None:
    """Sandbox escapes come out as security problems with file and line; nothing runs."""
    write(tmp_path, {"signoff_due.txt.j2": f"Dear you,\n{source}\n"})
    problem = render_error(TemplateRenderer(tmp_path), "signoff_due")
    assert ("security", f"{tmp_path}/signoff_due.txt.j2", 2) == (
        problem.kind,
        problem.file,
        problem.line,
    )
    assert attribute in problem.message


def test_missing_template_is_a_template_error() -> None:
    """An unknown name is a TemplateError (a ConfigurationError) naming the file."""
    with pytest.raises(ConfigurationError) as caught:
        SHIPPED.render("no_such_reminder", {})
    assert isinstance(caught.value, TemplateError)
    expected = "notifications/templates/no_such_reminder.subject.j2"
    assert (expected, "not_found") == (caught.value.problem.file, caught.value.problem.kind)


def test_missing_include_names_the_including_line(tmp_path: Path) -> None:
    """An include of a file that does not exist points at the include."""
    write(tmp_path, {"signoff_due.txt.j2": "Hello\n{% include '_signature.txt.j2' %}\n"})
    problem = render_error(TemplateRenderer(tmp_path), "signoff_due")
    expected = (2, "not_found")
    assert expected == (problem.line, problem.kind)
    assert "'_signature.txt.j2'" in problem.message


def test_a_filter_on_the_wrong_value_is_a_template_problem(tmp_path: Path) -> None:
    """longdate applied to a name is reported at that line, not as a crash."""
    write(tmp_path, {"signoff_due.txt.j2": "{{ officer.name | longdate }}"})
    problem = render_error(TemplateRenderer(tmp_path), "signoff_due")
    expected = (1, "runtime")
    assert expected == (problem.line, problem.kind)
    assert "longdate expects a date or datetime" in problem.message


def test_a_python_exception_in_template_code_is_a_template_problem(tmp_path: Path) -> None:
    """Whatever template code raises becomes a TemplateError naming the exception."""
    write(tmp_path, {"signoff_due.txt.j2": "\n{{ 1 // 0 }}"})
    problem = render_error(TemplateRenderer(tmp_path), "signoff_due")
    expected = (2, "runtime")
    assert expected == (problem.line, problem.kind)
    assert problem.message.startswith("ZeroDivisionError")


def test_a_name_that_is_not_a_template_name_is_refused() -> None:
    """Names are plain identifiers: no path tricks."""
    with pytest.raises(TemplateError, match="not a template name"):
        SHIPPED.render("../secrets", {})


def test_the_override_folder_must_exist(tmp_path: Path) -> None:
    """A misconfigured folder fails at start-up rather than silently using defaults."""
    with pytest.raises(ConfigurationError, match="is not a directory"):
        TemplateRenderer(tmp_path / "missing")


def test_template_error_to_dict_carries_file_and_line(tmp_path: Path) -> None:
    """The web console and the CLI can show where the fault is."""
    write(tmp_path, {"signoff_due.txt.j2": "\n\n{{ nothing }}"})
    with pytest.raises(TemplateError) as caught:
        TemplateRenderer(tmp_path).render("signoff_due", sample_context("signoff_due"))
    data = caught.value.to_dict()
    assert (f"{tmp_path}/signoff_due.txt.j2", 3, "undefined") == (
        data["file"],
        data["line"],
        data["problem"],
    )


def test_check_reports_every_problem_without_raising(tmp_path: Path) -> None:
    """One check lists syntax, undefined, sandbox, incomplete and misnamed problems."""
    write(
        tmp_path,
        {
            "signoff_due.txt.j2": "{% if %}",
            "signoff_overdue.txt.j2": "{{ officer.nmae }}",
            "alumni_followup.html.j2": "{{ ''.__class__ }}",
            "activity_report_due.subject.j2": "   \n",
            "farewell.subject.j2": "Goodbye",
            "Farewell.txt.j2": "Goodbye",
            "notes.md": "not a template: ignored",
        },
    )
    problems = TemplateRenderer(tmp_path).check()
    expected = {
        ("signoff_due.txt.j2", "syntax"),
        ("signoff_overdue.txt.j2", "undefined"),
        ("alumni_followup.html.j2", "security"),
        ("activity_report_due.subject.j2", "empty_subject"),
        ("farewell.txt.j2", "incomplete"),
        ("farewell.html.j2", "incomplete"),
        ("Farewell.txt.j2", "misnamed"),
    }
    assert expected == {(Path(p.file).name, p.kind) for p in problems}
    assert all(p.file.startswith(str(tmp_path)) for p in problems)


def test_check_reports_a_broken_shared_file_once(tmp_path: Path) -> None:
    """Every text template includes the footer; its fault is listed once."""
    write(tmp_path, {"_footer.txt.j2": "{{ recipient.nmae }}"})
    problems = TemplateRenderer(tmp_path).check()
    assert [(f"{tmp_path}/_footer.txt.j2", 1)] == [(p.file, p.line) for p in problems]


def test_check_can_be_limited_to_some_names(tmp_path: Path) -> None:
    """check(names) renders only those templates."""
    write(tmp_path, {"signoff_due.txt.j2": "{{ officer.nmae }}"})
    renderer = TemplateRenderer(tmp_path)
    assert not renderer.check(["signoff_overdue"])
    expected = ["undefined"]
    assert expected == [p.kind for p in renderer.check(["signoff_due"])]


def test_check_of_an_unknown_name_reports_its_missing_files() -> None:
    """Asking to check a name nobody has lists its three missing files."""
    problems = SHIPPED.check(["nobody_has_this"])
    expected = ["not_found", "not_found", "not_found"]
    assert expected == [p.kind for p in problems]


def test_the_check_refuses_a_variable_the_real_reminders_never_carry(tmp_path: Path) -> None:
    """induction_welcome goes to officers not yet placed: no supervisor to name."""
    write(
        tmp_path,
        {"induction_welcome.txt.j2": "Your supervisor will be {{ supervisor.name }}.\n"},
    )
    problems = TemplateRenderer(tmp_path).check()
    assert [("induction_welcome.txt.j2", 1)] == [
        (Path(p.file).name, p.line) for p in problems
    ]
    assert "'supervisor' is undefined" in problems[0].message


def _touch_later(path: Path, text: str) -> None:
    # A later mtime for sure: two writes within one tick of the file system's clock
    # would share one, and Jinja compares mtimes.
    path.write_text(text, encoding="utf-8")
    stamp = path.stat().st_mtime + 1
    os.utime(path, (stamp, stamp))


def test_an_edit_is_seen_after_the_held_scope_not_within_it(tmp_path: Path) -> None:
    """Inside ``edits_checked_once`` (a dispatcher's claim) each file is checked once:
    an edit saved meanwhile is used from the next scope on, and outside any scope on
    the next render, as before."""
    write(tmp_path, {"signoff_due.subject.j2": "one {{ officer.ref }}"})
    renderer = TemplateRenderer(tmp_path)
    context = sample_context("signoff_due")
    with renderer.edits_checked_once():
        assert renderer.render("signoff_due", context).subject == "one AO-17-KH-01"
        _touch_later(tmp_path / "signoff_due.subject.j2", "two {{ officer.ref }}")
        assert renderer.render("signoff_due", context).subject == "one AO-17-KH-01"
    with renderer.edits_checked_once():
        assert renderer.render("signoff_due", context).subject == "two AO-17-KH-01"
    _touch_later(tmp_path / "signoff_due.subject.j2", "three {{ officer.ref }}")
    assert renderer.render("signoff_due", context).subject == "three AO-17-KH-01"


def test_a_first_override_of_a_shipped_file_is_seen_by_a_renderer_in_use(
    tmp_path: Path,
) -> None:
    """Jinja's cache checked only the shipped file it had loaded: a part or a layout
    overridden for the first time was not used until the process restarted."""
    renderer = TemplateRenderer(tmp_path)
    context = sample_context("signoff_due")
    shipped = renderer.render("signoff_due", context)
    write(tmp_path, {"signoff_due.subject.j2": "Please sign", "_layout.html.j2": "OURS"})
    edited = renderer.render("signoff_due", context)
    assert ("Please sign", "OURS") == (edited.subject, edited.html)
    for name in ("signoff_due.subject.j2", "_layout.html.j2"):
        (tmp_path / name).unlink()
    assert shipped == renderer.render("signoff_due", context)
