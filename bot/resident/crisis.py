"""Which crisis lines to show at a given moment, and in what order, for a resident's language."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.settings import CrisisLine, OfficeProfile, OpenHours

# Locales whose readers are served by lines in Japanese.
JAPANESE_READERS = ("ja", "ja_easy")


def day_matches(window: OpenHours, day: datetime) -> bool:
    """Whether a window's days include the day of this local moment."""
    if window.days == "daily":
        return True
    if window.days == "weekdays":
        return day.weekday() < 5
    return day.day == window.days


def window_open(window: OpenHours, local: datetime) -> bool:
    """Whether a line answers at this local moment (a window may run past midnight)."""
    now = local.time()
    if window.opens < window.closes:
        return day_matches(window, local) and window.opens <= now < window.closes
    started_today = day_matches(window, local) and now >= window.opens
    started_yesterday = day_matches(window, local - timedelta(days=1)) and now < window.closes
    return started_today or started_yesterday


def is_open(line: CrisisLine, local: datetime) -> bool:
    """Whether a line is known to answer now."""
    return line.always_open or any(window_open(window, local) for window in line.open)


def lines_now(profile: OfficeProfile, locale: str, local: datetime) -> list[CrisisLine]:
    """110 and 119 first; then the lines open now (those in the resident's language first,
    24-hour ones before scheduled ones); lines whose hours vary last; closed ones left out."""
    emergency = [line for line in profile.crisis_lines if line.emergency]
    others = [line for line in profile.crisis_lines if not line.emergency]
    open_now = [line for line in others if is_open(line, local)]
    varying = [line for line in others if not line.always_open and not line.open]

    def rank(line: CrisisLine) -> tuple[bool, bool]:
        """Lines in the resident's language first, then those that never close."""
        theirs = locale in JAPANESE_READERS or locale in line.languages
        return (not theirs, not line.always_open)

    return [*emergency, *sorted(open_now, key=rank), *varying]
