"""Which days count as working days, for counting deadlines in working days.

Deadlines are counted where the work happens: at the Secretariat in Jakarta, so the
default calendar is Indonesia's. Weekends are Saturday and Sunday.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from lifecycle.errors import ConfigurationError

WEEKEND = frozenset({5, 6})  # date.weekday(): Saturday, Sunday
_ONE_DAY = timedelta(days=1)


class WorkingCalendar:
    """Public holidays of one country plus the weekend, with working-day arithmetic.

    ``categories`` selects the ``holidays`` package's categories: Indonesia's
    ``"government"`` category holds the *cuti bersama* (collective leave) days that the
    civil service takes off; an organisation that observes them passes
    ``("public", "government")``. ``closures`` adds one-off days the office is shut.
    """

    def __init__(
        self,
        country: str = "ID",
        *,
        subdiv: str | None = None,
        categories: Iterable[str] = ("public",),
        closures: Iterable[date] = (),
    ) -> None:
        self.country = country
        self.subdiv = subdiv
        self.categories = tuple(categories)
        self._closures = frozenset(closures)
        # Building a holidays object computes lunar and religious dates for the year,
        # which is slow next to the per-day lookups a deadline calculation makes; one
        # frozenset per year makes a year of lookups cost one build.
        self._by_year: dict[int, frozenset[date]] = {}
        # Fail at configuration time, not at the first reminder months later. The
        # holidays package (a tenth of a second to import) is loaded here, when a
        # calendar is made, not with this module.
        import holidays

        try:
            holidays.country_holidays(country, subdiv=subdiv, categories=self.categories)
        except NotImplementedError as error:
            raise ConfigurationError(
                f"holiday calendar {country!r} (subdivision {subdiv!r}, categories "
                f"{', '.join(self.categories)}) is not available: {error}"
            ) from error

    def __repr__(self) -> str:
        return f"WorkingCalendar(country={self.country!r}, subdiv={self.subdiv!r})"

    def holidays_in(self, year: int) -> frozenset[date]:
        """The public holidays (and closures) of ``year``, weekends not included."""
        found = self._by_year.get(year)
        if found is None:
            import holidays

            table = holidays.country_holidays(
                self.country, subdiv=self.subdiv, years=year, categories=self.categories
            )
            found = frozenset(table.keys()) | {d for d in self._closures if d.year == year}
            self._by_year[year] = found
        return found

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays_in(day.year)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() not in WEEKEND and not self.is_holiday(day)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day += _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before ``day``."""
        day -= _ONE_DAY
        while not self.is_working_day(day):
            day -= _ONE_DAY
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """Step ``n`` working days from ``day`` (backwards when ``n`` is negative).

        The start day itself is never counted, so Friday + 1 is Monday and Saturday + 1
        is Monday too. ``n == 0`` means "this day if it is a working day, else the next
        one": a deadline that lands on a holiday moves forward, never back.
        """
        if n == 0:
            return day if self.is_working_day(day) else self.next_working_day(day)
        step = self.next_working_day if n > 0 else self.previous_working_day
        for _ in range(abs(n)):
            day = step(day)
        return day

    def add_days(self, day: date, n: int) -> date:
        """Plain calendar days, for rules written in days rather than working days."""
        return day + timedelta(days=n)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if reversed).

        This is how far a deadline has slipped: due Friday, still open on Tuesday, is
        two working days late. ``add_working_days(start, n)`` lands on ``end`` for that
        ``n`` whenever ``start`` and ``end`` are working days.
        """
        if end < start:
            return -self.working_days_between(end, start)
        # Whole weeks by arithmetic, the days left over one by one, then the holidays
        # in between taken off: an overdue count is worked out for every reminder sent.
        weeks = (end - start).days // 7
        count = weeks * (7 - len(WEEKEND))
        day = start + timedelta(days=7 * weeks + 1)
        while day <= end:
            count += day.weekday() not in WEEKEND
            day += _ONE_DAY
        for year in range(start.year, end.year + 1):
            count -= sum(
                1
                for holiday in self.holidays_in(year)
                if start < holiday <= end and holiday.weekday() not in WEEKEND
            )
        return count
