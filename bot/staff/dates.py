"""Days as staff type them: 2026-12-03, 12/3, 12月3日, 明日, あさって, 3日後, 来週."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

RELATIVE = {"今日": 0, "きょう": 0, "明日": 1, "あした": 1, "あす": 1, "明後日": 2, "あさって": 2}
DAYS_LATER = re.compile(r"(\d{1,3})日後")
WEEKS_LATER = re.compile(r"(\d{1,2})週間後")
ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
MONTH_DAY = re.compile(r"(\d{1,2})(?:/|月)(\d{1,2})日?")


def read_day(text: str, today: date) -> date | None:
    """The day a typed word names (a month and day without a year is the next such day);
    None when it names no day."""
    word = unicodedata.normalize("NFKC", text).strip()
    if word in RELATIVE:
        return today + timedelta(days=RELATIVE[word])
    if word == "来週":
        return today + timedelta(days=7)
    for pattern, unit in ((DAYS_LATER, 1), (WEEKS_LATER, 7)):
        match = pattern.fullmatch(word)
        if match:
            return today + timedelta(days=int(match.group(1)) * unit)
    try:
        match = ISO.fullmatch(word)
        if match:
            return date(*(int(part) for part in match.groups()))
        match = MONTH_DAY.fullmatch(word)
        if match:
            month, day = int(match.group(1)), int(match.group(2))
            this_year = date(today.year, month, day)
            return this_year if this_year >= today else date(today.year + 1, month, day)
    except ValueError:
        return None
    return None
