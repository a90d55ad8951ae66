"""Refusing cross-site form posts that carry no session yet (login CSRF).

A forged sign-in form on another site would sign the victim's browser into the
attacker's account: whatever they then type (a passport number, a comment) lands there.
The session's CSRF token cannot help, since there is no session yet.

We judge by where the browser says the post came from rather than by a pre-session token,
because browsers tell us reliably and a token would cost a cookie and a state before
anyone has signed in:

- ``Sec-Fetch-Site`` (Fetch Metadata) is set by the browser itself and cannot be set by a
  page's script; every browser that can run the console sends it. Only ``same-origin`` is a
  form of ours. ``none`` means the user acted directly (a bookmark, the address bar), which
  no other site can cause either.
- Failing that (an older browser), ``Origin``, which browsers send on every cross-origin
  POST, must name this site: scheme, host and port of the address the request was sent to.
- A request with neither header is not a browser's, so no victim's browser is riding on it
  (curl, the test client, a script with its own credentials): it is allowed, and the
  password is still checked and throttled as usual.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})


def cross_site_reason(request: Request) -> str | None:
    """Why this post is refused as cross-site, or None when it came from our own page."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        if fetch_site.lower() in ALLOWED_FETCH_SITES:
            return None
        return f"the browser says this form was sent from another site ({fetch_site})"
    origin = request.headers.get("origin")
    if origin is None:
        return None
    if _same_origin(origin, request):
        return None
    return f"this form was sent from {origin}, not from Attache"


def _same_origin(origin: str, request: Request) -> bool:
    # "null" is what a sandboxed frame or a file:// page sends: never ours.
    sent = urlsplit(origin)
    if not sent.scheme or not sent.netloc:
        return False
    ours = request.url
    forwarded_proto = request.headers.get("x-forwarded-proto")
    forwarded_host = request.headers.get("x-forwarded-host")
    scheme = (forwarded_proto or ours.scheme).split(",")[0].strip().lower()
    host = (forwarded_host or request.headers.get("host") or ours.netloc).split(",")[0].strip()
    return (sent.scheme.lower(), sent.netloc.lower()) == (scheme, host.lower())
