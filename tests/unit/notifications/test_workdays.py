from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecycle.errors import ConfigurationError
from notifications.workdays import WorkingCalendar

from .strategies import days, working_day_counts

# One calendar for the whole module: its per-year cache is what makes the property
# tests fast, and sharing it also exercises the cache.
JAKARTA = WorkingCalendar()

# deadline=None: the first lookup of a year builds that year's holidays, which is slow
# by design; a timing assertion would make these tests flaky, not stricter.
relaxed = settings(deadline=None)


def test_independence_day_is_not_a_working_day() -> None:
    """17 August 2023 (a Thursday) is Indonesia's Independence Day."""
    assert False is JAKARTA.is_working_day(date(2023, 8, 17))
    assert True is JAKARTA.is_working_day(date(2023, 8, 16))


@pytest.mark.parametrize(
    "holiday",
    [
        date(2023, 3, 22),  # Nyepi, Day of Silence (Wednesday)
        date(2023, 4, 7),  # Good Friday
        date(2023, 5, 1),  # Labour Day (Monday)
        date(2023, 6, 1),  # Pancasila Day (Thursday)
        date(2023, 12, 25),  # Christmas (Monday)
    ],
)
def test_known_indonesian_weekday_holidays(holiday: date) -> None:
    """Public holidays falling on weekdays in 2023 are not working days."""
    assert holiday.weekday() < 5
    assert True is JAKARTA.is_holiday(holiday)
    assert False is JAKARTA.is_working_day(holiday)


def test_weekends_are_not_working_days() -> None:
    """Saturday and Sunday are never working days, holiday or not."""
    monday_to_sunday = [True, True, True, True, True, False, False]
    assert monday_to_sunday == [
        JAKARTA.is_working_day(date(2023, 3, 6) + timedelta(days=i)) for i in range(7)
    ]


def test_adding_across_independence_day_skips_it() -> None:
    """Wednesday 16 Aug 2023 + 1 working day skips Thursday the 17th: Friday the 18th."""
    assert date(2023, 8, 18) == JAKARTA.add_working_days(date(2023, 8, 16), 1)


def test_friday_plus_one_is_monday() -> None:
    """The weekend is skipped."""
    assert date(2023, 3, 6) == JAKARTA.add_working_days(date(2023, 3, 3), 1)


def test_saturday_plus_one_is_monday_and_minus_one_is_friday() -> None:
    """From a weekend day, one working day forward or back lands on the nearest ones."""
    saturday = date(2023, 3, 4)
    assert date(2023, 3, 6) == JAKARTA.add_working_days(saturday, 1)
    assert date(2023, 3, 3) == JAKARTA.add_working_days(saturday, -1)


def test_zero_keeps_a_working_day_and_moves_a_holiday_forward() -> None:
    """n=0 means "this day, or the next working day": deadlines never move back."""
    assert date(2023, 8, 16) == JAKARTA.add_working_days(date(2023, 8, 16), 0)
    assert date(2023, 8, 18) == JAKARTA.add_working_days(date(2023, 8, 17), 0)


def test_eid_week_2023() -> None:
    """Eid al-Fitr fell on the weekend of 22-23 April 2023: Friday + 1 is Monday 24th."""
    assert date(2023, 4, 24) == JAKARTA.add_working_days(date(2023, 4, 21), 1)


def test_add_days_counts_calendar_days() -> None:
    """Plain days ignore weekends and holidays."""
    assert date(2023, 8, 17) == JAKARTA.add_days(date(2023, 8, 14), 3)
    assert date(2023, 8, 11) == JAKARTA.add_days(date(2023, 8, 14), -3)


def test_next_working_day_is_strictly_after() -> None:
    """next_working_day never returns its argument."""
    assert date(2023, 8, 18) == JAKARTA.next_working_day(date(2023, 8, 16))
    assert date(2023, 3, 7) == JAKARTA.next_working_day(date(2023, 3, 6))


