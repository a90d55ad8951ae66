"""Browser sessions, CSRF, cookies, sign-in throttling and API tokens, on both backends.

Sign-ins here go through the real form and the real Argon2id hasher; time moves only
through the FakeClock.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any, Literal
from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lifecycle.persistence.tables import SignInFailure, User, WebSession
from lifecycle.roles import Role
from lifecycle.services import Services, accounts
from lifecycle.services.views import officer_detail
from notifications.rendering import TemplateRenderer
from tests.support import COORDINATOR, SUPERVISOR
from tests.web.conftest import PASSWORD, World, problem, session_cookie, unchanged
from web.app import create_app
from web.auth import CSRF_HEADER, SESSION_COOKIE

CSRF_REFUSAL = (
    "this form has expired or did not come from Attache (CSRF check failed); "
    "reload the page and try again"
)
WRONG = "wrong e-mail address or password"


def sign_in_form(client: TestClient, email: str, password: str, **extra: str) -> Any:
    client.cookies.clear()
    response = client.post("/signin", data={"email": email, "password": password, **extra})
    client.cookies.clear()  # each test sends the cookie it means to send, explicitly
    return response


def cookie_of(response: Any) -> Any:
    """The session cookie (a Morsel) the response sets."""
    jar: SimpleCookie = SimpleCookie()
    jar.load(response.headers["set-cookie"])
    return jar[SESSION_COOKIE]


def browser_session(client: TestClient, email: str) -> tuple[str, str]:
    """Sign in through the form and read the CSRF token off a page, as a browser does."""
    response = sign_in_form(client, email, PASSWORD)
    assert 303 == response.status_code, response.text
    token = cookie_of(response).value
    page = client.get("/account", headers={"Cookie": f"{SESSION_COOKIE}={token}"})
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return token, found.group(1)


def alert(response: Any) -> str:
    found = re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', response.text, re.S)
    assert found, response.text
    return html.unescape(found.group(1))


def sessions_of(services: Services, email: str) -> int:
    with services.db.reading() as session:
        return session.scalar(
            select(func.count()).select_from(WebSession).join(User).where(User.email == email)
        ) or 0


# -- CSRF -------------------------------------------------------------------------------


def test_a_form_post_without_the_right_csrf_token_is_refused_and_changes_nothing(
    client: TestClient, world: World
) -> None:
    """Missing, wrong, or another session's token: 403 and no row changes."""
    token, csrf = browser_session(client, COORDINATOR)
    _, other_csrf = browser_session(client, COORDINATOR)  # the same user, another browser
    _, supervisors_csrf = browser_session(client, SUPERVISOR)
    cookie = {"Cookie": f"{SESSION_COOKIE}={token}"}
    path = f"/officers/{world.mine}/advance"
    with unchanged(world.services):
        for form in [
            {"trigger": "start_training"},
            {"trigger": "start_training", "csrf_token": ""},
            {"trigger": "start_training", "csrf_token": csrf[:-1] + ("A" if csrf[-1] != "A"
                                                                     else "B")},
            {"trigger": "start_training", "csrf_token": other_csrf},
            {"trigger": "start_training", "csrf_token": supervisors_csrf},
        ]:
            response = client.post(path, data=form, headers=cookie)
            assert (403, CSRF_REFUSAL) == (response.status_code, alert(response)), form
        response = client.post(path, data={"trigger": "start_training"},
                               headers={**cookie, CSRF_HEADER: other_csrf})
        assert 403 == response.status_code
    response = client.post(path, data={"trigger": "start_training", "csrf_token": csrf},
                           headers=cookie)
    assert (303, "diplomatic_training") == (response.status_code, state_of(world))
    assert response.headers["location"].startswith(f"/officers/{world.mine}?done=")


def test_the_csrf_token_may_come_as_a_header(client: TestClient, world: World) -> None:
    """htmx sends X-CSRF-Token; it is checked the same way as the form field."""
    token, csrf = browser_session(client, COORDINATOR)
    response = client.post(f"/officers/{world.mine}/advance", data={"trigger": "start_training"},
                           headers={"Cookie": f"{SESSION_COOKIE}={token}", CSRF_HEADER: csrf})
    assert (303, "diplomatic_training") == (response.status_code, state_of(world))


def state_of(world: World) -> str:
    state: str = officer_detail(world.services, world.mine)["state"]
    return state


def test_signing_out_needs_the_csrf_token_too(client: TestClient, world: World) -> None:
    """Otherwise any site could sign a user out with a hidden form."""
    token, _ = browser_session(client, COORDINATOR)
    cookie = {"Cookie": f"{SESSION_COOKIE}={token}"}
    with unchanged(world.services):
        response = client.post("/signout", headers=cookie)
        assert (403, CSRF_REFUSAL) == (response.status_code, alert(response))
    assert 200 == client.get("/account", headers=cookie).status_code


