"""The browser fixtures' own rule for failed requests, which every page test relies on.

A request the browser cancels because the person left the page (a form posted while
mermaid was still downloading) is not a fault of the page; any other failed request is,
and so is a request cancelled on the page still shown.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Route

from tests.browser.conftest import Visitor

LOAD_IMAGE = "src => { const i = new Image(); i.src = src; document.body.appendChild(i); }"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_only_requests_cancelled_by_leaving_the_page_go_unreported(
    open_browser: Callable[..., Visitor],
) -> None:
    visitor = open_browser()
    page = visitor.page
    held: list[Route] = []
    page.route("**/held.png*", lambda route: held.append(route))  # never answered: pending
    page.route("**/broken.png", lambda route: route.abort("failed"))
    page.goto("/signin")
    page.evaluate(LOAD_IMAGE, "/static/held.png")
    while not held:
        page.wait_for_timeout(20)
    page.goto("/signin?again")
    assert [] == visitor.unexpected_problems()

    page.evaluate(LOAD_IMAGE, "/static/broken.png")
    page.wait_for_function("() => [...document.images].some(i => i.complete)")
    while not visitor.problems:
        page.wait_for_timeout(20)
    page.evaluate(LOAD_IMAGE, "/static/held.png?2")
    while len(held) < 2:
        page.wait_for_timeout(20)
    page.evaluate("() => window.stop()")  # cancelled on the page still shown
    while len(visitor.aborted) < 2:  # its event comes after stop() returns
        page.wait_for_timeout(20)
    assert [
        "GET /static/broken.png: net::ERR_FAILED", "GET /static/held.png?2: net::ERR_ABORTED",
    ] == sorted(p.replace(page.url.split("/signin")[0], "").removeprefix("request failed: ")
                for p in visitor.unexpected_problems() if p.startswith("request failed"))
