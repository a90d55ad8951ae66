"""A session that ends in the middle of work: sign in again and carry on where you were."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import expect

from lifecycle.services.accounts import SESSION_LIFETIME
from tests.browser.conftest import PASSWORD, Console, Visitor
from tests.browser.ui import signoff_status
from tests.support import SUPERVISOR, nominate, to_placement


def test_a_click_after_the_session_ended_leads_back_to_the_page_after_signing_in(
    console: Console, sign_in: Callable[..., Visitor]
) -> None:
    """Approve with an expired session: the sign-in page, then the inbox again (not the
    POST-only sign-off address, which answers 405), and nothing was signed meanwhile."""
    (ref,) = nominate(console.services, 1)
    to_placement(console.services, ref)
    supervisor = sign_in(SUPERVISOR)
    inbox = supervisor.page
    console.clock.advance(SESSION_LIFETIME)
    inbox.locator(f"article.card[data-ref='{ref}']").get_by_role("button", name="Approve").click()
    expect(inbox.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert ("pending", None, None) == signoff_status(console, ref, "placement.midterm")

    inbox.get_by_label("E-mail").fill(SUPERVISOR)
    inbox.get_by_label("Password").fill(PASSWORD)
    inbox.get_by_role("button", name="Sign in").click()
    expect(inbox).to_have_url(re.compile(r"/inbox$"))
    expect(inbox.locator(f"article.card[data-ref='{ref}']")).to_be_visible()
    assert [] == supervisor.unexpected_problems()
