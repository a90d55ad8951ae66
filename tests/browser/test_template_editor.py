"""A coordinator edits a reminder template with the live preview, and saves it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from notifications.sample_context import sample_context
from tests.browser.conftest import Console, Visitor, screenshot
from tests.browser.ui import done, error, settled
from tests.support import COORDINATOR

BROKEN = "Sign-off due for {{ officer.name }\n"  # the print statement is never closed
FIXED = "Sign-off needed: {{ officer.name }} ({{ 'browser test' | upper }})\n"
SUBJECT_FILE = "signoff_due.subject.j2"


# Template files and the browser, not storage: one backend is enough.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_preview_shows_a_syntax_error_with_its_line_then_the_fixed_subject_is_saved(
    console: Console, sign_in: Callable[..., Visitor]
) -> None:
    """The inline preview names the line of the problem; a fixed draft renders the sample
    subject; Save writes the override, and the page shows it from then on."""
    coordinator = sign_in(COORDINATOR)
    page = coordinator.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Templates").click()
    page.get_by_role("link", name="signoff_due", exact=True).click()
    subject = page.get_by_label("Subject")
    settled(page)
    original = subject.input_value()
    assert "{% from" in original.splitlines()[0]  # line 1 imports a macro; line 2 is the text
    preview = page.locator("#preview")
    expect(preview.get_by_test_id("preview-subject")).not_to_be_empty()

    subject.fill(original.splitlines()[0] + "\n" + BROKEN)  # typing fires the live preview
    problem = preview.locator("ul.problems[role=alert] li")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text(f"signoff_due (draft)/{SUBJECT_FILE}, line 2: ")
    expect(preview.get_by_test_id("preview-subject")).to_have_count(0)

    page.get_by_role("button", name="Save").click()  # refused: a draft with a problem
    expect(error(page)).to_contain_text(f"signoff_due was not saved: signoff_due (draft)/"
                                        f"{SUBJECT_FILE}, line 2: ")
    assert not (console.template_dir / SUBJECT_FILE).exists()
    coordinator.expected_statuses.add(422)

    page.get_by_role("link", name="Go back").click()  # to the editor, as last saved
    subject = page.get_by_label("Subject")
    expect(subject).to_have_value(original)
    settled(page)
    subject.fill(FIXED)
    name = sample_context("signoff_due")["officer"]["name"]
    expect(preview.get_by_test_id("preview-subject")).to_have_text(
        f"Sign-off needed: {name} (BROWSER TEST)"
    )
    expect(preview.locator("ul.problems")).to_have_count(0)
    screenshot(page, "template-editor", console)

    page.get_by_role("button", name="Save").click()
    expect(done(page)).to_have_text("signoff_due saved; the next reminders use it")
    assert FIXED == (console.template_dir / SUBJECT_FILE).read_text(encoding="utf-8")
    page.reload()
    expect(page.get_by_label("Subject")).to_have_value(FIXED)
    expect(page.locator("#preview").get_by_test_id("preview-subject")).to_have_text(
        f"Sign-off needed: {name} (BROWSER TEST)"
    )
    assert [] == coordinator.unexpected_problems()
