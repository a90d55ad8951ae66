"""The board and the inbox on a phone: nothing sticks out sideways, every button works."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import MOBILE, Console, Visitor, screenshot
from tests.browser.ui import (
    accept_confirmations,
    card,
    card_menu,
    done,
    open_board,
    signoff_status,
    stored,
)
from tests.support import COORDINATOR, SUPERVISOR, nominate, to_placement

# What is wider than the screen: the page itself, or any visible button.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of [document.documentElement, document.body]) {
    if (el.scrollWidth > width) wide.push(`${el.tagName} scrolls to ${el.scrollWidth}px`);
  }
  for (const b of document.querySelectorAll("button")) {
    const box = b.getBoundingClientRect();
    if (b.checkVisibility() && (box.left < 0 || box.right > width))
      wide.push(`button "${b.textContent.trim()}" spans ${box.left}..${box.right}px`);
  }
  return {width, wide};
}"""


def _fits_the_screen(page: Page) -> None:
    fit = page.evaluate(OVERFLOW)
    assert (MOBILE["width"], []) == (fit["width"], fit["wide"])


# Layout in the browser, not storage: one backend is enough (the flows run on both).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_board_and_the_inbox_are_usable_on_a_phone(
    console: Console, sign_in: Callable[..., Visitor]
) -> None:
    """At 390x844 the page never scrolls sideways; the card's action and the inbox's
    Approve button are on screen and do their job when tapped."""
    waiting, placed = nominate(console.services, 2)
    to_placement(console.services, placed)
    coordinator = sign_in(COORDINATOR, phone=True)
    page = coordinator.page
    asked = accept_confirmations(page)
    open_board(page)
    _fits_the_screen(page)
    screenshot(page, "board-mobile", console)

    accept = card_menu(page, "nominated", waiting).get_by_role("button", name="Accept nomination")
    accept.scroll_into_view_if_needed()
    expect(accept).to_be_in_viewport()
    accept.tap()
    expect(card(page, "accepted", waiting)).to_be_visible()
    expect(done(page)).to_contain_text(f"{waiting}: nominated -> accepted")
    assert 1 == len(asked)
    assert "accepted" == stored(console, waiting)["state"]
    _fits_the_screen(page)

    inbox = sign_in(SUPERVISOR, phone=True).page
    _fits_the_screen(inbox)
    review = inbox.locator(f"article.card[data-ref='{placed}'][data-signoff='placement.midterm']")
    for name in ("Approve", "Return"):
        expect(review.get_by_role("button", name=name)).to_be_visible()
    expect(review.get_by_label("Comment (needed to return)")).to_be_editable()
    screenshot(inbox, "inbox-mobile", console)
    approve = review.get_by_role("button", name="Approve")
    approve.scroll_into_view_if_needed()
    expect(approve).to_be_in_viewport()
    approve.tap()
    expect(done(inbox)).to_have_text(f"{placed}: placement.midterm approved by Maria Santos")
    assert "approved" == signoff_status(console, placed, "placement.midterm")[0]
    _fits_the_screen(inbox)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_template_preview_wraps_long_links_on_a_phone(
    console: Console, sign_in: Callable[..., Visitor]
) -> None:
    """The sample e-mail's links are longer than a phone is wide: they wrap in the
    preview instead of pushing the whole editor sideways."""
    page = sign_in(COORDINATOR, phone=True).page
    page.goto("/templates/signoff_due")
    mail = page.locator("#preview pre.mail")
    expect(mail).to_contain_text("https://")
    longest = max(len(word) for word in mail.inner_text().split())
    assert longest > 45  # too long for 390 px at this font size, so this test means something
    _fits_the_screen(page)
