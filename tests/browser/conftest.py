"""Browser fixtures: the real app on a loopback port, driven by Debian's chromium.

One chromium for the whole session (launching it is the slow part); each test gets its
own database (SQLite and PostgreSQL, from ``database_url``: a copy of the programme
seeded once per session, its passwords set), its own server on a free port, and one
browser context per person, so two people never share a cookie jar.
Playwright never downloads a browser here: the system chromium is the one we test with.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, BrowserContext, Page, Request, expect, sync_playwright

from lifecycle.clock import FakeClock
from lifecycle.persistence.database import Database
from lifecycle.services import Services, views
from lifecycle.services.accounts import set_passwords
from notifications.channels.smtp import SmtpChannel, SmtpSettings
from notifications.dispatch import Dispatcher, DispatchSettings
from notifications.message import Mailbox
from notifications.rendering import TemplateRenderer
from notifications.wiring import with_reminders
from tests.conftest import (
    BACKENDS,
    IN_CI,
    START,
    fresh_copy,
    postgres_database,
    postgres_url,
)
from tests.integration.reminders.conftest import free_port
from tests.support import COORDINATOR, OTHER_SUPERVISOR, SUPERVISOR, seed_programme
from web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
PASSWORD = "correct horse battery"
MOBILE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        message = (
            f"the browser tests need Debian's chromium at {CHROMIUM}: "
            "apt-get install chromium (or run `make browser`)"
        )
        if IN_CI:
            pytest.fail(message + " (required when CI=true)", pytrace=False)
        pytest.skip(message)
    # Waits for a condition, never a fixed time; generous because CI shares two cores.
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


def seed_console(url: str) -> None:
    """The programme every browser test starts from; its three people can sign in."""
    database = Database(url)
    try:
        services = with_reminders(Services(database, FakeClock(START)))
        seed_programme(services)
        # An Argon2id hash costs 0.25 s: made once here, not in each test.
        set_passwords(services, [COORDINATOR, SUPERVISOR, OTHER_SUPERVISOR], PASSWORD)
    finally:
        database.dispose()


@pytest.fixture(scope="session")
def console_sqlite(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("console-seeded") / "seeded.db"
    shutil.copy(sqlite_template, path)
    seed_console(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def console_postgres(postgres_template: str, postgres_admin: str) -> Iterator[str]:
    with postgres_database(postgres_admin, "attache_console", postgres_template) as name:
        seed_console(postgres_url(name))
        yield name


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Overrides tests.conftest's: a fresh copy of the seeded programme."""
    yield from fresh_copy(request, tmp_path, ("console_sqlite", "console_postgres"))


@dataclass
class Console:
    """The running app, and a way into its database to check what the pages claim."""

    url: str
    services: Services
    clock: FakeClock
    backend: str
    template_dir: Path


@pytest.fixture
def console(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Console]:
    clock = FakeClock(START)
    database = Database(database_url)
    services = with_reminders(Services(database, clock))
    overrides = tmp_path / "template-overrides"
    overrides.mkdir()
    app = create_app(services, TemplateRenderer(overrides), secure_cookies=False)
    # Bound here and handed to uvicorn, so no other process can take the port in between.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none",
    ))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    _wait_until_listening(server, port)
    backend = request.node.callspec.params["database_url"]
    try:
        yield Console(f"http://127.0.0.1:{port}", services, clock, backend, overrides)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        database.dispose()


