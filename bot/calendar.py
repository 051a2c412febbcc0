"""The council's calendar: Japanese public holidays, the year-end closure, business-day ages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays


@dataclass
class BusinessCalendar:
    """Business days: weekdays that are not public holidays nor in the year-end closure."""

    tz: ZoneInfo
    # (month, day) of the first and last closed day around the new year (default 29 Dec–3 Jan).
    closure_start: tuple[int, int] = (12, 29)
    closure_end: tuple[int, int] = (1, 3)
    _holidays: holidays.HolidayBase = field(default_factory=lambda: holidays.country_holidays("JP"))

    def is_business_day(self, day: date) -> bool:
        """Whether the office is open on a day."""
        if day.weekday() >= 5 or day in self._holidays:
            return False
        md = (day.month, day.day)
        if self.closure_start <= self.closure_end:
            return not self.closure_start <= md <= self.closure_end
        return not (md >= self.closure_start or md <= self.closure_end)

    def business_days_between(self, start: datetime, end: datetime) -> int:
        """Business days that have passed from start to end (0 on the same day)."""
        first = start.astimezone(self.tz).date()
        last = end.astimezone(self.tz).date()
        days = 0
        day = first + timedelta(days=1)
        while day <= last:
            days += self.is_business_day(day)
            day += timedelta(days=1)
        return days