# -- the session cookie --------------------------------------------------------------


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
def test_the_session_cookie_is_httponly_lax_site_wide_and_expires(
    world: World, renderer: TemplateRenderer, secure: bool
) -> None:
    """HttpOnly, SameSite=Lax, Path=/, Max-Age of the session lifetime; Secure on HTTPS."""
    app = create_app(world.services, renderer, secure_cookies=secure)
    with TestClient(app, follow_redirects=False) as client:
        response = sign_in_form(client, COORDINATOR, PASSWORD)
    assert 303 == response.status_code
    cookie = cookie_of(response)
    assert {
        "httponly": True,
        "samesite": "lax",
        "path": "/",
        "max-age": str(12 * 60 * 60),
        "secure": secure,
    } == {
        "httponly": bool(cookie["httponly"]),
        "samesite": cookie["samesite"].lower(),
        "path": cookie["path"],
        "max-age": cookie["max-age"],
        "secure": bool(cookie["secure"]),
    }
    assert len(cookie.value) >= 40  # 256 random bits, URL-safe


def test_the_cookie_is_a_random_secret_stored_only_as_a_hash(
    client: TestClient, world: World
) -> None:
    token, _ = browser_session(client, SUPERVISOR)
    with world.services.db.reading() as session:
        hashes = set(session.scalars(select(WebSession.token_hash)))
    assert token not in hashes
    assert hashlib.sha256(token.encode()).hexdigest() in hashes


def test_signing_out_ends_the_session_on_the_server(client: TestClient, world: World) -> None:
    """The old cookie is worthless afterwards, even if the browser kept it."""
    token, csrf = browser_session(client, COORDINATOR)
    cookie = {"Cookie": f"{SESSION_COOKIE}={token}"}
    before = sessions_of(world.services, COORDINATOR)
    response = client.post("/signout", data={"csrf_token": csrf}, headers=cookie)
    assert (303, "/signin") == (response.status_code, response.headers["location"])
    removal = cookie_of(response)
    assert ("", "0") == (removal.value, removal["max-age"])
    assert before - 1 == sessions_of(world.services, COORDINATOR)
    response = client.get("/account", headers=cookie)
    assert (303, "/signin?next=/account") == (response.status_code, response.headers["location"])
    response = client.post(f"/officers/{world.mine}/advance",
                           data={"trigger": "start_training", "csrf_token": csrf}, headers=cookie)
    assert (303, "placement") == (response.status_code, state_of(world))
    assert response.headers["location"].startswith("/signin?next=")


def test_a_session_ends_twelve_hours_after_sign_in(client: TestClient, world: World) -> None:
    token, _ = browser_session(client, COORDINATOR)
    cookie = {"Cookie": f"{SESSION_COOKIE}={token}"}
    world.clock.advance(timedelta(hours=12) - timedelta(seconds=1))
    assert 200 == client.get("/batches", headers=cookie).status_code
    world.clock.advance(timedelta(seconds=1))
    response = client.get("/batches?done=x", headers=cookie)
    assert (303, "/signin?next=/batches%3Fdone%3Dx") == (
        response.status_code, response.headers["location"]
    )


def test_a_forged_or_unknown_cookie_is_no_session(client: TestClient, world: World) -> None:
    with unchanged(world.services):
        for value in ("", "x", hashlib.sha256(b"guess").hexdigest()):
            response = client.get("/account", headers={"Cookie": f"{SESSION_COOKIE}={value}"})
            assert (303, "/signin?next=/account") == (
                response.status_code, response.headers["location"])


# -- signing in ----------------------------------------------------------------------


def test_a_wrong_address_and_a_wrong_password_look_the_same(
    client: TestClient, world: World
) -> None:
    """Same status, same message: the form does not reveal who has an account."""
    unknown = sign_in_form(client, "nobody@asean.example", PASSWORD)
    wrong = sign_in_form(client, COORDINATOR, "not the password")
    assert (401, WRONG) == (unknown.status_code, alert(unknown))
    assert (401, WRONG) == (wrong.status_code, alert(wrong))
    assert "set-cookie" not in unknown.headers and "set-cookie" not in wrong.headers


class CountingHasher(PasswordHasher):
    """The real Argon2id hasher, counting the hashes it verifies."""

    def __init__(self) -> None:
        super().__init__()
        self.verified: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verified.append(hash if isinstance(hash, str) else hash.decode())
        return super().verify(hash, password)


