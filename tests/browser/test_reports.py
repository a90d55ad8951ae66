"""A coordinator reads the report in the browser and downloads the PDF for the funder."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Console, Visitor, screenshot
from tests.support import COORDINATOR, nominate, to_placement

# What is new here is the browser's side (boosted navigation, the form, a download under
# hx-boost); the figures are tested on both backends in tests/integration and tests/web.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_the_report_page_shows_charts_and_downloads_the_pdf(
    console: Console, sign_in: Callable[..., Visitor]
) -> None:
    """From the menu to a batch's report: the chart fits the page, and the PDF link
    downloads a PDF named after the batch and the date instead of replacing the page."""
    placed, _ = nominate(console.services, 2)
    to_placement(console.services, placed)
    coordinator = sign_in(COORDINATOR)
    page = coordinator.page
    page.get_by_role("link", name="Reports").click()  # boosted: only the body is swapped
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme at a glance")
    page.get_by_label("Scope").select_option("batch:JD17")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".report-scope")).to_contain_text("Batch JD17")
    placement = page.locator("tr", has=page.get_by_role("rowheader", name="Divisional placement"))
    expect(placement.first.locator("td").last).to_have_text("1")
    chart = page.locator(".report-chart svg").first
    expect(chart).to_be_visible()
    box, viewport = chart.bounding_box(), page.viewport_size
    assert box is not None and viewport is not None and box["width"] <= viewport["width"]
    today = console.services.today().isoformat()
    with page.expect_download() as pending:
        page.get_by_role("link", name="PDF").click()
    download = pending.value
    assert f"attache-report-JD17-{today}.pdf" == download.suggested_filename
    path = download.path()
    assert path.read_bytes().startswith(b"%PDF-")
    expect(page.locator(".report-scope")).to_contain_text("Batch JD17")  # still here
    screenshot(page, "report", console)
    assert [] == coordinator.unexpected_problems()
