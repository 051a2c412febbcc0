"""The council's calendar: Japanese public holidays, the year-end closure, business days.

Every day has a business-day ordinal: how many business days there have been from
1 Jan 2000 up to and including it. The difference of two ordinals is an age in business
days, so ages, targets and medians can be computed in SQL from one stored integer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays

EPOCH = date(2000, 1, 1)


@dataclass
class BusinessCalendar:
    """Business days: weekdays that are not public holidays nor in the year-end closure."""

    tz: ZoneInfo
    # (month, day) of the first and last closed day around the new year (default 29 Dec–3 Jan).
    closure_start: tuple[int, int] = (12, 29)
    closure_end: tuple[int, int] = (1, 3)
    _holidays: holidays.HolidayBase = field(default_factory=lambda: holidays.country_holidays("JP"))
    # Business days before 1 January of each year, filled as years are asked for.
    _year_base: dict[int, int] = field(default_factory=dict)
    # For each year asked for: business days from 1 January up to and including each day.
    _year_running: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings) -> BusinessCalendar:
        """The calendar configured in settings (time zone and year-end closure)."""
        start, end = settings.closure()
        return cls(settings.tz, start, end)

    def is_business_day(self, day: date) -> bool:
        """Whether the office is open on a day."""
        if day.weekday() >= 5 or day in self._holidays:
            return False
        md = (day.month, day.day)
        if self.closure_start <= self.closure_end:
            return not self.closure_start <= md <= self.closure_end
        return not (md >= self.closure_start or md <= self.closure_end)

    def local_day(self, moment: datetime) -> date:
        """The council-local date of a moment."""
        return moment.astimezone(self.tz).date()

    def ordinal(self, day: date) -> int:
        """Business days from 1 Jan 2000 up to and including `day`."""
        # Staff lists ask for two ordinals per ticket: each year is counted once, not per call.
        running = self._year_running.get(day.year)
        if running is None:
            start, running, count = date(day.year, 1, 1), [], 0
            for i in range((date(day.year + 1, 1, 1) - start).days):
                count += self.is_business_day(start + timedelta(days=i))
                running.append(count)
            self._year_running[day.year] = running
        return self._base(day.year) + running[day.timetuple().tm_yday - 1]

    def ordinal_at(self, moment: datetime) -> int:
        """The business-day ordinal of the local date of a moment."""
        return self.ordinal(self.local_day(moment))

    def _base(self, year: int) -> int:
        """Business days before 1 January of a year."""
        if year not in self._year_base:
            if year <= EPOCH.year:
                self._year_base[year] = 0
            else:
                previous = self._base(year - 1)
                start = date(year - 1, 1, 1)
                days = (date(year, 1, 1) - start).days
                self._year_base[year] = previous + sum(
                    self.is_business_day(start + timedelta(days=i)) for i in range(days)
                )
        return self._year_base[year]

    def business_days_between(self, start: datetime, end: datetime) -> int:
        """Business days that have passed from start to end (0 on the same day)."""
        return max(0, self.ordinal_at(end) - self.ordinal_at(start))

    def staff_reply_day(self, moment: datetime, opens, closes) -> date | None:
        """None during office hours; otherwise the date staff will next be in (they reply then)."""
        local = moment.astimezone(self.tz)
        if self.is_business_day(local.date()):
            if opens <= local.time() < closes:
                return None
            if local.time() < opens:
                return local.date()
        return self.next_business_day(local.date())

    def next_business_day(self, day: date) -> date:
        """The first business day after `day`."""
        day += timedelta(days=1)
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day
