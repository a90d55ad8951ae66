"""The coordinator and the supervisor take an officer through the programme in a browser."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import Console, Visitor, screenshot
from tests.browser.ui import (
    UNNAMED,
    accept_confirmations,
    advance_from_card,
    card,
    card_menu,
    done,
    error,
    open_board,
    signoff_status,
    stored,
    tick,
)
from tests.support import (
    COORDINATOR,
    DIVISION,
    INDUCTION,
    SUPERVISOR,
    TRAVEL,
    dump,
    nominate,
    to_placement,
)

SignIn = Callable[..., Visitor]


def _placed_by_hand(page: Page, console: Console, ref: str) -> None:
    """Board to officer page and back: accept, induct, tick, place, start the placement."""
    name = stored(console, ref)["name"]
    asked = accept_confirmations(page)
    open_board(page)
    advance_from_card(page, "nominated", ref, "Accept nomination", moved_to="accepted")
    expect(done(page)).to_have_text(f"{ref}: nominated -> accepted (Accepted)")
    assert [f"Accept nomination: {name}?"] == asked
    assert "accepted" == stored(console, ref)["state"]

    advance_from_card(page, "accepted", ref, "Start induction", moved_to="induction")
    expect(card(page, "induction", ref)).to_contain_text("Start divisional placement waits for:")

    card(page, "induction", ref).get_by_role("link", name=name).click()
    expect(page.get_by_test_id("stage")).to_have_text("Induction week")
    for key in INDUCTION:
        tick(page, ref, key)
    expect(page.locator(".flag.blocked")).to_have_text(
        "Start divisional placement waits for: "
        "no placement assigned: a division and a supervisor are needed"
    )
    page.get_by_label("Division").select_option(DIVISION)
    page.get_by_label("Supervisor").select_option(label="Maria Santos")
    page.get_by_role("button", name="Place", exact=True).click()
    expect(done(page)).to_have_text(f"{ref} placed in {DIVISION}, supervisor Maria Santos")
    expect(page.get_by_role("region", name="Placement")).to_contain_text(
        f"{DIVISION} (APSC), supervised by Maria Santos"
    )
    placement = stored(console, ref)["placement"]
    assert (DIVISION, SUPERVISOR) == (placement["division"], placement["supervisor"])

    open_board(page)
    advance_from_card(page, "induction", ref, "Start divisional placement", moved_to="placement")
    assert "placement" == stored(console, ref)["state"]
    assert [
        f"{label}: {name}?"
        for label in ("Accept nomination", "Start induction", "Start divisional placement")
    ] == asked


def test_an_officer_goes_from_nomination_to_the_study_visit(
    console: Console, sign_in: SignIn
) -> None:
    """Coordinator accepts and places from the board and the officer page; the supervisor
    approves both reviews from the inbox; the card then moves on to the study visit."""
    (ref,) = nominate(console.services, 1)
    coordinator = sign_in(COORDINATOR)
    page = coordinator.page
    expect(page).to_have_url(re.compile(r"/batches$"))

    open_board(page)  # Cancel in the confirmation: nothing is sent, nothing changes
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.once("dialog", lambda dialog: dialog.dismiss())
    with page.expect_event("dialog"):
        card_menu(page, "nominated", ref).get_by_role("button", name="Accept nomination").click()
    expect(card(page, "nominated", ref)).to_be_visible()
    assert ([], "nominated") == (posts, stored(console, ref)["state"])

    _placed_by_hand(page, console, ref)
    expect(card(page, "placement", ref)).to_contain_text(
        "Start study visit in Japan waits for: sign-off 'placement.final'"
    )
    screenshot(page, "board", console)

    supervisor = sign_in(SUPERVISOR)
    inbox = supervisor.page
    expect(inbox).to_have_url(re.compile(r"/inbox$"))
    midterm = inbox.locator(f"article.card[data-ref='{ref}'][data-signoff='placement.midterm']")
    expect(midterm).to_contain_text("Placement mid-term review")
    screenshot(inbox, "inbox", console)
    midterm.get_by_role("button", name="Approve").click()
    expect(done(inbox)).to_have_text(f"{ref}: placement.midterm approved by Maria Santos")
    expect(midterm).to_have_count(0)
    assert ("approved", SUPERVISOR, None) == signoff_status(console, ref, "placement.midterm")

    final = inbox.locator(f"article.card[data-ref='{ref}'][data-signoff='placement.final']")
    final.get_by_label("Comment (needed to return)").fill("Thorough work on the ARF brief.")
    final.get_by_role("button", name="Approve").click()
    expect(done(inbox)).to_have_text(f"{ref}: placement.final approved by Maria Santos")
    expect(inbox.locator("main")).to_contain_text("Nothing is waiting for you.")
    assert [] == supervisor.unexpected_problems()
    assert ("approved", SUPERVISOR, "Thorough work on the ARF brief.") == signoff_status(
        console, ref, "placement.final"
    )

    page.reload()
    expect(card(page, "placement", ref)).to_contain_text(
        "Start study visit in Japan waits for: Study-visit travel documents checklist"
    )
    expect(card(page, "placement", ref)).not_to_contain_text("sign-off")
    card(page, "placement", ref).get_by_role("link").click()
    signoffs = page.get_by_role("region", name="Sign-offs")
    expect(signoffs).to_contain_text("Placement mid-term review: approved by super@asean.example")
    expect(signoffs).to_contain_text(
        "Placement final review: approved by super@asean.example on 02 Jan 2023"
        " — “Thorough work on the ARF brief.”"
    )
    for key in TRAVEL:
        tick(page, ref, key)
    history = page.get_by_role("region", name="History").locator("li")
    expect(history.filter(has_text="placement → study_visit")).to_have_count(0)
    expect(history.filter(has_text="placement.final approved")).to_have_count(1)
    screenshot(page, "officer", console)
    assert [] == page.evaluate(UNNAMED)

    open_board(page)
    advance_from_card(page, "placement", ref, "Start study visit in Japan", "study_visit")
    expect(done(page)).to_have_text(f"{ref}: placement -> study_visit (Study visit in Japan)")
    assert "study_visit" == stored(console, ref)["state"]


def test_a_supervisor_returns_a_review_with_a_comment(console: Console, sign_in: SignIn) -> None:
    """Returned, it stays in the inbox with the comment, and blocks the next stage."""
    (ref,) = nominate(console.services, 1)
    to_placement(console.services, ref)
    inbox = sign_in(SUPERVISOR).page
    midterm = inbox.locator(f"article.card[data-ref='{ref}'][data-signoff='placement.midterm']")
    midterm.get_by_label("Comment (needed to return)").fill("Add the ASEAN Charter section.")
    midterm.get_by_role("button", name="Return").click()

    expect(done(inbox)).to_have_text(f"{ref}: placement.midterm returned by Maria Santos")
    expect(midterm).to_contain_text("returned: “Add the ASEAN Charter section.”")
    expect(midterm.get_by_role("button", name="Approve")).to_be_enabled()
    assert ("returned", SUPERVISOR, "Add the ASEAN Charter section.") == signoff_status(
        console, ref, "placement.midterm"
    )
    midterm.get_by_role("link").click()
    expect(inbox.get_by_role("region", name="Sign-offs")).to_contain_text(
        "Placement mid-term review: returned by super@asean.example"
    )


def test_returning_a_review_without_a_comment_says_why_and_changes_nothing(
    console: Console, sign_in: SignIn
) -> None:
    """The refusal is shown on the page; the database is exactly as it was."""
    (ref,) = nominate(console.services, 1)
    to_placement(console.services, ref)
    supervisor = sign_in(SUPERVISOR)
    inbox = supervisor.page
    before = dump(console.services)
    midterm = inbox.locator(f"article.card[data-ref='{ref}'][data-signoff='placement.midterm']")
    midterm.get_by_role("button", name="Return").click()

    expect(error(inbox)).to_have_text("returning a sign-off needs a comment saying what to change")
    expect(inbox.get_by_role("heading", level=1)).to_have_text("Nothing was changed")
    assert before == dump(console.services)
    assert ("pending", None, None) == signoff_status(console, ref, "placement.midterm")
    # The 422 is the answer we expect; anything else that went wrong is not.
    supervisor.expected_statuses.add(422)
    assert [] == supervisor.unexpected_problems()

    inbox.get_by_role("link", name="Go back").click()
    expect(inbox).to_have_url(re.compile(r"/inbox$"))
    expect(midterm.get_by_role("button", name="Return")).to_be_visible()


def test_an_action_from_a_stale_board_is_refused_until_the_board_is_reloaded(
    console: Console, sign_in: SignIn
) -> None:
    """The supervisor signs while the coordinator's board is open: the coordinator's click
    on the out-of-date card is refused, says why and writes nothing; back on the board,
    the same action works."""
    (ref,) = nominate(console.services, 1)
    to_placement(console.services, ref)
    coordinator = sign_in(COORDINATOR)
    page = coordinator.page
    asked = accept_confirmations(page)
    open_board(page)
    training = card_menu(page, "placement", ref).get_by_role(
        "button", name="Start diplomatic training")
    expect(training).to_be_visible()

    inbox = sign_in(SUPERVISOR).page
    inbox.locator(f"article.card[data-ref='{ref}']").get_by_role("button", name="Approve").click()
    expect(done(inbox)).to_contain_text("approved")
    before = dump(console.services)
    training.click()
    expect(error(page)).to_contain_text(f"{ref} changed since you looked")
    assert before == dump(console.services)
    coordinator.expected_statuses.add(409)
    assert [] == coordinator.unexpected_problems()

    page.get_by_role("link", name="Go back").click()
    advance_from_card(page, "placement", ref, "Start diplomatic training", "diplomatic_training")
    assert "diplomatic_training" == stored(console, ref)["state"]
    assert 2 == len(asked)
