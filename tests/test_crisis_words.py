"""What the bot says when someone is in danger or has no food today: honest about who reads
it and when, the lines open at that hour, in the resident's language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from html import escape

import pytest

from bot.i18n import LANGUAGE_NAMES, format_day_and_time
from bot.resident import views
from tests.fakes import Harness, UserClient
from tests.scripts import FORM_SCRIPTS, begin_form, play

# A message in danger, as a resident of each language might write it.
DANGER = {
    "ja": "もう死にたい",
    "ja_easy": "しにたい です",
    "en": "I want to die",
    "zh_Hans": "我想死",
    "ko": "죽고 싶어요",
    "vi": "tôi muốn chết",
}
# Moments (UTC) and the day staff next read messages (None: they are in now).
MOMENTS = {
    # Friday 27 November 2026, 10:00 in Yokohama: office hours.
    "in hours": (datetime(2026, 11, 27, 1, 0, tzinfo=UTC), None),
    # Monday 30 November, 05:43: before opening; staff read from 9:00 that day.
    "out of hours": (datetime(2026, 11, 29, 20, 43, tzinfo=UTC), date(2026, 11, 30)),
    # Monday 23 November 2026 is Labour Thanksgiving Day: back on Tuesday.
    "holiday": (datetime(2026, 11, 23, 1, 0, tzinfo=UTC), date(2026, 11, 24)),
    # Wednesday 30 December: the year-end closure runs to 3 January; back on Monday 4 January.
    "year-end closure": (datetime(2026, 12, 30, 1, 0, tzinfo=UTC), date(2027, 1, 4)),
}
OPENS = time(9, 0)
POLICE, AMBULANCE, INOCHI = "110", "119", "0120-783-556"


async def resident_in(harness: Harness, locale: str) -> UserClient:
    """A resident who has chosen their language with /language."""
    resident = harness.resident(language="ja")
    await resident.send("/language")
    await resident.click(LANGUAGE_NAMES[locale])
    return resident


def crisis_screen(resident: UserClient, t) -> str:
    """The one crisis screen the resident was shown."""
    [screen] = [text for text in resident.texts() if t.gettext(views.WARM_WORDS) in text]
    return screen


def listed_numbers(screen: str) -> list[str]:
    """The numbers of the crisis lines on a screen, in order."""
    return re.findall(r"☎ <b>(.*?)</b>", screen)


def spoken_back(harness: Harness, t, moment: datetime, back: date) -> str:
    """When staff are back as the resident reads it: 本日 / 明日 in front when it applies."""
    today = moment.astimezone(harness.settings.tz).date()
    return views.relative_day(t, back, today, format_day_and_time(back, OPENS, t.locale))


def set_clock(harness: Harness, moment: datetime) -> None:
    """Puts the harness clock at a moment."""
    harness.clock.now = moment


@pytest.mark.parametrize("when", list(MOMENTS))
@pytest.mark.parametrize("locale", list(DANGER))
async def test_the_crisis_screen_says_who_reads_and_what_to_call_now(
    harness: Harness, locale: str, when: str
) -> None:
    """A warm first line; staff told in hours, or plainly when anyone reads out of hours;
    110 and 119 first; only lines open at that hour."""
    moment, back = MOMENTS[when]
    set_clock(harness, moment)
    t = harness.services.catalogs.translator_for(locale)
    resident = await resident_in(harness, locale)
    await resident.send(DANGER[locale])
    screen = crisis_screen(resident, t)
    assert screen.index(t.gettext(views.WARM_WORDS)) < screen.index(POLICE)
    council = harness.services.profile.name.get(locale)
    staff_told = escape(t.gettext(views.STAFF_TOLD).format(council=council))
    if back is None:
        assert staff_told in screen
    else:
        moment_text = spoken_back(harness, t, moment, back)
        assert escape(t.gettext(views.NOBODY_READS).format(moment=moment_text)) in screen
        assert staff_told not in screen
    numbers = listed_numbers(screen)
    assert numbers[:2] == [POLICE, AMBULANCE]
    # The suicide prevention line answers 16:00–21:00 (all day on the 10th): closed at these hours.
    assert INOCHI not in numbers


async def test_an_evening_crisis_lists_the_line_open_in_the_evening(harness: Harness) -> None:
    """At 18:00 the evening line is open and listed after the 24-hour ones."""
    set_clock(harness, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    resident = await resident_in(harness, "ja")
    await resident.send(DANGER["ja"])
    screen = crisis_screen(resident, harness.ja())
    assert INOCHI in screen
    numbers = listed_numbers(screen)
    always = [line.number for line in harness.services.profile.crisis_lines if line.always_open]
    assert numbers.index(INOCHI) > max(numbers.index(n) for n in always)


@pytest.mark.parametrize("locale", ["en", "zh_Hans", "ko", "vi"])
async def test_lines_in_the_residents_language_come_first(harness: Harness, locale: str) -> None:
    """Among the lines open now, those that take the resident's language come first."""
    resident = await resident_in(harness, locale)
    await resident.send(DANGER[locale])
    t = harness.services.catalogs.translator_for(locale)
    screen = crisis_screen(resident, t)
    profile = harness.services.profile
    listed = listed_numbers(screen)
    by_number = {line.number: line for line in profile.crisis_lines}
    others = [by_number[n] for n in listed if not by_number[n].emergency]
    theirs = [locale in line.languages for line in others]
    assert theirs == sorted(theirs, reverse=True) and any(theirs)


