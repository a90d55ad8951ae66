"""Checks on what users type, each failing with one clear InvalidData message."""

from __future__ import annotations

from datetime import date
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from lifecycle.errors import InvalidData
from lifecycle.roles import COUNTRIES, Role


def clean_text(value: str | None) -> str | None:
    """Trim; empty means absent. Names keep their script and order exactly as typed."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def required(value: str | None, field: str) -> str:
    cleaned = clean_text(value)
    if cleaned is None:
        raise InvalidData(f"{field} must not be empty", fields={field: "required"})
    return cleaned


def email(value: str) -> str:
    # Imported here: email_validator (with idna) is a fiftieth of a second that every
    # command would pay at start-up and only those taking an address need.
    from email_validator import EmailNotValidError, validate_email

    try:
        # Deliverability needs DNS, which the Secretariat's servers may not have.
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidData(
            f"e-mail {value!r} is not valid: {exc}", fields={"email": str(exc)}
        ) from None
    return result.normalized.lower()


def country(value: str) -> str:
    """A code (KH) or the name the programme writes (Cambodia, Lao PDR, Viet Nam), any case."""
    code = _COUNTRY_NAMES.get(" ".join(value.split()).casefold(), value.strip().upper())
    if code not in COUNTRIES:
        allowed = ", ".join(f"{c} ({n})" for c, n in COUNTRIES.items())
        raise InvalidData(
            f"country {value!r} is not one of {allowed}", fields={"country": "unknown"}
        )
    return code


def timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidData(
            f"time zone {value!r} is not an IANA zone name (e.g. Asia/Jakarta, Asia/Yangon)",
            fields={"timezone": "unknown"},
        ) from None
    if value not in _zone_names() and value != "UTC":
        raise InvalidData(f"time zone {value!r} is not an IANA zone name")
    return value


def role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidData(
            f"role {value!r} is not one of {allowed}", fields={"role": "unknown"}
        ) from None


def iso_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidData(
            f"{field} {value!r} is not a date like 2023-02-01", fields={field: "not a date"}
        ) from None


_COUNTRY_NAMES = {name.casefold(): code for code, name in COUNTRIES.items()}


@cache
def _zone_names() -> frozenset[str]:
    # Scanning the zone database takes ~0.1 s: once per process is enough.
    return frozenset(available_timezones())
