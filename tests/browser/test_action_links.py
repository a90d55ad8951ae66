"""A busy supervisor approves straight from the reminder in their mailbox.

Everything real: the dispatcher sends the sign-off reminder over SMTP to an aiosmtpd
server on loopback, the test reads the "Approve" link out of the message that server
received, and chromium follows it with no account signed in.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lifecycle.persistence.tables import Reminder, Signoff
from tests.browser.conftest import Console, Mailboxes, Visitor, dispatch_over_smtp, screenshot
from tests.support import SUPERVISOR, nominate, to_placement


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_supervisor_approves_from_the_link_in_the_reminder(
    console: Console,
    open_browser: Callable[..., Visitor],
    mail_server: tuple[int, Mailboxes],
) -> None:
    port, boxes = mail_server
    [ref] = nominate(console.services)
    to_placement(console.services, ref)
    # The mid-term review is due six months into the placement: the day its first
    # reminder goes out.
    with console.services.db.reading() as session:
        first = session.scalars(
            select(Reminder.send_at)
            .where(Reminder.about == "placement.midterm", Reminder.recipient_email == SUPERVISOR)
            .order_by(Reminder.send_at)
        ).first()
    assert first is not None
    console.clock.set(first)
    dispatch_over_smtp(console, port)
    [reminder] = [m for m in boxes.to(SUPERVISOR) if "mid-term" in str(m["Subject"]).lower()]
    body = reminder.get_body(("plain",))
    assert body is not None
    found = re.search(r"Approve: (\S+)", body.get_content())
    assert found, body.get_content()
    approve = found.group(1)
    assert approve.startswith(f"{console.url}/links/")

    supervisor = open_browser()  # no account signed in: the link is the credential
    page = supervisor.page
    page.goto(approve)
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Approve the Placement mid-term review of Officer 0"
    )
    screenshot(page, "action-link-confirm", console)
    page.get_by_test_id("link-act").click()
    expect(page.get_by_test_id("link-done")).to_contain_text("approved by Maria Santos")
    with console.services.db.reading() as session:
        assert [("placement.midterm", "approved", "email_link")] == [
            (s.name, s.decision, s.via) for s in session.scalars(select(Signoff))
        ]

    supervisor.expected_statuses.add(410)
    page.goto(approve)  # the same link again: spent, and it says so
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has no more to do")
    expect(page.get_by_role("alert")).to_contain_text("already used")
    assert [] == supervisor.unexpected_problems()