def test_working_days_between_measures_slippage() -> None:
    """Due Friday 18 Aug 2023, still open Tuesday 22nd: two working days late."""
    friday, tuesday = date(2023, 8, 18), date(2023, 8, 22)
    expected = (2, -2, 0)
    assert expected == (
        JAKARTA.working_days_between(friday, tuesday),
        JAKARTA.working_days_between(tuesday, friday),
        JAKARTA.working_days_between(friday, friday),
    )


def test_collective_leave_needs_the_government_category() -> None:
    """18 Aug 2025 is a cuti bersama day: only closed when that category is chosen."""
    civil_service = WorkingCalendar(categories=("public", "government"))
    assert True is JAKARTA.is_working_day(date(2025, 8, 18))
    assert False is civil_service.is_working_day(date(2025, 8, 18))


def test_closures_are_not_working_days() -> None:
    """A one-off office closure counts like a holiday."""
    calendar = WorkingCalendar(closures=[date(2023, 8, 8)])
    assert False is calendar.is_working_day(date(2023, 8, 8))
    assert date(2023, 8, 9) == calendar.add_working_days(date(2023, 8, 7), 1)


def test_other_countries_have_their_own_holidays() -> None:
    """The country is a parameter: 17 Aug is a working day in Viet Nam, 2 Sep is not."""
    hanoi = WorkingCalendar("VN")
    assert True is hanoi.is_working_day(date(2023, 8, 17))
    assert False is hanoi.is_working_day(date(2025, 9, 2))


def test_unknown_country_is_a_configuration_error() -> None:
    """A typo in the country fails when the calendar is built, naming the country."""
    with pytest.raises(ConfigurationError, match="'XX'"):
        WorkingCalendar("XX")


def test_the_holiday_table_is_built_once_per_year() -> None:
    """Repeated lookups reuse one frozen set per year."""
    calendar = WorkingCalendar()
    first = calendar.holidays_in(2024)
    calendar.add_working_days(date(2024, 1, 2), 200)
    assert first is calendar.holidays_in(2024)


@relaxed
@given(days, working_day_counts.filter(lambda n: n != 0))
def test_result_is_a_working_day(day: date, n: int) -> None:
    """Stepping a non-zero number of working days always lands on a working day."""
    assert True is JAKARTA.is_working_day(JAKARTA.add_working_days(day, n))


@relaxed
@given(days, working_day_counts, working_day_counts)
def test_monotonic_in_n(day: date, n: int, m: int) -> None:
    """More working days never give an earlier date."""
    low, high = sorted((n, m))
    assert JAKARTA.add_working_days(day, low) <= JAKARTA.add_working_days(day, high)


@relaxed
@given(days, working_day_counts)
def test_add_then_subtract_round_trips_from_a_working_day(day: date, n: int) -> None:
    """On working days, adding n and subtracting n is the identity."""
    start = JAKARTA.add_working_days(day, 0)
    assert start == JAKARTA.add_working_days(JAKARTA.add_working_days(start, n), -n)


@relaxed
@given(days, working_day_counts)
def test_between_inverts_add(day: date, n: int) -> None:
    """working_days_between measures exactly the steps add_working_days took."""
    start = JAKARTA.add_working_days(day, 0)
    assert n == JAKARTA.working_days_between(start, JAKARTA.add_working_days(start, n))


@relaxed
@given(days, st.integers(min_value=1, max_value=300))
def test_strictly_increasing_from_a_working_day(day: date, n: int) -> None:
    """From a working day, each further working day is a later date than the one before.

    (From a weekend day, 0 and 1 both mean the next working day.)
    """
    start = JAKARTA.add_working_days(day, 0)
    assert JAKARTA.add_working_days(start, n - 1) < JAKARTA.add_working_days(start, n)


@relaxed
@given(days)
def test_next_working_day_has_no_working_day_in_between(day: date) -> None:
    """next_working_day is the first working day after the date, with none skipped."""
    following = JAKARTA.next_working_day(day)
    gap = [day + timedelta(days=i) for i in range(1, (following - day).days)]
    skipped_working_days = [d for d in gap if JAKARTA.is_working_day(d)]
    assert not skipped_working_days
    assert True is JAKARTA.is_working_day(following)
