"""Hypothesis strategies shared by the notifications tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

# The capitals the programme deals with, Yangon's half-hour offset included.
ZONES = (
    "Asia/Jakarta",
    "Asia/Phnom_Penh",
    "Asia/Vientiane",
    "Asia/Yangon",
    "Asia/Ho_Chi_Minh",
    "Asia/Tokyo",
)

# Years the holidays package computes without estimation warnings, with room to spare.
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))
working_day_counts = st.integers(min_value=-300, max_value=300)
zones = st.sampled_from(ZONES).map(ZoneInfo)
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2060, 12, 31), timezones=st.just(UTC)
)
