"""The batch board at 1400 px and on a 390 px phone: no card overflows (measured), every
stage column can be reached with its header, a heading stays in view down a long column,
an open card menu is whole, and a bulk advance reports each officer; the officers list it
links to, filtered, and on a phone with a long name."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from lifecycle.services import setup
from tests.browser.conftest import MOBILE, Console, Visitor, screenshot
from tests.browser.test_survey import OVERFLOW
from tests.browser.ui import accept_confirmations, card_menu, open_board, stored
from tests.conftest import START
from tests.support import COORDINATOR, dump, nominate, to_placement

# A long name with no break in it (61 letters), and long names in three scripts: the cards
# and the list's rows must hold them.
UNBROKEN = "Sisouvanhphommachanhvongsavanhsisouliyaphetsarathkhamphouvong"
LONG_NAMES = (
    UNBROKEN,
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

# An element seen whole: inside the viewport, and what is at each of its corners (2 px in)
# is the element itself, so no scrolling box cuts it off and nothing lies over it.
WHOLE = """(el) => {
  const width = document.documentElement.clientWidth;
  const height = document.documentElement.clientHeight;
  const box = el.getBoundingClientRect();
  const problems = [];
  if (box.top < 0 || box.left < 0 || box.bottom > height || box.right > width)
    problems.push(`spans ${box.left},${box.top}..${box.right},${box.bottom} in ${width}x${height}`);
  for (const [x, y] of [[box.left + 2, box.top + 2], [box.right - 2, box.top + 2],
                        [box.left + 2, box.bottom - 2], [box.right - 2, box.bottom - 2]]) {
    const hit = document.elementFromPoint(x, y);
    if (!hit || !el.contains(hit))
      problems.push(`at ${x},${y} lies ${hit ? hit.outerHTML.slice(0, 80) : "nothing"}`);
  }
  return problems;
}"""

# The stage whose column is the tallest on the page.
TALLEST = """() => [...document.querySelectorAll("section.column")]
  .sort((a, b) => b.getBoundingClientRect().height - a.getBoundingClientRect().height)[0]
  .dataset.state"""

ROWS = "table[data-testid=officers] tbody tr"


def batch_with_every_kind_of_card(console: Console) -> tuple[list[str], list[str]]:
    """Fifteen waiting (more than a column shows), four with long names, three placed."""
    # The long names first, so a column's last card is a short one: its menu then reaches
    # below the card, to the board's bottom edge. Seven seats per country: spread over three.
    waiting = [
        setup.nominate(console.services, batch="JD17", name=name, country="VN",
                       ministry="Ministry of Foreign Affairs", email=f"long{n}@mofa.example",
                       actor=COORDINATOR).ref
        for n, name in enumerate(LONG_NAMES)
    ]
    waiting += nominate(console.services, 6) + nominate(console.services, 5, country="MM")
    placed = nominate(console.services, 3, country="LA")
    for ref in placed:
        to_placement(console.services, ref)
    return waiting, placed


def board_at(sign_in: Callable[..., Visitor], width: int) -> Page:
    """The board of JD17, signed in as the coordinator, at ``width`` (390: a phone)."""
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
    expect(waiting.get_by_role("link", name="3 more in Nominated")).to_be_visible()
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


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("width", [1400, 390])
def test_the_menu_of_the_last_card_in_the_longest_column_opens_whole(
    console: Console, sign_in: Callable[..., Visitor], width: int
) -> None:
    """Where a board's edge would cut it off: each of its buttons on screen and the one
    clicked, not what lies over or under it."""
    batch_with_every_kind_of_card(console)
    page = board_at(sign_in, width)
    state = page.evaluate(TALLEST)
    last = page.locator(f"section.column[data-state='{state}'] article.card").last
    ref, name = last.get_attribute("data-ref"), last.locator("h3").inner_text()
    assert ref
    menu = card_menu(page, state, ref).locator(".menu-items")
    expect(menu).to_be_visible()
    assert (width, []) == (width, menu.evaluate(WHOLE))
    buttons = menu.get_by_role("button")
    expect(buttons).to_have_count(3)  # accept, decline…, withdraw…
    for n in range(buttons.count()):
        assert [] == buttons.nth(n).evaluate(WHOLE)
    screenshot(page, f"board-menu-{width}", console)
    asked = accept_confirmations(page)
    menu.get_by_role("button", name="Accept nomination", exact=True).click()
    expect(page.locator(f"section.column[data-state='accepted'] article.card[data-ref='{ref}']")
           ).to_be_visible()
    assert [f"Accept nomination: {name}?"] == asked
    assert "accepted" == stored(console, ref)["state"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("width", [1400, 390])
def test_a_long_column_keeps_its_heading_in_view(
    console: Console, sign_in: Callable[..., Visitor], width: int
) -> None:
    """Down to its last card, past where its first card went out of sight."""
    batch_with_every_kind_of_card(console)
    page = board_at(sign_in, width)
    column = page.locator("section.column[data-state='nominated']")
    cards = column.locator("article.card")
    cards.last.scroll_into_view_if_needed()
    expect(cards.last).to_be_in_viewport()
    expect(cards.first).not_to_be_in_viewport()
    heading = column.locator("h2")
    assert (width, []) == (width, heading.evaluate(WHOLE))
    expect(heading).to_have_text(re.compile(r"^Nominated 15"))
    if width >= 600:  # the board scrolled down inside itself, under every stage's heading
        assert page.locator(".board").evaluate("b => b.scrollTop") > 0
        headings = page.locator("section.column h2")
        for n in range(headings.count()):
            expect(headings.nth(n)).to_be_in_viewport()
    fit = page.evaluate(OVERFLOW)
    assert (width, []) == (fit["width"], fit["wide"])
    screenshot(page, f"board-scrolled-{width}", console)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_on_a_phone_an_empty_stage_folds_to_its_heading(
    console: Console, sign_in: Callable[..., Visitor]
) -> None:
    batch_with_every_kind_of_card(console)
    page = board_at(sign_in, MOBILE["width"])
    empty = page.locator("section.column.empty")
    assert empty.count() >= 5
    tall = []
    for n in range(empty.count()):
        column = empty.nth(n).bounding_box()
        heading = empty.nth(n).locator("h2").bounding_box()
        assert column and heading
        # One line of heading (at most 2 rem) and its 0.5 rem of padding above and below.
        if heading["height"] > 32 or column["height"] > heading["height"] + 16 + 1:
            tall.append((empty.nth(n).get_attribute("data-state"), column["height"],
                         heading["height"]))
    assert [] == tall


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_on_a_phone_the_officers_list_wraps_a_long_name(
    console: Console, sign_in: Callable[..., Visitor]
) -> None:
    batch_with_every_kind_of_card(console)
    page = sign_in(COORDINATOR, phone=True).page
    page.goto("/officers?sort=name")
    table = page.get_by_test_id("officers")
    expect(table.get_by_role("link", name=UNBROKEN)).to_be_visible()
    fit = page.evaluate(OVERFLOW)
    assert (MOBILE["width"], []) == (fit["width"], fit["wide"])
    # The table scrolls inside itself when too wide: it must not need to.
    scroll, client = table.evaluate("t => [t.scrollWidth, t.clientWidth]")
    assert (MOBILE["width"], scroll) == (MOBILE["width"], client)
    name = table.get_by_role("link", name=UNBROKEN).bounding_box()
    assert name and name["x"] + name["width"] <= MOBILE["width"]
    screenshot(page, "officers-long-name-390", console)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_more_in_a_column_opens_the_list_of_that_batch_and_stage(
    console: Console, sign_in: Callable[..., Visitor]
) -> None:
    waiting, _ = batch_with_every_kind_of_card(console)
    page = board_at(sign_in, 1400)
    page.get_by_role("link", name="3 more in Nominated").click()
    expect(page).to_have_url(re.compile(r"/officers\?"))
    assert {"batch": ["JD17"], "stage": ["nominated"], "sort": ["late"]} == parse_qs(
        urlsplit(page.url).query)
    expect(page.get_by_test_id("total")).to_have_text("15")
    expect(page.locator("select[name=stage]")).to_have_value("nominated")  # the form says so
    rows = page.locator(ROWS)
    expect(rows).to_have_count(15)
    assert sorted(waiting) == sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.ref)"))
    # Its cells: the box, officer, batch, country, stage, status.
    assert [["JD17", "Nominated"]] * 15 == rows.evaluate_all(
        "rs => rs.map(r => [r.cells[2].textContent.trim(), r.cells[4].textContent.trim()])")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_needs_attention_in_the_menu_lists_the_overdue(
    console: Console, sign_in: Callable[..., Visitor]
) -> None:
    _, placed = batch_with_every_kind_of_card(console)
    console.clock.set(START + timedelta(days=200))  # the mid-term reviews are past due
    page = sign_in(COORDINATOR).page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Needs attention").click()
    expect(page).to_have_url(re.compile(r"/officers\?attention=1$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Needs attention")
    rows = page.locator(ROWS)
    expect(rows).to_have_count(len(placed))
    assert sorted(placed) == sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.ref)"))
    for ref in placed:
        badge = page.locator(f"tr[data-ref='{ref}'] details.badge.overdue")
        expect(badge.locator("summary")).to_have_text(re.compile(r"^1 overdue · \d+ d$"))
    badge = page.locator(f"tr[data-ref='{placed[0]}'] details.badge.overdue")
    badge.locator("summary").click()
    expect(badge.get_by_text("Overdue: Placement mid-term review")).to_be_visible()


def sent_posts(page: Page) -> list[str]:
    """Every POST the page sends from now on."""
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    return posts


def cancel(dialog: Locator, how: str) -> None:
    if how == "Escape":
        dialog.press("Escape")
    else:
        dialog.get_by_role("button", name="Cancel", exact=True).click()
    expect(dialog).to_be_hidden()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cancelling_a_reason_sends_nothing(
    console: Console, sign_in: Callable[..., Visitor]
) -> None:
    waiting, _ = batch_with_every_kind_of_card(console)
    page = board_at(sign_in, 1400)
    before = dump(console.services)
    posts = sent_posts(page)
    for how in ("Cancel", "Escape"):
        card_menu(page, "nominated", waiting[0]).get_by_role(
            "button", name="Decline nomination…", exact=True).click()
        dialog = page.locator("dialog.reason[open]")
        dialog.get_by_label("Reason").fill("Second thoughts")
        cancel(dialog, how)
    assert [] == posts
    assert before == dump(console.services)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_cancelled_bulk_reason_does_not_hold_back_the_next_step(
    console: Console, sign_in: Callable[..., Visitor]
) -> None:
    """Asked for a reason and cancelled (button or Escape): nothing sent; a step that
    needs none is then applied at once."""
    waiting, _ = batch_with_every_kind_of_card(console)
    page = board_at(sign_in, 1400)
    for ref in waiting[:2]:
        page.locator(f"article.card[data-ref='{ref}'] input[name=ref]").check()
    bulk = page.locator("#bulk")
    dialog = bulk.locator("dialog.reason")
    before = dump(console.services)
    posts = sent_posts(page)
    for how in ("Cancel", "Escape"):
        page.locator("#bulk-action").select_option("advance:decline")
        bulk.get_by_role("button", name="Apply", exact=True).first.click()
        expect(dialog).to_be_visible()
        cancel(dialog, how)
        assert [] == posts
        assert not dialog.get_by_label("Reason").evaluate("t => t.required")
    assert before == dump(console.services)
    page.locator("#bulk-action").select_option("advance:accept")
    bulk.get_by_role("button", name="Apply", exact=True).first.click()
    expect(page.get_by_test_id("bulk-summary")).to_have_text("2 done")
    assert ["accepted", "accepted"] == [stored(console, ref)["state"] for ref in waiting[:2]]
