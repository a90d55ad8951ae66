"""The header's search box, on a wide screen and on a phone: "nguyen" finds "Nguyễn"."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from lifecycle.services import setup
from tests.browser.conftest import Console, Visitor, screenshot
from tests.browser.test_survey import OVERFLOW
from tests.support import COORDINATOR

NAME = "Nguyễn Thị Thu Hương"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("width", [1400, 390])
def test_the_search_box_finds_a_vietnamese_name_typed_without_accents(
    console: Console, sign_in: Callable[..., Visitor], width: int
) -> None:
    ref = setup.nominate(
        console.services, batch="JD17", name=NAME, country="KH", ministry="Bộ Ngoại giao",
        email="huong.nguyen@mofa.example", actor=COORDINATOR,
    ).ref
    coordinator = sign_in(COORDINATOR, phone=width < 600)
    page = coordinator.page
    if width >= 600:
        page.set_viewport_size({"width": width, "height": 900})
    box = page.get_by_role("searchbox", name="Find an officer")
    box.fill("nguyen huong")
    box.press("Enter")
    row = page.locator(f"tr[data-ref='{ref}']")
    expect(row).to_contain_text(NAME)
    fit = page.evaluate(OVERFLOW)
    assert fit["wide"] == [], fit
    screenshot(page, f"search-{width}", console)
    row.get_by_role("link", name=NAME).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    assert [] == coordinator.unexpected_problems()
