"""A coordinator uploads a sheet of nominations from the board."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Console, Visitor, screenshot
from tests.browser.ui import UNNAMED, card, done, open_board, stored
from tests.support import COORDINATOR, dump

HEADER = "name,country,ministry,email,position\n"
# The browser's multipart upload through the boosted form is what is new here; the
# import itself is tested on both backends in tests/web.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
GOOD = (
    "ສົມພອນ ແກ້ວມະນີ,LA,ກະຊວງການຕ່າງປະເທດ,somphone@mofa.example,Attaché\n"
    "အောင်ကျော်မင်း,Myanmar,နိုင်ငံခြားရေးဝန်ကြီးဌာန,aung@mofa.example,\n"
)


def _upload(page: Page, filename: str, text: str) -> None:
    open_board(page)
    page.get_by_text("Nominate an officer").click()  # the link is beside the form
    page.get_by_role("link", name="Import nominations from a spreadsheet").click()
    page.get_by_label("Spreadsheet (.xlsx or .csv, UTF-8)").set_input_files(
        files=[{"name": filename, "mimeType": "text/csv", "buffer": text.encode("utf-8")}]
    )
    page.get_by_role("button", name="Import", exact=True).click()


def test_an_uploaded_sheet_puts_every_nomination_on_the_board(
    console: Console, sign_in: Callable[..., Visitor]
) -> None:
    """Both rows become cards in Nominated, names exactly as in the file."""
    coordinator = sign_in(COORDINATOR)
    page = coordinator.page
    _upload(page, "nominations.csv", HEADER + GOOD)

    expect(done(page)).to_have_text("imported 2 nomination(s) into JD17: JD17-01 .. JD17-02")
    for ref, name in (("JD17-01", "ສົມພອນ ແກ້ວມະນີ"), ("JD17-02", "အောင်ကျော်မင်း")):
        heading = card(page, "nominated", ref).get_by_role("heading", level=3)
        expect(heading).to_have_text(name)
        assert name == heading.inner_text() == stored(console, ref)["name"]
    assert "MM" == stored(console, "JD17-02")["country"]
    assert [] == coordinator.unexpected_problems()


def test_a_sheet_with_a_bad_row_lists_the_problem_and_imports_nothing(
    console: Console, sign_in: Callable[..., Visitor]
) -> None:
    """One row names no country: the page says which row and column; no row is taken."""
    coordinator = sign_in(COORDINATOR)
    page = coordinator.page
    before = dump(console.services)
    no_country = "Trần Văn An,,Bộ Ngoại giao,an@mofa.example,\n"
    _upload(page, "nominations.csv", HEADER + GOOD + no_country)

    problems = page.get_by_role("alert")
    expect(problems.get_by_role("heading")).to_have_text("Nothing was imported")
    expect(problems).to_contain_text("nominations.csv: 1 problem(s); nothing was imported")
    rows = problems.locator("tbody tr")
    expect(rows).to_have_count(1)
    assert "4" == rows.locator("td").first.inner_text()  # the header is row 1
    expect(rows.locator("td").nth(1)).to_have_text("country")
    assert before == dump(console.services)
    assert [] == page.evaluate(UNNAMED)
    screenshot(page, "import-problems", console)
    coordinator.expected_statuses.add(422)
    assert [] == coordinator.unexpected_problems()
