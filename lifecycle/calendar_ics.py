"""Calendar events as an RFC 5545 document: the one place that speaks iCalendar.

Timed events keep the zone they are meant for (a TZID and its VTIMEZONE), so a calendar
app in another zone still shows the right instant; whole days are DATE values, because a
study visit starts on the same calendar day wherever the reader is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

PRODID = "-//ASEAN Secretariat//Attache//EN"


@dataclass(frozen=True)
class FeedEvent:
    """One entry of a feed. ``uid`` never changes, so a calendar app updates, not adds."""

    uid: str
    summary: str
    start: date | datetime  # a date: an all-day event; a datetime: aware (stored UTC)
    end: date | None = None  # all-day events only: the last day, inclusive
    timezone: str | None = None  # the zone a timed event is shown in
    description: str | None = None


def render(name: str, events: list[FeedEvent], stamp: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for item in events:
        calendar.add_component(_event(item, stamp))
    # Every TZID used above gets its VTIMEZONE, built from the zoneinfo database.
    calendar.add_missing_timezones()
    document: bytes = calendar.to_ical()
    return document


def _event(item: FeedEvent, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", stamp)
    event.add("summary", item.summary)
    if item.description:
        event.add("description", item.description)
    if isinstance(item.start, datetime):
        zone = ZoneInfo(item.timezone) if item.timezone else ZoneInfo("UTC")
        event.add("dtstart", item.start.astimezone(zone))
    else:
        event.add("dtstart", item.start)
        # DTEND of an all-day event is exclusive: the day after the last one.
        event.add("dtend", (item.end or item.start) + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    return event
