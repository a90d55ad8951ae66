"""Signed, expiring survey links: what the alumnus's personal URL carries.

The token is itsdangerous' ``URLSafeSerializer`` over ``{survey id, nonce, expiry}``:
a signature (HMAC-SHA1 over a key derived from the installation's secret and ``SALT``)
proves we issued it, so nothing in it needs to be looked up to be trusted. The expiry
is checked by the caller against the injected clock, never the wall clock, which is
why this is not itsdangerous' ``TimestampSigner`` (it reads ``time.time()``).

Pure: no database, no clock. ``lifecycle.services.surveys`` decides what a valid
claim still allows (answered? re-issued? closed?).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadData, URLSafeSerializer

# Another purpose signed with the same secret gets another key: a token made for one
# can never be read as the other.
SALT = "attache.alumni-survey.v1"


@dataclass(frozen=True)
class SurveyClaim:
    """What a genuine token says: which survey round, which link of it, until when."""

    survey_id: int
    nonce: str
    expires_at: datetime


class InvalidToken(ValueError):
    """Not a token we signed (garbled, cut short, edited, or signed with another key)."""


def sign(secret: str, claim: SurveyClaim) -> str:
    payload = {"s": claim.survey_id, "n": claim.nonce, "e": int(claim.expires_at.timestamp())}
    token: str = URLSafeSerializer(secret, salt=SALT).dumps(payload)
    return token


def read(secret: str, token: str) -> SurveyClaim:
    """The claim ``token`` carries; InvalidToken unless we signed exactly this."""
    serializer = URLSafeSerializer(secret, salt=SALT)
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
    survey_id, nonce, expiry = payload.get("s"), payload.get("n"), payload.get("e")
    if not (
        isinstance(survey_id, int)
        and isinstance(nonce, str)
        and isinstance(expiry, int)
        and not isinstance(survey_id, bool)
        and not isinstance(expiry, bool)
    ):
        raise InvalidToken(token)
    try:
        expires_at = datetime.fromtimestamp(expiry, UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidToken(token) from None
    return SurveyClaim(survey_id, nonce, expires_at)
