"""Signed, expiring links: the one token format behind every URL that stands in for a
password (an alumnus's survey, a reminder's "Approve", a ministry's invitation).

The token is itsdangerous' ``URLSafeSerializer`` over ``{row id, nonce, expiry[, scope]}``: a
signature (HMAC-SHA1 over a key derived from the installation's secret and the
purpose's salt) proves we issued it, so nothing in it needs to be looked up to be
trusted. The row it names says what the link may still do (answered, used, revoked);
the nonce lets a re-issued row kill its earlier links. The expiry is checked by the
caller against the injected clock, never the wall clock, which is why this is not
itsdangerous' ``TimestampSigner`` (it reads ``time.time()``).

Pure: no database, no clock.
"""

from __future__ import annotations

import functools
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from itsdangerous import BadData, URLSafeSerializer


class Purpose(StrEnum):
    """One salt per kind of link: another purpose signed with the same secret gets another
    key, so a token made for one can never be read as the other (a survey link is no
    "Approve" link, however it is edited)."""

    SURVEY = "attache.alumni-survey.v1"  # the salt survey links were first issued under
    ACTION = "attache.action-link.v1"
    INVITATION = "attache.nomination-invitation.v1"


@dataclass(frozen=True)
class Claim:
    """What a genuine token says: which row, which issue of it, until when, and (for a
    link that acts) what it may do there, e.g. "approve placement.final"."""

    row_id: int
    nonce: str
    expires_at: datetime
    scope: str = ""


class InvalidToken(ValueError):
    """Not a token we signed for this purpose (garbled, cut short, edited, signed with
    another key or for another purpose)."""


@functools.lru_cache(maxsize=16)
def _serializer(secret: str, purpose: Purpose) -> URLSafeSerializer:
    # Made once per key and purpose: a dispatch pass signs a few links per reminder.
    return URLSafeSerializer(secret, salt=purpose.value)


def sign(secret: str, purpose: Purpose, claim: Claim) -> str:
    # "s", "n", "e": the keys survey links were first issued with, so those still read.
    payload: dict[str, object] = {
        "s": claim.row_id, "n": claim.nonce, "e": int(claim.expires_at.timestamp())
    }
    if claim.scope:
        payload["a"] = claim.scope
    token: str = _serializer(secret, purpose).dumps(payload)
    return token


def read(secret: str, purpose: Purpose, token: str) -> Claim:
    """The claim ``token`` carries; InvalidToken unless we signed exactly this."""
    serializer = _serializer(secret, purpose)
    try:
        payload = serializer.loads(token)
    except BadData:
        raise InvalidToken(token) from None
    # Base64's last character carries spare bits, so a few one-character edits decode
    # to the same signed bytes. Harmless, but only the exact token we issued is a link.
    if not hmac.compare_digest(serializer.dumps(payload), token):
        raise InvalidToken(token)
    # A genuine signature over an unexpected shape can only come from a bug or an old
    # format: refuse it the same way rather than crash on it.
    if not isinstance(payload, dict):
        raise InvalidToken(token)
    row_id, nonce, expiry = payload.get("s"), payload.get("n"), payload.get("e")
    scope = payload.get("a", "")
    if not (
        isinstance(row_id, int)
        and isinstance(nonce, str)
        and isinstance(scope, str)
        and isinstance(expiry, int)
        and not isinstance(row_id, bool)
        and not isinstance(expiry, bool)
    ):
        raise InvalidToken(token)
    try:
        expires_at = datetime.fromtimestamp(expiry, UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidToken(token) from None
    return Claim(row_id, nonce, expires_at, scope)
