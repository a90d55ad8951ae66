from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings

from lifecycle.errors import ConfigurationError
from notifications.delivery_window import WorkingHours, load_zone, next_send_time
from notifications.workdays import WorkingCalendar

from .strategies import ZONES, instants, zones

JAKARTA = ZoneInfo("Asia/Jakarta")
YANGON = ZoneInfo("Asia/Yangon")
relaxed = settings(deadline=None)  # calendar look-ups build a year's holidays once


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_inside_the_window_is_returned_unchanged() -> None:
    """Friday 3 March 2023, 10:00 in Jakarta (03:00 UTC) goes out at once."""
    due = utc(2023, 3, 3, 3, 0)
    assert due == next_send_time(due, JAKARTA)


def test_before_nine_waits_for_nine_local() -> None:
    """06:00 Jakarta waits until 09:00 Jakarta the same day (02:00 UTC)."""
    assert utc(2023, 3, 3, 2, 0) == next_send_time(utc(2023, 3, 2, 23, 0), JAKARTA)


def test_yangon_half_hour_offset() -> None:
    """08:30 in Yangon (UTC+6:30) waits half an hour: 09:00 Yangon is 02:30 UTC."""
    assert utc(2023, 3, 3, 2, 30) == next_send_time(utc(2023, 3, 3, 2, 0), YANGON)


def test_the_same_instant_is_in_the_window_in_one_zone_and_not_another() -> None:
    """02:15 UTC is 09:15 in Jakarta (send now) but 08:45 in Yangon (wait until 09:00)."""
    due = utc(2023, 3, 3, 2, 15)
    assert due == next_send_time(due, JAKARTA)
    assert utc(2023, 3, 3, 2, 30) == next_send_time(due, YANGON)


def test_friday_evening_waits_for_monday_morning() -> None:
    """17:00 on Friday is the end of the window: Monday 09:00."""
    friday_five_pm_jakarta = utc(2023, 3, 3, 10, 0)
    assert utc(2023, 3, 6, 2, 0) == next_send_time(friday_five_pm_jakarta, JAKARTA)


def test_saturday_waits_for_monday_in_tokyo() -> None:
    """Saturday noon in Tokyo (UTC+9) waits for Monday 09:00 Tokyo, Sunday 24:00 UTC."""
    saturday_noon_tokyo = utc(2023, 3, 4, 3, 0)
    expected = utc(2023, 3, 6, 0, 0)
    assert expected == next_send_time(saturday_noon_tokyo, ZoneInfo("Asia/Tokyo"))


def test_the_local_date_decides_the_weekday() -> None:
    """Sunday 23:00 UTC is already Monday 06:00 in Ho Chi Minh City: send at 09:00 Monday."""
    sunday_late_utc = utc(2023, 3, 5, 23, 0)
    assert utc(2023, 3, 6, 2, 0) == next_send_time(sunday_late_utc, ZoneInfo("Asia/Ho_Chi_Minh"))


def test_a_calendar_skips_public_holidays() -> None:
    """With Indonesia's calendar, Independence Day (Thu 17 Aug 2023) is skipped too."""
    wednesday_evening = utc(2023, 8, 16, 12, 0)  # 19:00 Jakarta
    assert utc(2023, 8, 17, 2, 0) == next_send_time(wednesday_evening, JAKARTA)
    assert utc(2023, 8, 18, 2, 0) == next_send_time(
        wednesday_evening, JAKARTA, calendar=WorkingCalendar()
    )


def test_custom_window() -> None:
    """A Saturday-morning window (08:00-12:00) is honoured."""
    window = WorkingHours(start=time(8), end=time(12), weekdays=frozenset({5}))
    assert utc(2023, 3, 4, 1, 0) == next_send_time(utc(2023, 3, 3, 3, 0), JAKARTA, window)


def test_a_due_time_in_another_zone_is_accepted_and_returned_as_utc() -> None:
    """An aware non-UTC due time is the same instant; the result is UTC."""
    due = datetime(2023, 3, 3, 10, 0, tzinfo=JAKARTA)
    result = next_send_time(due, JAKARTA)
    assert (due, UTC) == (result, result.tzinfo)


def test_a_naive_due_time_is_refused() -> None:
    """Without a zone the instant is unknown: refuse rather than guess."""
    with pytest.raises(ValueError, match="naive"):
        next_send_time(datetime(2023, 3, 3, 10, 0), JAKARTA)


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (lambda: WorkingHours(start=time(17), end=time(9)), "before end"),
        (lambda: WorkingHours(weekdays=frozenset()), "non-empty"),
        (lambda: WorkingHours(weekdays=frozenset({7})), "subset of 0-6"),
        (lambda: WorkingHours(start=time(9, tzinfo=UTC)), "wall-clock"),
    ],
)
def test_bad_windows_are_configuration_errors(window: object, message: str) -> None:
    """An impossible window fails when it is defined."""
    with pytest.raises(ConfigurationError, match=message):
        window()  # type: ignore[operator]


def test_load_zone() -> None:
    """Zone names resolve; an unknown one is a configuration error naming it."""
    assert load_zone("Asia/Yangon") is YANGON  # ZoneInfo caches one instance per key
    with pytest.raises(ConfigurationError, match="'Asia/Rangoon_'"):
        load_zone("Asia/Rangoon_")


@relaxed
@given(instants, zones)
def test_never_earlier_than_due(due: datetime, tz: ZoneInfo) -> None:
    """A reminder is never sent before it is due."""
    assert due <= next_send_time(due, tz)


@relaxed
@given(instants, zones)
def test_result_is_inside_the_window_locally(due: datetime, tz: ZoneInfo) -> None:
    """The send time is a Monday-Friday 09:00-17:00 time in the recipient's zone."""
    local = next_send_time(due, tz).astimezone(tz)
    assert local.weekday() in range(5)
    assert time(9) <= local.time() < time(17)


@relaxed
@given(instants, zones)
def test_idempotent(due: datetime, tz: ZoneInfo) -> None:
    """Asking again with the answer gives the same answer."""
    once = next_send_time(due, tz)
    assert once == next_send_time(once, tz)


@relaxed
@given(instants, zones)
def test_it_is_the_earliest_such_instant(due: datetime, tz: ZoneInfo) -> None:
    """Either it is the due time, or it is the very start of a window (09:00 local)."""
    result = next_send_time(due, tz)
    assert True is (result == due or result.astimezone(tz).time() == time(9))


@relaxed
@given(instants, zones)
def test_with_holidays_the_local_day_is_a_working_day(due: datetime, tz: ZoneInfo) -> None:
    """With a calendar, the local date of the send time is a working day."""
    calendar = WorkingCalendar()
    day: date = next_send_time(due, tz, calendar=calendar).astimezone(tz).date()
    assert True is calendar.is_working_day(day)


def test_the_zone_list_covers_the_programme() -> None:
    """The property tests run in every capital the programme deals with."""
    assert {"Asia/Yangon", "Asia/Tokyo", "Asia/Jakarta"} <= set(ZONES)
