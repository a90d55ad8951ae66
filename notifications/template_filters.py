"""The date filters templates use: ``longdate``, ``shortdate`` and ``monthyear``.

Names of days and months are spelled out here rather than taken from ``strftime``,
whose ``%A``/``%B`` follow the server's locale: a reminder must read the same whether
the scheduler runs on an English or an Indonesian machine.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from jinja2.exceptions import FilterArgumentError

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _check(value: object, filter_name: str) -> date:
    # A FilterArgumentError is a template error: the renderer reports it with the
    # template's file and line, which is where the misuse is.
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise FilterArgumentError(
                f"{filter_name} got a datetime without a time zone ({value.isoformat()})"
            )
        return value
    if isinstance(value, date):
        return value
    raise FilterArgumentError(f"{filter_name} expects a date or datetime, got {value!r}")


def _zone_label(value: datetime) -> str:
    if isinstance(value.tzinfo, ZoneInfo):
        return value.tzinfo.key
    return value.tzname() or value.strftime("%z")


def longdate(value: object) -> str:
    """``Friday 3 March 2023, 09:00 (Asia/Jakarta)``; a plain date has no time part."""
    day = _check(value, "longdate")
    text = f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"
    if isinstance(day, datetime):
        text += f", {day:%H:%M} ({_zone_label(day)})"
    return text


def shortdate(value: object) -> str:
    """``3 Mar 2023``, for tables and subjects."""
    day = _check(value, "shortdate")
    return f"{day.day} {_MONTHS[day.month - 1][:3]} {day.year}"


def monthyear(value: object) -> str:
    """``March 2023``."""
    day = _check(value, "monthyear")
    return f"{_MONTHS[day.month - 1]} {day.year}"


FILTERS: dict[str, Callable[[object], str]] = {
    "longdate": longdate,
    "shortdate": shortdate,
    "monthyear": monthyear,
}
