"""What a person sees and does on the console's pages, named once for every test."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Locator, Page, expect

from lifecycle.services import views
from tests.browser.conftest import Console

# Controls a person fills in, and buttons, that no assistive technology could name;
# plus ids used twice (a <label for> then names only the first of them).
UNNAMED = """() => {
  const unnamed = [];
  for (const el of document.querySelectorAll(
      "input:not([type=hidden]), select, textarea, button")) {
    const labelled = (el.getAttribute("aria-label") || "").trim()
      || el.getAttribute("aria-labelledby")
      || [...(el.labels || [])].some(l => l.textContent.trim())
      || (el.tagName === "BUTTON" && el.textContent.trim());
    if (!labelled) unnamed.push(el.outerHTML);
  }
  const seen = new Set();
  for (const el of document.querySelectorAll("[id]")) {
    if (seen.has(el.id)) unnamed.push(`duplicate id ${el.id}`);
    seen.add(el.id);
  }
  return unnamed;
}"""


def card(page: Page, state: str, ref: str) -> Locator:
    """The officer's card in one column of the batch board."""
    return page.locator(f"section.column[data-state='{state}'] article.card[data-ref='{ref}']")


def any_card(page: Page, ref: str) -> Locator:
    return page.locator(f"section.column article.card[data-ref='{ref}']")


def settled(page: Page) -> None:
    """Waits until htmx has wired up what it last swapped in. It adds the listeners of new
    content in its settle step, 20 ms after the swap, and marks that content `htmx-added`
    until then: a control filled in that gap fires nothing (no live preview, ever)."""
    expect(page.locator(".htmx-added")).to_have_count(0)


def done(page: Page) -> Locator:
    return page.locator("p.done[role=status]")


def error(page: Page) -> Locator:
    return page.locator("p.error[role=alert]")


def accept_confirmations(page: Page) -> list[str]:
    """Accepts every confirm() the page asks (hx-confirm); returns their messages."""
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    return asked


def card_menu(page: Page, state: str, ref: str) -> Locator:
    """Opens the card's action menu (the ⋯ button) and returns the card."""
    found = card(page, state, ref)
    menu = found.locator("details.menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    return found


def advance_from_card(page: Page, state: str, ref: str, button: str, moved_to: str) -> None:
    """Clicks an action in the card's menu and waits until the card stands in its new
    column."""
    card_menu(page, state, ref).get_by_role("button", name=button, exact=True).click()
    expect(card(page, moved_to, ref)).to_be_visible()
    expect(any_card(page, ref)).to_have_count(1)


def advance_with_reason(
    page: Page, state: str, ref: str, button: str, reason: str, moved_to: str
) -> None:
    """A step that needs a reason: its menu button opens a dialog that asks for it."""
    card_menu(page, state, ref).get_by_role("button", name=f"{button}…", exact=True).click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Reason").fill(reason)
    dialog.get_by_role("button", name=button, exact=True).click()
    expect(card(page, moved_to, ref)).to_be_visible()
    expect(any_card(page, ref)).to_have_count(1)


def tick(page: Page, ref: str, key: str) -> None:
    item = page.locator(f"form[action='/officers/{ref}/checklist/{key}']")
    item.get_by_role("button", name="Tick", exact=True).click()
    expect(done(page)).to_contain_text(f"{ref}: ticked '{key}'")


def open_board(page: Page, batch: str = "JD17") -> None:
    """Through the menu, as a person would; each step waits for its page, so no click
    lands on a page that is being replaced (two boosted requests would race)."""
    if not page.url.endswith("/batches"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Batches").click()
        expect(page).to_have_url(re.compile(r"/batches$"))
    page.get_by_role("link", name=batch, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/batches/{batch}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(batch)


def stored(console: Console, ref: str) -> dict[str, Any]:
    """The officer as the database has it, to check the page did not just say so."""
    return views.officer_detail(console.services, ref)


def signoff_status(console: Console, ref: str, name: str) -> tuple[str, str | None, str | None]:
    entry = next(s for s in stored(console, ref)["signoffs"] if s["name"] == name)
    return entry["status"], entry["signer"], entry["comment"]
