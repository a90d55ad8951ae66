"""Who is asking, and may they: one dependency per route declares the roles it allows.

Pages authenticate with the session cookie and, for every form post, the session's
CSRF token (synchronizer-token pattern). The API authenticates with a bearer token
only: no cookie is ever accepted there, so cross-site requests cannot ride on it.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Depends, Request

from lifecycle.errors import NotSignedIn, PermissionDenied
from lifecycle.roles import Role
from lifecycle.services import Services
from lifecycle.services.accounts import Visitor, session_visitor, token_visitor

SESSION_COOKIE = "attache_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
EVERYONE = tuple(Role)


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


class PageSignInNeeded(NotSignedIn):
    """A page asked by a browser without a session: answered with a redirect to sign in."""


async def page_visitor(request: Request) -> Visitor:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise PageSignInNeeded("sign in to continue")
    try:
        visitor = session_visitor(services_of(request), token)
    except NotSignedIn as exc:
        raise PageSignInNeeded(exc.message) from None
    request.state.visitor = visitor  # for the page layout, even on an error page
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        await _check_csrf(request, visitor)
    return visitor


async def _check_csrf(request: Request, visitor: Visitor) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not visitor.csrf or not hmac.compare_digest(sent, visitor.csrf):
        raise PermissionDenied(
            "this form has expired or did not come from Attache (CSRF check failed); "
            "reload the page and try again"
        )


def api_visitor(request: Request) -> Visitor:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotSignedIn("send an API token as 'Authorization: Bearer <token>'")
    return token_visitor(services_of(request), token.strip())


Dependency = Callable[..., Coroutine[Any, Any, Visitor]]


def _gate(source: Callable[..., Any], roles: tuple[Role, ...]) -> Dependency:
    allowed = set(roles) | {Role.ADMIN}

    async def gate(visitor: Visitor = Depends(source)) -> Visitor:
        if visitor.role not in allowed:
            needed = ", ".join(sorted(r.value for r in allowed))
            raise PermissionDenied(f"{visitor.email} is a {visitor.role}; this needs: {needed}")
        return visitor

    gate.allowed_roles = frozenset(allowed)  # type: ignore[attr-defined]
    return gate


def page(*roles: Role) -> Any:
    """``Depends`` for a page: signed-in with one of ``roles`` (admins always)."""
    return Depends(_gate(page_visitor, roles))


def api(*roles: Role) -> Any:
    """``Depends`` for an API endpoint: a bearer token of one of ``roles`` (admins always)."""
    return Depends(_gate(api_visitor, roles))


def safe_local_path(target: str | None) -> str:
    # Only a path on this site: never an absolute URL an attacker could plant, nor one
    # a browser might read as one ("/\\evil.example", control characters).
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
    ):
        return target
    return "/"
