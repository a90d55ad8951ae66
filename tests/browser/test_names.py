"""Officers' names in their own scripts come back exactly as typed, on every page."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from playwright.sync_api import expect

from tests.browser.conftest import Console, Visitor
from tests.browser.ui import card, done, open_board, stored
from tests.support import COORDINATOR

NAMES = {  # country -> (name, ministry), NFC as a keyboard in each country types them
    "KH": ("សុខ ចាន់ដារ៉ា", "ក្រសួងការបរទេស"),
    "LA": ("ສົມພອນ ແກ້ວມະນີ", "ກະຊວງການຕ່າງປະເທດ"),
    "MM": ("အောင်ကျော်မင်း", "နိုင်ငံခြားရေးဝန်ကြီးဌာန"),
    "VN": ("Nguyễn Thị Thu Hương", "Bộ Ngoại giao"),
}


def test_names_in_their_own_scripts_are_shown_exactly_as_typed(
    console: Console, sign_in: Callable[..., Visitor]
) -> None:
    """Nominated through the board's form; read back from the board, the officer page
    and the database, character for character."""
    page = sign_in(COORDINATOR).page
    for seq, (country, (name, ministry)) in enumerate(NAMES.items(), start=1):
        assert unicodedata.is_normalized("NFC", name)
        open_board(page)
        page.get_by_text("Nominate an officer").click()
        page.get_by_label("Name").fill(name)
        page.get_by_label("Country").select_option(country)
        page.get_by_label("Ministry").fill(ministry)
        page.get_by_label("E-mail").fill(f"nominee.{country.lower()}@mfa.example")
        page.get_by_role("button", name="Nominate").click()

        ref = f"JD17-{seq:02d}"
        expect(done(page)).to_have_text(f"nominated {name} as {ref}")
        heading = card(page, "nominated", ref).get_by_role("heading", level=3)
        expect(heading).to_have_text(name)
        assert name == heading.inner_text()
        assert name == heading.text_content()
        assert (name, ministry, country) == tuple(stored(console, ref)[k] for k in (
            "name", "ministry", "country"))

        card(page, "nominated", ref).get_by_role("link", name=name).click()
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_have_text(name)
        assert name == heading.inner_text()
        assert f"{name} · Attache" == page.title()
        assert page.locator("p.meta").inner_text().startswith(f"{ref} · {ministry} · ")

    open_board(page)
    shown = page.locator("section.column[data-state='nominated'] article.card h3")
    assert [name for name, _ in NAMES.values()] == shown.all_inner_texts()
