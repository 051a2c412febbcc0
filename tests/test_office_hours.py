"""Out of office hours the bot still takes requests and says when staff will reply."""

from __future__ import annotations

import pytest

from tests.fakes import Harness
from tests.scripts import FORM_SCRIPTS, begin_form, play
from tests.test_digest import tokyo

NOTICE = "The office is closed now. Staff will be back: {day}."


async def _send_at(harness: Harness, moment, language: str = "en") -> str:
    """A resident sends a food request at a moment; returns the receipt's text."""
    harness.clock.now = moment
    t = harness.catalogs.translator_for(language)
    resident = harness.resident(language=language)
    title, steps, _ = FORM_SCRIPTS["food"]
    await begin_form(harness, resident, t, title)
    await play(harness, resident, t, steps)
    await resident.click(t.gettext("Send"))
    await harness.relay()
    return resident.last.text


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (
            tokyo(2026, 11, 20, 18, 0),
            "Tue, November 24",
        ),  # Friday evening; Mon 23 is a holiday
        (tokyo(2026, 11, 23, 10, 0), "tomorrow, Tue, November 24"),  # on the holiday itself
        (tokyo(2026, 11, 24, 8, 0), "today, Tue, November 24"),  # before opening
        (tokyo(2026, 12, 28, 17, 30), "Mon, January 4"),  # into the year-end closure
        (tokyo(2026, 11, 24, 10, 0), None),  # office hours: no notice
    ],
)
async def test_reply_day_around_holidays(harness: Harness, moment, day: str | None) -> None:
    """The receipt names the next business day by date, or says nothing in office hours."""
    receipt = await _send_at(harness, moment)
    assert "Your reference number is" in receipt
    if day is None:
        assert "The office is closed now" not in receipt
    else:
        assert NOTICE.format(day=day) in receipt


async def test_reply_day_in_japanese(harness: Harness) -> None:
    """In Japanese the date is written the way an office writes it: 11月24日（火）, with 明日 or
    本日 in front when it is tomorrow or today."""
    ja = harness.ja()
    receipt = await _send_at(harness, tokyo(2026, 11, 20, 18, 0), "ja")
    assert ja.gettext(NOTICE).format(day="11月24日（火）") in receipt
    assert "2026" not in receipt.split("受付番号")[0]
    ja_receipt = await _send_at(harness, tokyo(2026, 11, 24, 8, 0), "ja")
    assert ja.gettext(NOTICE).format(day="本日11月24日（火）") in ja_receipt
