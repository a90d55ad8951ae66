"""A ministry's focal point nominates in Attache and hears back, all real: chromium on
the invitation page, the acknowledgements over SMTP to aiosmtpd, the coordinator's
decline on the board, the reason on the focal point's page, and a replacement."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from lifecycle.services import nominations
from tests.browser.conftest import Console, Mailboxes, Visitor, dispatch_over_smtp, screenshot
from tests.browser.ui import (
    accept_confirmations,
    advance_with_reason,
    card,
    done,
    open_board,
)
from tests.support import COORDINATOR

FOCAL = "focal.point@mfaic.gov.kh.example"
KHMER = "ស៊ុន សុភ័ក្ត្រា"
REASON = "Two years in the ministry are needed"


def nominate(page: Page, name: str, email: str) -> None:
    form = page.get_by_test_id("nominate-form")
    form.get_by_label("Full name (as in the passport, in any script)").fill(name)
    form.get_by_label("Position").fill("Second Secretary")
    form.get_by_label("Ministry").fill("Ministry of Foreign Affairs and International Cooperation")
    form.get_by_label("Officer's e-mail").fill(email)
    form.get_by_role("button", name="Nominate").click()
    expect(done(page)).to_contain_text(f"nominated {name} as ")


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_focal_point_nominates_hears_back_and_replaces_a_declined_nominee(
    console: Console,
    open_browser: Callable[..., Visitor],
    sign_in: Callable[..., Visitor],
    mail_server: tuple[int, Mailboxes],
) -> None:
    port, boxes = mail_server
    link = nominations.invite(
        console.services, batch="JD17", country="KH", email=FOCAL, name="Chea Sokha",
        actor=COORDINATOR, base_url=console.url,
    ).link
    focal = open_browser()
    page = focal.page
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_contain_text("JD17: Cambodia")
    expect(page.get_by_test_id("seats")).to_have_text("0 of 7 seats taken; 7 left.")
    nominate(page, KHMER, "sophak@mfaic.gov.kh.example")
    nominate(page, "Dara Chan", "dara@mfaic.gov.kh.example")
    table = page.get_by_test_id("nominations")
    expect(table).to_contain_text(KHMER)
    expect(table.locator("tbody tr")).to_have_count(2)
    screenshot(page, "ministry-nominations", console)

    dispatch_over_smtp(console, port)
    subjects = sorted(str(m["Subject"]) for m in boxes.to(FOCAL))
    assert [s.split(" for ")[0] for s in subjects] == [
        "Nomination received: Dara Chan", f"Nomination received: {KHMER}"
    ]
    [khmer_ack] = [m for m in boxes.to(FOCAL) if KHMER in str(m["Subject"])]
    ack_body = khmer_ack.get_body(("plain",))
    assert ack_body is not None and link in ack_body.get_content()

    refs = dict(
        (row.name, row.ref) for row in nominations.ministry_page(
            console.services, link.split("/nominate/")[1]
        ).nominations
    )
    coordinator = sign_in(COORDINATOR)
    board = coordinator.page
    accept_confirmations(board)
    open_board(board)
    declined = card(board, "nominated", refs["Dara Chan"])
    expect(declined).to_contain_text("by ministry")
    advance_with_reason(board, "nominated", refs["Dara Chan"], "Decline nomination", REASON,
                        "declined")

    dispatch_over_smtp(console, port)
    [decision] = [m for m in boxes.to(FOCAL) if str(m["Subject"]).startswith("Nomination declined")]
    decision_body = decision.get_body(("plain",))
    assert decision_body is not None and REASON in decision_body.get_content()

    page.goto(link)
    row = page.locator(f"tr[data-ref='{refs['Dara Chan']}']")
    expect(row).to_contain_text("Declined")
    expect(row).to_contain_text(REASON)
    expect(page.get_by_test_id("seats")).to_have_text("1 of 7 seats taken; 6 left.")
    nominate(page, "Vannak Keo", "vannak@mfaic.gov.kh.example")
    expect(page.get_by_test_id("nominations").locator("tbody tr")).to_have_count(3)
    assert re.search(r"2 of 7 seats taken", page.get_by_test_id("seats").inner_text())
    assert [] == focal.unexpected_problems()
    assert [] == coordinator.unexpected_problems()