@pytest.mark.parametrize("when", list(MOMENTS))
@pytest.mark.parametrize("locale", list(DANGER))
async def test_no_food_today_gets_the_route_for_today(
    harness: Harness, locale: str, when: str
) -> None:
    """'No food for today' gets what to do today (and 110/119), and out of hours it says
    nobody reads messages until staff are back."""
    moment, back = MOMENTS[when]
    set_clock(harness, moment)
    t = harness.services.catalogs.translator_for(locale)
    resident = await resident_in(harness, locale)
    title, steps, _ = FORM_SCRIPTS["food"]
    await begin_form(harness, resident, t, title)
    await play(harness, resident, t, steps)
    await resident.click(t.gettext("Send"))
    await harness.relay()
    receipt = next(m for m in reversed(resident.texts()) if t.gettext(views.NO_FOOD_TODAY) in m)
    assert escape(t.gettext(views.LIFE_IN_DANGER)) in receipt
    assert escape(harness.services.profile.food_today.get(locale)) in receipt
    if back is None:
        assert t.gettext(views.NOBODY_READS_TODAY).split("{")[0] not in receipt
    else:
        moment_text = spoken_back(harness, t, moment, back)
        expected = t.gettext(views.NOBODY_READS_TODAY).format(moment=moment_text)
        assert escape(expected) in receipt


async def test_an_ordinary_food_request_gets_no_same_day_route(harness: Harness) -> None:
    """'Enough for a few days' is the ordinary receipt."""
    t = harness.en()
    resident = harness.resident()
    await begin_form(harness, resident, t, "Food support")
    for answer in ("1", "0", "2", "Skip", "1", "1", "2", "1", "22", "1", "Send"):
        await resident.send(answer)
    await harness.relay()
    assert not any(t.gettext(views.NO_FOOD_TODAY) in m for m in resident.texts())


async def test_the_alert_names_the_kind_and_words_and_reaches_the_oncall_chat(
    harness: Harness,
) -> None:
    """Out of hours, the staff group and the on-call chat both get the alert: the kind of
    danger, the words that suggested it, and that it came out of hours; the on-call staff member
    answers by replying to it."""
    from bot.resident.followups import CATEGORY_LABELS, KIND_OF_DANGER, OUT_OF_HOURS
    from tests.staff_helpers import add_staff, resident_request

    await add_staff(harness, 700001, "佐藤")
    oncall = harness.staff(700001, "佐藤", in_group=False)
    harness.settings.__dict__["oncall_chat_id"] = oncall.chat_id
    resident, _ = await resident_request(harness, form="opinion")
    set_clock(harness, MOMENTS["out of hours"][0])
    text = "The kitchen is on fire and the smoke is everywhere"
    await resident.send(text)
    await harness.relay()
    ja = harness.ja()
    hit = harness.services.safety.check(text)
    assert hit is not None and hit.category == "fire" and hit.words.lower() in text.lower()
    kind = ja.gettext(KIND_OF_DANGER).format(
        category=ja.gettext(CATEGORY_LABELS["fire"]), words=f"「{hit.words}」"
    )
    for chat in (harness.settings.staff_chat_id, oncall.chat_id):
        [alert] = [m for m in harness.api.sent_to(chat) if "⚠" in m.text]
        assert escape(kind) in alert.text
        assert escape(ja.gettext(OUT_OF_HOURS)) in alert.text
    [alert] = [m for m in harness.api.sent_to(oncall.chat_id) if "⚠" in m.text]
    await oncall.send("今すぐ119に電話してください。こちらからも連絡します。", reply_to=alert)
    await harness.relay()
    assert resident.said("今すぐ119に電話してください", since=-2)
