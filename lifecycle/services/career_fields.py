"""What a career record or a testimonial may hold: each field checked, every problem
named at once in one InvalidData. Shared by the coordinators' forms and the alumni's
survey answers, so both accept exactly the same things."""

from __future__ import annotations

import unicodedata
from datetime import date

import pycountry

from lifecycle.errors import InvalidData
from lifecycle.roles import COUNTRIES
from lifecycle.services.validation import clean_text, iso_date

KINDS = ("promotion", "posting", "other")
EARLIEST = date(1990, 1, 1)  # the programme began in 2001; older dates are typing slips
TEXT_LIMITS = {"position": 200, "organisation": 300}
TESTIMONIAL_LIMIT = 4000


def career_fields(
    kind: str,
    position: str,
    organisation: str,
    country: str,
    from_date: str | date,
    today: date,
) -> dict[str, object]:
    """The columns of a career record, checked: every problem in one InvalidData."""
    problems: dict[str, str] = {}
    values: dict[str, object] = {}
    cleaned_kind = (kind or "").strip().lower()
    if cleaned_kind not in KINDS:
        problems["kind"] = f"kind {kind!r} is not one of {', '.join(KINDS)}"
    values["kind"] = cleaned_kind
    for field, value in (("position", position), ("organisation", organisation)):
        try:
            values[field] = bounded(value, field, TEXT_LIMITS[field])
        except InvalidData as exc:
            problems[field] = exc.message
    try:
        values["country"] = any_country(country)
    except InvalidData as exc:
        problems["country"] = exc.message
    try:
        values["from_date"] = career_date(from_date, today)
    except InvalidData as exc:
        problems["from_date"] = exc.message
    if problems:
        raise InvalidData("; ".join(problems.values()), fields=problems)
    return values


def any_country(value: str) -> str:
    """Any ISO 3166-1 country, by code (JP, JPN) or English name, as its alpha-2 code.

    Alumni are posted anywhere (consul in Osaka, ambassador in Jakarta), unlike the four
    home countries officers are nominated from; the programme's own spellings of those
    ("Lao PDR", "Viet Nam") are accepted too.
    """
    text = " ".join((value or "").split())
    programme = {name.casefold(): code for code, name in COUNTRIES.items()}
    if text.casefold() in programme:
        return programme[text.casefold()]
    try:
        code: str = pycountry.countries.lookup(text).alpha_2
    except LookupError:
        raise InvalidData(
            f"country {value!r} is not an ISO 3166 country: give its two-letter code "
            "(e.g. JP, ID) or its English name (e.g. Japan)",
            fields={"country": "unknown"},
        ) from None
    return code


def country_name(code: str) -> str:
    if code in COUNTRIES:
        return COUNTRIES[code]
    found = pycountry.countries.get(alpha_2=code)
    return str(getattr(found, "common_name", None) or found.name) if found else code


def plain_text(value: str | None, field: str, limit: int, *, lines: bool = False) -> str | None:
    """Trimmed and NFC-normalised (as names are); None if empty. Control characters are
    refused (PostgreSQL cannot even store NUL), except line breaks where ``lines``."""
    cleaned = clean_text(value)
    if cleaned is None:
        return None
    cleaned = unicodedata.normalize("NFC", cleaned)
    allowed = "\n\r\t" if lines else ""
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in cleaned):
        raise InvalidData(
            f"{field} contains a control character; only plain text is allowed",
            fields={field: "control character"},
        )
    if len(cleaned) > limit:
        raise InvalidData(
            f"{field} is {len(cleaned)} characters long; at most {limit} are allowed",
            fields={field: "too long"},
        )
    return cleaned


def bounded(value: str | None, field: str, limit: int, *, lines: bool = False) -> str:
    cleaned = plain_text(value, field, limit, lines=lines)
    if cleaned is None:
        raise InvalidData(f"{field} must not be empty", fields={field: "required"})
    return cleaned


def career_date(value: str | date, today: date) -> date:
    day = value if isinstance(value, date) else iso_date(clean_text(value) or "", "from date")
    if not EARLIEST <= day <= today:
        raise InvalidData(
            f"from date {day.isoformat()} must lie between {EARLIEST.isoformat()} and today "
            f"({today.isoformat()})",
            fields={"from_date": "out of range"},
        )
    return day
