"""Passwords, browser sessions and API tokens: who is acting, proven.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's low-memory
profile). Session cookies and API tokens are random 256-bit secrets of which only a
SHA-256 is stored: they are already unguessable, so a slow hash would add nothing but
latency to every request, while a stolen database still yields no usable cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lifecycle.errors import InvalidData, NotSignedIn, TooManyAttempts
from lifecycle.persistence import repository as repo
from lifecycle.persistence.tables import ApiToken, SignInFailure, User, WebSession
from lifecycle.roles import Role
from lifecycle.services import setup
from lifecycle.services.context import Services, require_role

MIN_PASSWORD_LENGTH = 10
SESSION_LIFETIME = timedelta(hours=12)
# Five wrong passwords for one address within 15 minutes lock it for the rest of them.
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5

_hasher = PasswordHasher()
# Verified when the address is unknown, so a wrong address costs as long as a wrong
# password and response times do not reveal who has an account. The hash of a random
# secret nobody kept, with _hasher's parameters (tests/web/test_sessions.py checks they
# still agree): hashing one at import cost every process that imports this module
# (the web app, every `attache reminders dispatch`) a quarter of a second and 64 MiB.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$pyToW1UIz42KlWTnRCS5tg$zBBV96EgP0VYOzr9Ua/56bdiweMebxwudC1lLsZhZjw"  # noqa: E501


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_password_strength(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidData(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters",
            fields={"password": f"at least {MIN_PASSWORD_LENGTH} characters"},
        )
    return password


def add_user(
    services: Services,
    *,
    name: str,
    email: str,
    role: str,
    timezone: str | None = None,
    password: str | None = None,
) -> User:
    """A new user who, given ``password``, can sign in at once: one transaction, so a
    refused password leaves no user behind and a refused user no password."""
    hashed = None if password is None else _hasher.hash(check_password_strength(password))
    return setup.add_user(
        services, name=name, email=email, role=role, timezone=timezone, password_hash=hashed
    )


def set_password(services: Services, email: str, password: str) -> None:
    """Set (or reset) a user's password; signs out the user's other sessions."""
    set_passwords(services, [email], password)


def set_passwords(services: Services, emails: Sequence[str], password: str) -> None:
    """One password for several users at once, in one transaction; hashed once, since
    each Argon2id hash costs a quarter of a second. Signs out their other sessions.

    For the demo's and the tests' sign-ins only: the users share one hash and one salt,
    so anyone who can read the users table sees who shares the password. Real accounts
    get ``set_password``, one hash each."""
    hashed = _hasher.hash(check_password_strength(password))
    with services.transaction() as session:
        for email in emails:
            user = repo.user_by_email(session, email)
            user.password_hash = hashed
            session.execute(delete(WebSession).where(WebSession.user_id == user.id))


@dataclass(frozen=True)
class SignedIn:
    """What the browser keeps (``token``) and what its forms must echo (``csrf``)."""

    user_id: int
    token: str
    csrf: str


def sign_in(services: Services, email: str, password: str) -> SignedIn:
    """Check the password and open a session, or record the failure and refuse."""
    address = email.strip().lower()
    now = services.now()
    with services.transaction() as session:
        recent = session.scalar(
            select(func.count())
            .select_from(SignInFailure)
            .where(SignInFailure.email == address)
            .where(SignInFailure.occurred_at > now - FAILURE_WINDOW)
        )
        if (recent or 0) >= MAX_FAILURES:
            raise TooManyAttempts(
                f"too many wrong passwords for {address}; try again in "
                f"{int(FAILURE_WINDOW.total_seconds() // 60)} minutes",
                retry_after_seconds=int(FAILURE_WINDOW.total_seconds()),
            )
    with services.transaction() as session:
        user = session.scalar(select(User).where(User.email == address))
        if not _password_matches(user, password) or user is None:
            # Committed although we refuse: the failure must count towards the limit.
            session.add(SignInFailure(email=address, occurred_at=now))
            signed_in = None
        else:
            signed_in = _open_session(session, user, password, now)
            # The console is their way in now: the links still in their mailbox are void.
            user.links_revoked_at = now
    if signed_in is None:
        raise NotSignedIn("wrong e-mail address or password")
    return signed_in


def _open_session(session: Session, user: User, password: str, now: datetime) -> SignedIn:
    if _hasher.check_needs_rehash(user.password_hash or ""):
        user.password_hash = _hasher.hash(password)
    return open_session(session, user, now)


def open_session(session: Session, user: User, now: datetime) -> SignedIn:
    """A browser session for ``user``, who has proved who they are (a password, or a
    signed link from their own mailbox)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=_digest(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return SignedIn(user.id, token, csrf)


def _password_matches(user: User | None, password: str) -> bool:
    """Whether ``password`` is the user's. Exactly one Argon2id verification whatever
    the case (an unknown address, a user without a password, a wrong or a right
    password), so the time a refusal takes does not tell who has an account."""
    stored = user.password_hash if user is not None else None
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and bool(stored)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Visitor:
    """The signed-in user behind a request, detached from any database session."""

    id: int
    email: str
    name: str
    role: Role
    timezone: str
    csrf: str | None = None  # browser sessions only


def _visitor(user: User, csrf: str | None = None) -> Visitor:
    return Visitor(user.id, user.email, user.name, Role(user.role), user.timezone, csrf)


def session_visitor(services: Services, token: str) -> Visitor:
    with services.db.reading() as session:
        row = session.scalar(select(WebSession).where(WebSession.token_hash == _digest(token)))
        if row is None or row.expires_at <= services.now():
            raise NotSignedIn("your session has ended; sign in again")
        return _visitor(row.user, row.csrf_token)


def sign_out(services: Services, token: str) -> None:
    with services.transaction() as session:
        session.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))


def issue_token(services: Services, email: str, label: str, *, actor: str) -> str:
    """A new API token for ``email``; the secret is returned once and never stored."""
    with services.transaction() as session:
        acting = repo.user_by_email(session, actor)
        owner = repo.user_by_email(session, email)
        if acting.id != owner.id:
            require_role(acting, (Role.ADMIN,), "issuing a token for someone else")
        text = label.strip()
        if not text or len(text) > 100:
            raise InvalidData(
                "a token needs a label of 1 to 100 characters", fields={"label": "1-100 characters"}
            )
        token = "att_" + secrets.token_urlsafe(32)
        session.add(
            ApiToken(
                token_hash=_digest(token), user_id=owner.id, label=text, created_at=services.now()
            )
        )
        return token


def token_visitor(services: Services, token: str) -> Visitor:
    with services.db.reading() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
        if row is None or row.revoked_at is not None:
            raise NotSignedIn("unknown or revoked API token")
        return _visitor(row.user)


def revoke_tokens(services: Services, email: str, *, actor: str) -> int:
    with services.transaction() as session:
        acting = repo.user_by_email(session, actor)
        owner = repo.user_by_email(session, email)
        if acting.id != owner.id:
            require_role(acting, (Role.ADMIN,), "revoking someone else's tokens")
        rows = session.scalars(
            select(ApiToken).where(ApiToken.user_id == owner.id, ApiToken.revoked_at.is_(None))
        ).all()
        for row in rows:
            row.revoked_at = services.now()
        return len(rows)
