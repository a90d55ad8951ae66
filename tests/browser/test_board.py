"""The batch board at 1400 px and on a 390 px phone: no card overflows (measured), every
stage column can be reached with its header, and a bulk advance reports each officer."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from lifecycle.services import setup
from tests.browser.conftest import Console, Visitor, screenshot
from tests.browser.test_survey import OVERFLOW
from tests.browser.ui import open_board, stored
from tests.support import COORDINATOR, nominate, to_placement

# A long name with no break in it, and long names in three scripts: the cards must hold them.
LONG_NAMES = (
    "Nguyễn Thị Thu Hương Phạm Hoàng Bảo Ngọc Trần",
    "ສົມພອນພົມມະຈັນວົງສະຫວັນສີສຸລິຍາ",
    "ព្រះរាជាណាចក្រកម្ពុជាជាតិសាសនាព្រះមហាក្សត្រ",
)

# Each card: its content no wider than it (nothing cut off) and the card inside its column.
CARDS_FIT = """() => {
  const wide = [];
  for (const card of document.querySelectorAll("article.card")) {
    const column = card.closest("section.column").getBoundingClientRect();
    const box = card.getBoundingClientRect();
    if (card.scrollWidth > card.clientWidth + 1)
      wide.push(`${card.dataset.ref} content ${card.scrollWidth}px in ${card.clientWidth}px`);
    if (box.left < column.left - 1 || box.right > column.right + 1)
      wide.push(`${card.dataset.ref} spans ${box.left}..${box.right}, `
                + `its column ${column.left}..${column.right}`);
  }
  return wide;
}"""


def batch_with_every_kind_of_card(console: Console) -> tuple[list[str], list[str]]:
    """Fourteen waiting (more than a column shows), three with long names, three placed."""
    # Seven seats per country: spread over three.
    waiting = nominate(console.services, 6) + nominate(console.services, 5, country="MM")
    waiting += [
        setup.nominate(console.services, batch="JD17", name=name, country="VN",
                       ministry="Ministry of Foreign Affairs", email=f"long{n}@mofa.example",
                       actor=COORDINATOR).ref
        for n, name in enumerate(LONG_NAMES)
    ]
    placed = nominate(console.services, 3, country="LA")
    for ref in placed:
        to_placement(console.services, ref)
    return waiting, placed


def board_at(sign_in: Callable[..., Visitor], width: int) -> Page:
    visitor = sign_in(COORDINATOR, phone=width < 600)
    page = visitor.page
    if width >= 600:
        page.set_viewport_size({"width": width, "height": 900})
    open_board(page)
    return page


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("width", [1400, 390])
def test_no_card_overflows_and_every_stage_can_be_reached(
    console: Console, sign_in: Callable[..., Visitor], width: int
) -> None:
    batch_with_every_kind_of_card(console)
    page = board_at(sign_in, width)
    assert [] == page.evaluate(CARDS_FIT)
    fit = page.evaluate(OVERFLOW)  # the page itself never scrolls sideways
    assert (width, []) == (fit["width"], fit["wide"])
    waiting = page.locator("section.column[data-state='nominated']")
    expect(waiting.locator("article.card")).to_have_count(12)
    expect(waiting.get_by_role("link", name="2 more in Nominated")).to_be_visible()
    columns = page.locator("section.column")
    assert columns.count() >= 9
    for n in range(columns.count()):
        column = columns.nth(n)
        heading = column.locator("h2")
        heading.scroll_into_view_if_needed()
        expect(heading).to_be_in_viewport()  # the stage's name and count, readable
    if width >= 600:  # on a wide screen the columns scroll inside the board, under the header
        expect(page.locator("header.top")).to_be_in_viewport()
    screenshot(page, f"board-{width}", console)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_bulk_advance_reports_each_officer(
    console: Console, sign_in: Callable[..., Visitor]
) -> None:
    waiting, placed = batch_with_every_kind_of_card(console)
    page = board_at(sign_in, 1400)
    chosen = [*placed[:2], waiting[0]]
    for ref in chosen:
        page.locator(f"article.card[data-ref='{ref}'] input[name=ref]").check()
    expect(page.locator("#bulk .selected")).to_have_text("3 selected")
    page.locator("#bulk-action").select_option("advance:start_training")
    page.locator("#bulk").get_by_role("button", name="Apply", exact=True).first.click()
    results = page.get_by_test_id("bulk-results")
    expect(results).to_be_visible()
    for ref, ok in ((placed[0], "true"), (placed[1], "true"), (waiting[0], "false")):
        expect(results.locator(f"tr[data-ref='{ref}']")).to_have_attribute("data-ok", ok)
    expect(page.get_by_test_id("bulk-summary")).to_contain_text(f"2 done, 1 not: {waiting[0]}")
    assert ["diplomatic_training", "diplomatic_training", "nominated"] == [
        stored(console, ref)["state"] for ref in chosen
    ]
    assert "placement" == stored(console, placed[2])["state"]  # not selected: untouched


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_bulk_step_that_needs_a_reason_asks_for_it_first(
    console: Console, sign_in: Callable[..., Visitor]
) -> None:
    waiting, _ = batch_with_every_kind_of_card(console)
    page = board_at(sign_in, 1400)
    for ref in waiting[:2]:
        page.locator(f"article.card[data-ref='{ref}'] input[name=ref]").check()
    page.locator("#bulk-action").select_option("advance:decline")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.locator("#bulk").get_by_role("button", name="Apply", exact=True).first.click()
    dialog = page.locator("#bulk dialog.reason")
    expect(dialog).to_be_visible()
    assert [] == posts  # nothing is sent before the reason is given
    dialog.get_by_label("Reason").fill("The ministry withdrew both nominations")
    dialog.get_by_role("button", name="Apply", exact=True).click()
    expect(page.get_by_test_id("bulk-summary")).to_have_text("2 done")
    assert ["declined", "declined"] == [stored(console, ref)["state"] for ref in waiting[:2]]
