"""The officer page: the lifecycle diagram drawn by Mermaid with the current stage
highlighted, the checklists, the sign-offs and the history."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from lifecycle.services import officers as act
from tests.browser.conftest import Console, Visitor, screenshot
from tests.browser.ui import UNNAMED, card, open_board
from tests.support import COORDINATOR, SUPERVISOR, nominate, to_placement

# lifecycle/engine.py's mermaid() marks the current state `Class <state> s_active`, with
# `classDef s_active color:red,fill:darksalmon`; every other state is s_default (white).
DARKSALMON = "rgb(233, 150, 122)"
WHITE = "rgb(255, 255, 255)"


def state_fills(page: Page) -> dict[str, tuple[str, str]]:
    """Each drawn state: its Mermaid class and the fill the browser paints its box."""
    drawn = page.locator("pre.mermaid svg g.node.statediagram-state").evaluate_all("""nodes =>
      Object.fromEntries(
        nodes.map(n => [n.id.replace(/^state-/, "").replace(/-\\d+$/, ""),
                        [["s_active", "s_default"].find(c => n.classList.contains(c)) || "",
                         getComputedStyle(n.querySelector("rect, path")).fill]]))""")
    return {state: (kind, fill) for state, (kind, fill) in drawn.items()}


def test_the_diagram_highlights_the_current_stage_beside_checklists_signoffs_history(
    console: Console, sign_in: Callable[..., Visitor]
) -> None:
    """Reached from the board (an htmx swap) and loaded afresh, the page draws the
    lifecycle as SVG with only the officer's stage highlighted, and shows the rest."""
    (ref,) = nominate(console.services, 1)
    to_placement(console.services, ref)
    act.tick(console.services, ref, "passport", actor=COORDINATOR)
    act.sign_off(console.services, ref, "placement.midterm", actor=SUPERVISOR, approve=False,
                 comment="Cite the ASEAN Charter.")
    coordinator = sign_in(COORDINATOR)
    page = coordinator.page
    open_board(page)
    card(page, "placement", ref).get_by_role("link").click()

    for arrival in ("link from the board", "fresh load"):
        diagram = page.locator("pre.mermaid svg")
        expect(diagram, arrival).to_be_visible()
        expect(diagram, arrival).to_have_attribute("aria-roledescription", "stateDiagram")
        fills = state_fills(page)
        assert {"placement": ("s_active", DARKSALMON)} == {
            state: fill for state, fill in fills.items() if fill != ("s_default", WHITE)
        }, arrival
        assert {"nominated", "accepted", "induction", "study_visit", "alumni"} <= set(fills)
        page.reload()

    checklists = page.get_by_role("region", name="Checklists")
    expect(checklists.locator("li", has_text="Passport valid for the visit")).to_contain_text(
        "☑")
    expect(checklists.locator("li", has_text="Visa for Japan")).to_contain_text("☐")
    signoffs = page.get_by_role("region", name="Sign-offs")
    expect(signoffs).to_contain_text(
        "Placement mid-term review: returned by super@asean.example on 02 Jan 2023"
        " — “Cite the ASEAN Charter.”")
    expect(signoffs).to_contain_text("Placement final review: pending")
    history = page.get_by_role("region", name="History").locator("li")
    expect(history.filter(has_text="nominated → accepted (accept)")).to_have_count(1)
    expect(history.filter(has_text="induction → placement (start_placement)")).to_have_count(1)
    expect(history.filter(has_text="ticked passport")).to_contain_text("by coord@asean.example")
    expect(history.filter(has_text="placement.midterm returned")).to_contain_text(
        "“Cite the ASEAN Charter.” by super@asean.example")
    assert [] == page.evaluate(UNNAMED)
    assert [] == coordinator.unexpected_problems()
    screenshot(page, "officer-diagram", console)
