"""Fixtures for the web console's tests: the ASGI app on a real database, and a programme.

Seeding a programme through the services takes seconds (every change replans the
reminders), so it is done once per backend and session, into a template database; each
test's ``database_url`` is a fresh copy of it, on SQLite and on PostgreSQL alike.

The seed, made through the services (never raw SQL): one user per role, two officers in
their divisional placement (JD17-01 with SUPERVISOR, its e-mail shared by the officer-role
user; JD17-02 with OTHER_SUPERVISOR), an API token and a signed-in browser session per
role, and one reminder per officer that a refusing mail server made fail, 32 days in.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from lifecycle.clock import FakeClock
from lifecycle.persistence.database import Database
from lifecycle.persistence.tables import Reminder
from lifecycle.roles import Role
from lifecycle.services import Services, accounts, setup
from lifecycle.services import officers as act
from notifications.channels.base import PermanentDeliveryError
from notifications.dispatch import Dispatcher, DispatchSettings
from notifications.message import Mailbox, OutgoingMessage
from notifications.rendering import TemplateRenderer
from notifications.wiring import with_reminders
from tests.conftest import BACKENDS, START, fresh_copy, postgres_database, postgres_url
from tests.support import (
    COORDINATOR,
    DIVISION,
    INDUCTION,
    OTHER_SUPERVISOR,
    SUPERVISOR,
    VIEWER,
    dump,
    nominate,
    seed_programme,
)
from web.app import create_app
from web.auth import CSRF_FIELD, SESSION_COOKIE

ADMIN = "admin@asean.example"
OFFICER = "o0.kh@mfa.example"  # the first nominated officer's address (tests.support)
OTHER_OFFICER = "o1.kh@mfa.example"
PASSWORD = "correct horse battery staple"
EMAILS = {
    Role.ADMIN: ADMIN,
    Role.COORDINATOR: COORDINATOR,
    Role.SUPERVISOR: SUPERVISOR,
    Role.OFFICER: OFFICER,
    Role.VIEWER: VIEWER,
}
PROBLEM = "application/problem+json"
SEEDED_AT = START + timedelta(days=32)  # a month into the placements: the first reports due


class RefusingChannel:
    """A mail server that answers 550 to everything: reminders end up 'failed'."""

    def send(self, message: OutgoingMessage) -> None:
        raise PermanentDeliveryError("550 5.1.1 mailbox unavailable", code=550)


@dataclass(frozen=True)
class Seed:
    """What the seeding made that the tests need to name (secrets are shown only once)."""

    mine: str  # JD17-01: placed with SUPERVISOR, the officer-role user's own record
    theirs: str  # JD17-02: placed with OTHER_SUPERVISOR
    failed_reminder: int  # JD17-01's first activity report
    tokens: dict[Role, str]
    sessions: dict[Role, accounts.SignedIn]


@dataclass
class World:
    services: Services
    clock: FakeClock
    renderer: TemplateRenderer
    seed: Seed

    @property
    def mine(self) -> str:
        return self.seed.mine

    @property
    def theirs(self) -> str:
        return self.seed.theirs

    @property
    def failed_reminder(self) -> int:
        return self.seed.failed_reminder

    def bearer(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.seed.tokens[role]}"}

    def session(self, role: Role) -> accounts.SignedIn:
        """The browser session ``role``'s user signed in with when the world was seeded."""
        return self.seed.sessions[role]


def walk_to_placement(services: Services, ref: str, supervisor: str) -> None:
    act.advance(services, ref, "accept", actor=COORDINATOR)
    act.advance(services, ref, "start_induction", actor=COORDINATOR)
    for item in INDUCTION:
        act.tick(services, ref, item, actor=COORDINATOR)
    act.place(services, ref, division=DIVISION, supervisor=supervisor, actor=COORDINATOR)
    act.advance(services, ref, "start_placement", actor=COORDINATOR)


