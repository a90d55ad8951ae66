"""When a reminder may reach its recipient: inside their working hours, in their zone.

A reminder that falls due at 03:00 in Yangon waits until 09:00 Yangon time, so it is
at the top of the inbox when the day starts rather than buried under the night's mail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lifecycle.clock import ensure_utc
from lifecycle.errors import ConfigurationError
from notifications.workdays import WorkingCalendar

MONDAY_TO_FRIDAY = frozenset(range(5))

# Bounds the search for an open day: with at least one weekday open there is one within
# a week, unless a calendar closes everything; two years of closures is a broken setup.
_MAX_DAYS_AHEAD = 2 * 366


@dataclass(frozen=True)
class WorkingHours:
    """A daily window ``[start, end)`` in local wall-clock time on some weekdays."""

    start: time = time(9)
    end: time = time(17)
    weekdays: frozenset[int] = MONDAY_TO_FRIDAY  # date.weekday(): Monday is 0

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ConfigurationError(
                "working hours are wall-clock times: the zone comes from the recipient"
            )
        if not self.start < self.end:
            raise ConfigurationError(
                f"working hours start {self.start:%H:%M} must be before end {self.end:%H:%M}"
            )
        if not self.weekdays or not self.weekdays <= frozenset(range(7)):
            raise ConfigurationError(
                f"working weekdays must be a non-empty subset of 0-6 (Monday is 0), "
                f"got {sorted(self.weekdays)}"
            )

    def contains(self, local: datetime) -> bool:
        """Is the wall-clock time ``local`` inside the window?"""
        return local.weekday() in self.weekdays and self.start <= local.time() < self.end


DEFAULT_WORKING_HOURS = WorkingHours()


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (e.g. ``Asia/Yangon``), or a ConfigurationError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigurationError(f"unknown time zone {name!r}") from error


def next_send_time(
    due: datetime,
    tz: tzinfo,
    window: WorkingHours = DEFAULT_WORKING_HOURS,
    calendar: WorkingCalendar | None = None,
) -> datetime:
    """The first instant at or after ``due`` that is inside ``window`` in zone ``tz``.

    ``due`` is returned unchanged (as UTC) when it is already inside the window.
    With a ``calendar``, the recipient's public holidays are closed days as well.
    The result is an aware UTC datetime.
    """
    due = ensure_utc(due)
    local = due.astimezone(tz)

    def is_open(day: date) -> bool:
        return day.weekday() in window.weekdays and (
            calendar is None or calendar.is_working_day(day)
        )

    if is_open(local.date()) and window.contains(local):
        return due
    day = local.date()
    if not (is_open(day) and local.time() < window.start):
        day = _next_open_day(day, is_open)
    return _at_window_start(day, tz, window)


def _next_open_day(day: date, is_open: Callable[[date], bool]) -> date:
    for _ in range(_MAX_DAYS_AHEAD):
        day += timedelta(days=1)
        if is_open(day):
            return day
    raise ConfigurationError(
        f"no working day within {_MAX_DAYS_AHEAD} days after {day.isoformat()}: "
        "check the working hours and the holiday calendar"
    )


def _at_window_start(day: date, tz: tzinfo, window: WorkingHours) -> datetime:
    # fold=0: should a DST change ever make the start time ambiguous, take the earlier
    # instant; if it skips the start time, the instant lands just after the gap, which
    # is still inside the window.
    return datetime.combine(day, window.start, tzinfo=tz).astimezone(UTC)

