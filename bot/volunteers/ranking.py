"""Ranking registered volunteers for a request: by interest, district and availability."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.forms.engine import normalize
from storage.volunteers import VolunteerDTO

WEEKDAY = ("weekday_day", "weekday_evening")
WEEKEND = ("weekend_day", "weekend_evening")
DAYTIME = ("weekday_day", "weekend_day")
EVENING = ("weekday_evening", "weekend_evening")
# Words in a request's "when" that say which part of the week or day it is (Japanese, English).
WEEKEND_WORDS = re.compile(r"土|日曜|日祝|週末|休日|祝日|weekend|saturday|sunday|\bsat\b|\bsun\b")
WEEKDAY_WORDS = re.compile(
    r"平日|月曜|火曜|水曜|木曜|金曜|weekday|monday|tuesday|wednesday|thursday|friday"
    r"|\bmon\b|\btue\b|\bwed\b|\bthu\b|\bfri\b"
)
EVENING_WORDS = re.compile(r"夜|夕|evening|night|1[89]時|2[0-2]時")
DAYTIME_WORDS = re.compile(
    r"午前|午後|昼|朝|日中|morning|afternoon|daytime|noon|\b(?:[9]|1[0-6])時"
)


def wanted_slots(when: str | None) -> set[str] | None:
    """The availability slots a request's "when" names, or None when it names none."""
    text = normalize(when or "").casefold()
    weekend, weekday = bool(WEEKEND_WORDS.search(text)), bool(WEEKDAY_WORDS.search(text))
    evening, daytime = bool(EVENING_WORDS.search(text)), bool(DAYTIME_WORDS.search(text))
    if not (weekend or weekday or evening or daytime):
        return None
    # What the words do not narrow down stays open: "Tuesdays" is any time of that day.
    days = set(WEEKDAY if weekday or not weekend else ()) | set(
        WEEKEND if weekend or not weekday else ()
    )
    times = set(EVENING if evening or not daytime else ()) | set(
        DAYTIME if daytime or not evening else ()
    )
    return days & times


@dataclass(frozen=True)
class Fit:
    """How well one volunteer fits a request."""

    volunteer: VolunteerDTO
    interest: bool
    district: bool
    availability: bool

    @property
    def score(self) -> int:
        """Interest weighs most, then the district, then availability."""
        return 4 * self.interest + 2 * self.district + self.availability


def rank(
    volunteers: list[VolunteerDTO], help_kind: str | None, district: str | None, when: str | None
) -> list[Fit]:
    """The volunteers, best fit first (ties: the longest registered first)."""
    slots = wanted_slots(when)
    fits = [
        Fit(
            volunteer,
            interest=help_kind is not None
            and help_kind in (volunteer.profile.get("interests") or []),
            district=district is not None and volunteer.district_key == district,
            availability=slots is not None
            and bool(slots & set(volunteer.profile.get("availability") or [])),
        )
        for volunteer in volunteers
    ]
    return sorted(fits, key=lambda f: -f.score)