def seed_world(url: str) -> Seed:
    database = Database(url)
    try:
        clock = FakeClock(START)
        services = with_reminders(Services(database, clock))
        seed_programme(services)
        setup.add_user(services, name="Attache Admin", email=ADMIN, role="admin")
        mine, theirs = nominate(services, 2)
        walk_to_placement(services, mine, SUPERVISOR)
        walk_to_placement(services, theirs, OTHER_SUPERVISOR)
        setup.add_user(services, name="Officer 0 ឈី រដ្ឋា", email=OFFICER, role="officer")
        clock.set(SEEDED_AT)
        sender = Mailbox("Attache", "attache@asean.example")
        Dispatcher(
            services, RefusingChannel(), TemplateRenderer(), DispatchSettings(sender=sender)
        ).run_once()
        with services.db.reading() as session:
            failed = session.scalars(
                select(Reminder.id).where(Reminder.status == "failed").order_by(Reminder.id)
            ).first()
        assert failed is not None, "the refusing server should have failed a reminder"
        tokens, sessions = {}, {}
        accounts.set_passwords(services, list(EMAILS.values()), PASSWORD)  # one hash, 0.25 s
        for role, email in EMAILS.items():
            tokens[role] = accounts.issue_token(services, email, "tests", actor=email)
            sessions[role] = accounts.sign_in(services, email, PASSWORD)
        return Seed(mine, theirs, failed, tokens, sessions)
    finally:
        database.dispose()


@pytest.fixture(scope="session")
def seeded_sqlite(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Seed]:
    path = tmp_path_factory.mktemp("web-seeded") / "seeded.db"
    shutil.copy(sqlite_template, path)
    return path, seed_world(f"sqlite:///{path}")


@pytest.fixture(scope="session")
def seeded_postgres(postgres_template: str, postgres_admin: str) -> Iterator[tuple[str, Seed]]:
    with postgres_database(postgres_admin, "attache_web", postgres_template) as name:
        yield name, seed_world(postgres_url(name))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Overrides tests.conftest's: a fresh copy of the seeded database, on either backend."""
    yield from fresh_copy(
        request, tmp_path, ("seeded_sqlite", "seeded_postgres"), lambda seeded: seeded[0]
    )


@pytest.fixture
def template_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "template-overrides"
    folder.mkdir()
    return folder


@pytest.fixture
def renderer(template_dir: Path) -> TemplateRenderer:
    return TemplateRenderer(template_dir)


@pytest.fixture(scope="session")
def shared_app() -> FastAPI:
    """One app per worker, as a server runs one for its life. FastAPI works out each
    route's parameters on an app's first request through its router (0.1-0.2 s per new
    app, every test paid it); a test's own database and templates are its state."""
    database = Database("sqlite://")  # never opened: each test sets its own services
    app = create_app(Services(database), TemplateRenderer())
    database.dispose()
    return app


@pytest.fixture
def app(
    shared_app: FastAPI, services: Services, renderer: TemplateRenderer
) -> Iterator[FastAPI]:
    """The app on this test's database and template folder (the three things
    ``create_app`` takes); a test wanting other settings makes its own app."""
    shared_app.state.services = services
    shared_app.state.renderer = renderer
    yield shared_app
    # A request left running after its test must fail, not reach the next test's data.
    del shared_app.state.services, shared_app.state.renderer


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def world(
    request: pytest.FixtureRequest, database_url: str, services: Services, clock: FakeClock,
    renderer: TemplateRenderer,
) -> World:
    """The seeded programme, with the clock at the moment it was seeded."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgres"
    _, seed = request.getfixturevalue(f"seeded_{backend}")
    clock.set(SEEDED_AT)
    return World(services, clock, renderer, seed)


@contextmanager
def unchanged(services: Services) -> Iterator[None]:
    """The block may be refused, but must leave every row of every table as it was."""
    before = dump(services)
    yield
    assert before == dump(services)


def problem(response: Any, status: int, kind: str) -> dict[str, Any]:
    """Assert an RFC 9457 problem answer of ``status`` and ``kind``; return its body."""
    assert (status, PROBLEM) == (response.status_code, response.headers["content-type"]), (
        response.text
    )
    body: dict[str, Any] = response.json()
    assert {
        "type": f"urn:attache:problem:{kind}",
        "title": kind.replace("_", " "),
        "status": status,
    } == {key: body[key] for key in ("type", "title", "status")}
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def session_cookie(signed: accounts.SignedIn) -> dict[str, str]:
    """The Cookie header a browser signed in as ``signed`` sends."""
    return {"Cookie": f"{SESSION_COOKIE}={signed.token}"}


def form_with_csrf(signed: accounts.SignedIn, **fields: str) -> dict[str, str]:
    return {CSRF_FIELD: signed.csrf, **fields}
