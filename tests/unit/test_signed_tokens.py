"""The signed link token on its own: what it carries, and that nothing else passes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from itsdangerous import URLSafeSerializer

from lifecycle.signed_tokens import Claim, InvalidToken, Purpose
from lifecycle.signed_tokens import read as read_any
from lifecycle.signed_tokens import sign as sign_any

SECRET = "installation secret"
CLAIM = Claim(42, "n0nce-value", datetime(2024, 3, 1, 17, 0, tzinfo=UTC))
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
SALT = Purpose.SURVEY.value


def sign(secret: str, claim: Claim) -> str:
    return sign_any(secret, Purpose.SURVEY, claim)


def read(secret: str, token: str) -> Claim:
    return read_any(secret, Purpose.SURVEY, token)


def test_a_token_reads_back_as_the_claim_it_was_signed_with() -> None:
    assert CLAIM == read(SECRET, sign(SECRET, CLAIM))


def test_every_one_character_change_is_refused() -> None:
    """Payload, separator or signature, even the spare bits of base64's last character:
    only the exact token we issued reads."""
    token = sign(SECRET, CLAIM)
    for at in range(len(token)):
        for replacement in ALPHABET.replace(token[at], ""):
            with pytest.raises(InvalidToken):
                read(SECRET, token[:at] + replacement + token[at + 1 :])


@given(st.text(alphabet=ALPHABET, max_size=120))
def test_no_made_up_token_reads(token: str) -> None:
    with pytest.raises(InvalidToken):
        read(SECRET, token)


def test_another_secret_or_purpose_is_refused() -> None:
    token = sign(SECRET, CLAIM)
    with pytest.raises(InvalidToken):
        read("another installation", token)
    other_purpose = URLSafeSerializer(SECRET, salt="something else").dumps(
        {"s": 42, "n": "n0nce-value", "e": 1709312400}
    )
    with pytest.raises(InvalidToken):
        read(SECRET, other_purpose)


@pytest.mark.parametrize(
    "payload",
    [
        [42, "nonce", 1709312400],
        {"s": "42", "n": "nonce", "e": 1709312400},
        {"s": True, "n": "nonce", "e": 1709312400},
        {"s": 42, "n": 7, "e": 1709312400},
        {"s": 42, "n": "nonce", "e": 10**20},
        {"s": 42, "n": "nonce"},
        {"s": 42, "n": "nonce", "e": 1709312400, "a": ["approve"]},
    ],
    ids=["list", "id-text", "id-bool", "nonce-number", "expiry-overflow", "no-expiry", "scope"],
)
def test_a_genuine_signature_over_an_unexpected_shape_is_refused(payload: object) -> None:
    """Only a bug or an old format could sign these; they are refused, not crashed on."""
    token = URLSafeSerializer(SECRET, salt=SALT).dumps(payload)
    with pytest.raises(InvalidToken):
        read(SECRET, token)


def test_survey_links_issued_before_the_token_module_was_shared_still_read() -> None:
    """The survey salt and payload keys are what the first survey links were signed with."""
    issued = URLSafeSerializer(SECRET, salt="attache.alumni-survey.v1").dumps(
        {"s": 42, "n": "n0nce-value", "e": 1709312400}
    )
    assert read(SECRET, issued) == CLAIM


@pytest.mark.parametrize("issued_for", list(Purpose))
def test_a_token_for_one_purpose_never_reads_as_another(issued_for: Purpose) -> None:
    token = sign_any(SECRET, issued_for, CLAIM)
    assert read_any(SECRET, issued_for, token) == CLAIM
    for other in Purpose:
        if other is not issued_for:
            with pytest.raises(InvalidToken):
                read_any(SECRET, other, token)


def test_the_scope_is_signed_with_the_rest() -> None:
    scoped = Claim(7, "", CLAIM.expires_at, "approve placement.final")
    token = sign_any(SECRET, Purpose.ACTION, scoped)
    assert read_any(SECRET, Purpose.ACTION, token) == scoped
    payload = URLSafeSerializer(SECRET, salt=Purpose.ACTION.value).loads(token)
    payload["a"] = "return placement.final"
    edited = URLSafeSerializer("guessed", salt=Purpose.ACTION.value).dumps(payload)
    with pytest.raises(InvalidToken):
        read_any(SECRET, Purpose.ACTION, edited)
