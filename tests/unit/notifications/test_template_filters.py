from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from jinja2.exceptions import FilterArgumentError

from notifications.template_filters import longdate, monthyear, shortdate


def test_longdate_of_an_aware_datetime_names_the_zone() -> None:
    """The example from the template documentation."""
    due = datetime(2023, 3, 3, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    expected = "Friday 3 March 2023, 09:00 (Asia/Jakarta)"
    assert expected == longdate(due)


def test_longdate_in_yangon() -> None:
    """Half-hour zones print their local time and their name."""
    due = datetime(2023, 3, 3, 9, 30, tzinfo=ZoneInfo("Asia/Yangon"))
    expected = "Friday 3 March 2023, 09:30 (Asia/Yangon)"
    assert expected == longdate(due)


def test_longdate_with_a_fixed_offset() -> None:
    """A zone without a name shows its offset."""
    due = datetime(2023, 3, 3, 9, 0, tzinfo=timezone(timedelta(hours=7)))
    expected = "Friday 3 March 2023, 09:00 (UTC+07:00)"
    assert expected == longdate(due)


def test_longdate_of_a_date_has_no_time() -> None:
    """Batch dates are plain dates."""
    expected = "Wednesday 1 February 2023"
    assert expected == longdate(date(2023, 2, 1))


def test_shortdate_and_monthyear() -> None:
    """Compact forms for subjects and tables."""
    due = datetime(2024, 1, 31, 17, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    expected = ("31 Jan 2024", "January 2024")
    assert expected == (shortdate(due), monthyear(due))


def test_a_naive_datetime_is_refused() -> None:
    """A time without a zone would be shown as if it were local everywhere."""
    with pytest.raises(FilterArgumentError, match="without a time zone"):
        longdate(datetime(2023, 3, 3, 9, 0))


@pytest.mark.parametrize("value", ["2023-03-03", None, 42])
def test_anything_else_is_refused(value: object) -> None:
    """The filters only format dates."""
    with pytest.raises(FilterArgumentError, match="expects a date or datetime"):
        shortdate(value)