def _wait_until_listening(server: uvicorn.Server, port: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if server.started:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        time.sleep(0.02)
    raise RuntimeError(f"the app did not start listening on 127.0.0.1:{port}")


@dataclass
class Visitor:
    """One person at one browser: their page, and everything that went wrong on it."""

    context: BrowserContext
    page: Page
    problems: list[str] = field(default_factory=list)
    expected_statuses: set[int] = field(default_factory=set)
    navigations: int = 0
    # Requests the browser cancelled (net::ERR_ABORTED), with the navigation they began in.
    aborted: list[tuple[str, int]] = field(default_factory=list)

    def navigated(self) -> None:
        self.navigations += 1

    def request_failed(self, request: Request, issued_in: int) -> None:
        problem = f"request failed: {request.method} {request.url}: {request.failure}"
        if request.failure == "net::ERR_ABORTED":
            self.aborted.append((problem, issued_in))
        else:
            self.problems.append(problem)

    def unexpected_problems(self) -> list[str]:
        # A request cancelled because its page was left (a form posted while mermaid was
        # still downloading) is no failure; one cancelled on the page still shown is. The
        # check waits until now because Chromium may report the cancel before the
        # navigation that caused it.
        cancelled = [p for p, issued_in in self.aborted if issued_in == self.navigations]
        return [p for p in self.problems + cancelled if not any(
            f"status of {s}" in p or p.startswith(f"HTTP {s} ") for s in self.expected_statuses
        )]


@pytest.fixture
def open_browser(browser: Browser, console: Console) -> Iterator[Callable[..., Visitor]]:
    """Opens a fresh context (own cookies) watching for JS errors and failed requests."""
    opened: list[Visitor] = []

    def open_(phone: bool = False) -> Visitor:
        # A phone: its screen size, touch, and the meta viewport honoured as on a device.
        size = {"viewport": MOBILE, "has_touch": True, "is_mobile": True} if phone else {
            "viewport": {"width": 1280, "height": 900}}
        context = browser.new_context(base_url=console.url, **size)
        context.set_default_timeout(15_000)
        page = context.new_page()
        visitor = Visitor(context, page)
        page.on("console", lambda m: visitor.problems.append(f"console {m.type}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: visitor.problems.append(f"page error: {e}"))
        issued_on: dict[Request, int] = {}
        page.on("request", lambda r: issued_on.__setitem__(r, visitor.navigations))
        page.on("framenavigated", lambda f: visitor.navigated() if f == page.main_frame else None)
        page.on("requestfailed", lambda r: visitor.request_failed(r, issued_on.get(r, 0)))
        page.on("response", lambda r: visitor.problems.append(
            f"HTTP {r.status} {r.request.method} {r.url}") if r.status >= 400 else None)
        opened.append(visitor)
        return visitor

    yield open_
    for visitor in opened:
        visitor.context.close()


@pytest.fixture
def sign_in(open_browser: Callable[..., Visitor], console: Console) -> Callable[..., Visitor]:
    """A person signed in through the form, on the page their role lands on."""

    def sign_in_(email: str, phone: bool = False) -> Visitor:
        visitor = open_browser(phone)
        page = visitor.page
        page.goto("/")
        expect(page).to_have_url(re.compile(r"/signin\?next=/$"))
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        user = next(u for u in views.user_list(console.services) if u["email"] == email)
        expect(page.locator("header .who")).to_have_text(f"{user['name']} ({user['role']})")
        return visitor

    return sign_in_


def screenshot(page: Page, name: str, console: Console) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{console.backend}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# ---- a real SMTP server, for the tests that follow a link from a received e-mail ----

SENDER = Mailbox("Attache", "attache@asean.example")


class Mailboxes:
    """aiosmtpd's handler: keeps every whole message, by recipient."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=default)
        with self.lock:
            self.messages.extend((rcpt, message) for rcpt in envelope.rcpt_tos)  # type: ignore[misc]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for rcpt, m in self.messages if rcpt == address]


@pytest.fixture
def mail_server() -> Iterator[tuple[int, Mailboxes]]:
    boxes, port = Mailboxes(), free_port()
    controller = Controller(boxes, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, boxes
    controller.stop()


def dispatch_over_smtp(console: Console, port: int) -> None:
    """Send every due reminder and notice now, over SMTP to ``port``, with links that
    point at the running console."""
    channel = SmtpChannel(
        SmtpSettings(host="127.0.0.1", port=port, mail_from=SENDER, security="none",
                     timeout=10.0),
        console.clock,
    )
    settings = DispatchSettings(sender=SENDER, base_url=console.url)
    Dispatcher(console.services, channel, TemplateRenderer(), settings).run_once()
