"""Every main page loads with no script error and no failed request, and every form
control on it has a label a screen reader can announce."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from lifecycle.services import setup
from lifecycle.services.accounts import set_password
from tests.browser.conftest import PASSWORD, Console, Visitor, screenshot
from tests.browser.ui import UNNAMED
from tests.support import COORDINATOR, SUPERVISOR, nominate, to_placement

ADMIN = "admin@asean.example"


def controls(page: Page) -> int:
    return page.locator("input:not([type=hidden]), select, textarea").count()


def visit(visitor: Visitor, path: str, heading: str, console: Console, shot: str = "") -> int:
    """Loads ``path`` afresh; checks the heading, labels and problems; returns its controls."""
    page = visitor.page
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    assert (path, []) == (path, page.evaluate(UNNAMED))
    assert (path, []) == (path, visitor.unexpected_problems())
    if shot:
        screenshot(page, shot, console)
    return controls(page)


def test_the_main_pages_load_cleanly_and_label_every_control(
    console: Console, open_browser: Callable[..., Visitor], sign_in: Callable[..., Visitor]
) -> None:
    """Sign-in, batches, board, the officers list, reminders, templates, users, reports,
    account and the inbox, each loaded in full: no console error, no failed request,
    nothing unnamed."""
    _, placed = nominate(console.services, 2)
    to_placement(console.services, placed)
    setup.add_user(console.services, name="Admin Person", email=ADMIN, role="admin")
    set_password(console.services, ADMIN, PASSWORD)

    stranger = open_browser()
    assert 2 == visit(stranger, "/signin", "Sign in", console, shot="signin")
    stranger.page.get_by_label("E-mail").fill(COORDINATOR)
    stranger.page.get_by_label("Password").fill("not the password")
    stranger.page.get_by_role("button", name="Sign in").click()
    expect(stranger.page.locator("p.error[role=alert]")).to_be_visible()
    assert [] == stranger.page.evaluate(UNNAMED)
    stranger.expected_statuses.add(401)  # the refused password, and nothing else
    assert [] == stranger.unexpected_problems()

    coordinator = sign_in(COORDINATOR)
    # Every staff page also has the header's search box (1).
    assert 6 == visit(coordinator, "/batches", "Batches", console, shot="batches")
    # Nomination form (5), the bulk bar's action and reason (2), and per card (3) its
    # selection box and the Reason its decline or withdraw dialog asks (3 + 3).
    assert 13 == visit(coordinator, "/batches/JD17", "JD17", console)
    # The list's filters (8), the bulk bar's action and reason (2), select-all and a box
    # per officer (1 + 2).
    assert 14 == visit(coordinator, "/officers", "Officers", console, shot="officers")
    visit(coordinator, "/officers?attention=1", "Needs attention", console)
    assert 1 == visit(coordinator, "/reminders", "Reminders", console, shot="reminders")
    expect(coordinator.page.locator("tbody tr[data-status]").first).to_be_visible()
    visit(coordinator, "/reminders?status=pending", "Reminders", console)
    visit(coordinator, "/templates", "Reminder templates", console, shot="templates")
    assert 4 == visit(coordinator, "/templates/signoff_due", "signoff_due", console)
    visit(coordinator, "/users", "Users", console, shot="users")
    visit(coordinator, "/reports", "Programme at a glance", console, shot="reports")
    # The API token's label, and a calendar feed's kind and reference (staff choose).
    assert 4 == visit(coordinator, "/account", "Siti Rahmawati", console, shot="account")

    admin = sign_in(ADMIN)
    assert 6 == visit(admin, "/users", "Users", console)

    supervisor = sign_in(SUPERVISOR)
    # The sign-off form, and the "I will be away" form (from, until, substitute, reason).
    assert 5 == visit(supervisor, "/inbox", "Sign-offs waiting for you", console)
    expect(supervisor.page.locator(f"article.card[data-ref='{placed}']")).to_be_visible()