@pytest.mark.parametrize(
    ("who", "password", "stand_in"),
    [
        ("nobody@asean.example", PASSWORD, True),  # no such account
        (COORDINATOR, "not the password", False),  # a wrong password
        (COORDINATOR, PASSWORD, False),  # the right one
    ],
    ids=["unknown-address", "wrong-password", "right-password"],
)
def test_every_sign_in_verifies_exactly_one_argon2id_hash(
    client: TestClient,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    who: str,
    password: str,
    stand_in: bool,
) -> None:
    """An unknown address costs what a wrong password costs, one Argon2id verification
    (of the stand-in hash), so the response time does not reveal who has an account."""
    hasher = CountingHasher()
    monkeypatch.setattr(accounts, "_hasher", hasher)
    sign_in_form(client, who, password)
    assert 1 == len(hasher.verified)
    assert stand_in == (hasher.verified[0] == accounts._DUMMY_HASH)


def test_five_wrong_passwords_lock_the_address_for_fifteen_minutes(
    client: TestClient, world: World
) -> None:
    """The sixth attempt is 429 with Retry-After even with the right password; after the
    window it works again. Other addresses are not locked."""
    for attempt in range(5):
        response = sign_in_form(client, COORDINATOR, f"guess number {attempt}")
        assert (401, WRONG) == (response.status_code, alert(response))
    with unchanged(world.services):
        response = sign_in_form(client, COORDINATOR.upper(), PASSWORD)
        assert (429, "900") == (response.status_code, response.headers["retry-after"])
        assert (
            f"too many wrong passwords for {COORDINATOR}; try again in 15 minutes"
        ) == alert(response)
        assert "set-cookie" not in response.headers
    assert 303 == sign_in_form(client, SUPERVISOR, PASSWORD).status_code
    world.clock.advance(timedelta(minutes=14))
    assert 429 == sign_in_form(client, COORDINATOR, PASSWORD).status_code
    world.clock.advance(timedelta(minutes=1))
    response = sign_in_form(client, COORDINATOR, PASSWORD)
    assert (303, "/") == (response.status_code, response.headers["location"])


def test_failed_sign_ins_are_counted_per_address(client: TestClient, world: World) -> None:
    for _ in range(3):
        sign_in_form(client, "Nobody@ASEAN.example", "whatever it is")
    with world.services.db.reading() as session:
        counted = session.scalars(select(SignInFailure.email)).all()
    assert ["nobody@asean.example"] * 3 == counted


# -- login CSRF: a sign-in form posted from another site ---------------------------------


def posted_from(client: TestClient, headers: dict[str, str], password: str = PASSWORD) -> Any:
    client.cookies.clear()
    return client.post(
        "/signin", data={"email": COORDINATOR, "password": password}, headers=headers
    )


@pytest.mark.parametrize("headers, reason", [
    ({"Origin": "https://evil.example"},
     "this form was sent from https://evil.example, not from Attache"),
    ({"Origin": "null"}, "this form was sent from null, not from Attache"),
    ({"Origin": "http://testserver:8080"},
     "this form was sent from http://testserver:8080, not from Attache"),
    ({"Origin": "https://testserver"},
     "this form was sent from https://testserver, not from Attache"),
    ({"Sec-Fetch-Site": "cross-site"}, "the browser says this form was sent from another "
                                       "site (cross-site)"),
    ({"Sec-Fetch-Site": "same-site", "Origin": "http://testserver"},
     "the browser says this form was sent from another site (same-site)"),
])
def test_a_sign_in_posted_from_another_site_is_refused_and_changes_nothing(
    client: TestClient, world: World, headers: dict[str, str], reason: str
) -> None:
    """The right password, but from a foreign page: 403, no cookie, no session, and not
    counted as a failed attempt (else another site could lock a coordinator out)."""
    with unchanged(world.services):
        response = posted_from(client, headers)
        assert 403 == response.status_code
        assert (
            f"sign-in refused: {reason}; open Attache's own sign-in page and sign in there"
        ) == alert(response)
        assert "set-cookie" not in response.headers
        for _ in range(6):  # more than the throttle allows: none of them counts
            assert 403 == posted_from(client, headers, "wrong").status_code
    assert 303 == posted_from(client, {}).status_code


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
    {"Sec-Fetch-Site": "none"},
    {"Origin": "http://testserver"},
    {"Origin": "https://attache.asean.example", "X-Forwarded-Proto": "https",
     "X-Forwarded-Host": "attache.asean.example"},
    {},
])
def test_a_sign_in_from_our_own_page_or_without_a_browser_works(
    client: TestClient, world: World, headers: dict[str, str]
) -> None:
    response = posted_from(client, headers)
    assert (303, "/") == (response.status_code, response.headers["location"])
    assert SESSION_COOKIE in response.headers["set-cookie"]


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example", "http://evil.example/path", "\\\\evil.example",
    " //evil.example", "/\\evil.example", "/\t/evil.example", "javascript:alert(1)",
])
def test_next_never_leads_off_site(client: TestClient, world: World, target: str) -> None:
    """Whatever ``next`` says, the redirect after signing in stays on this site."""
    response = sign_in_form(client, COORDINATOR, PASSWORD, next=target)
    assert 303 == response.status_code
    location = response.headers["location"]
    # How a browser reads it (WHATWG): backslashes are slashes, tabs and newlines vanish.
    as_browser = location.replace("\\", "/").replace("\t", "").replace("\n", "")
    assert as_browser.startswith("/") and not as_browser.startswith("//"), location
    assert ("", "") == (urlsplit(as_browser).scheme, urlsplit(as_browser).netloc), location
    # The form carries ``next`` back: it holds no absolute or scheme-relative address.
    page = client.get("/signin", params={"next": target})
    shown = re.search(r'name="next" value="([^"]*)"', page.text)
    assert shown
    value = html.unescape(shown.group(1))
    assert value.startswith("/") and not value.startswith("//") and "://" not in value, value


def test_next_leads_back_to_the_page_asked_for(client: TestClient, world: World) -> None:
    response = client.get(f"/officers/{world.mine}?done=ok")
    assert (303, f"/signin?next=/officers/{world.mine}%3Fdone%3Dok") == (
        response.status_code, response.headers["location"])
    response = sign_in_form(client, COORDINATOR, PASSWORD, next=f"/officers/{world.mine}?done=ok")
    assert f"/officers/{world.mine}?done=ok" == response.headers["location"]


def test_the_stand_in_hash_costs_what_a_stored_one_costs() -> None:
    """The hash verified for a user without a password has the hasher's parameters, so
    checking it takes as long as checking a real one (it is written out, not made at
    import: that cost every process a quarter of a second)."""
    assert not accounts._hasher.check_needs_rehash(accounts._DUMMY_HASH)


def test_passwords_are_stored_as_argon2id_hashes_only(
    client: TestClient, world: World
) -> None:
    """Set through the admin's users page: a salted Argon2id hash, never the password."""
    signed = world.session(Role.ADMIN)
    password = "Vientiane 2024 chairmanship"
    response = client.post("/users", data={
        "csrf_token": signed.csrf, "name": "Ekkaphab Phanthavong",
        "email": "ekkaphab@asean.example", "role": "coordinator", "password": password,
    }, headers=session_cookie(signed))
    assert 303 == response.status_code, response.text
    accounts.set_password(world.services, SUPERVISOR, password)  # the same password again
    with world.services.db.reading() as session:
        stored = dict(session.execute(select(User.email, User.password_hash)).all())
    hashes = [stored["ekkaphab@asean.example"], stored[SUPERVISOR]]
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert hashes[0] != hashes[1]  # salted
    assert not any(password in h for h in stored.values() if h)
    assert 303 == sign_in_form(client, "ekkaphab@asean.example", password).status_code
    with unchanged(world.services):
        response = client.post("/users", data={
            "csrf_token": signed.csrf, "name": "Short", "email": "short@asean.example",
            "role": "viewer", "password": "too short",
        }, headers=session_cookie(signed))
        assert (422, "a password needs at least 10 characters") == (
            response.status_code, alert(response))


def test_resetting_a_password_signs_the_user_out_everywhere(
    client: TestClient, world: World
) -> None:
    token, _ = browser_session(client, SUPERVISOR)
    accounts.set_password(world.services, SUPERVISOR, "a brand new passphrase")
    response = client.get("/inbox", headers={"Cookie": f"{SESSION_COOKIE}={token}"})
    assert (303, "/signin?next=/inbox") == (response.status_code, response.headers["location"])


# -- API tokens ------------------------------------------------------------------------


def test_a_token_made_on_the_account_page_works_until_revoked(
    client: TestClient, world: World
) -> None:
    """Shown once on the page, then a bearer token for the API; revoked, it is 401."""
    signed = world.session(Role.SUPERVISOR)
    page = client.post("/account/tokens", data={"csrf_token": signed.csrf, "label": "laptop"},
                       headers=session_cookie(signed))
    assert 200 == page.status_code
    found = re.search(r"(att_[A-Za-z0-9_-]{20,})", page.text)
    assert found, page.text
    headers = {"Authorization": f"Bearer {found.group(1)}"}
    assert SUPERVISOR == client.get("/api/me", headers=headers).json()["email"]
    # the seeded token and the new one
    assert 2 == accounts.revoke_tokens(world.services, SUPERVISOR, actor=SUPERVISOR)
    with unchanged(world.services):
        response = client.get("/api/me", headers=headers)
        assert "unknown or revoked API token" == problem(response, 401, "not_signed_in")[
            "detail"]
        problem(client.get("/api/inbox", headers=world.bearer(Role.SUPERVISOR)), 401,
                "not_signed_in")
    assert 200 == client.get("/api/me", headers=world.bearer(Role.COORDINATOR)).status_code
