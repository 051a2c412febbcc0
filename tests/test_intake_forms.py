"""Every form, completed through the real Application in Japanese and in English."""

from __future__ import annotations

from html import escape

import pytest

from bot.forms.definitions import FORMS
from bot.i18n import LANGUAGE_NAMES
from tests.fakes import Harness
from tests.scripts import FORM_SCRIPTS, begin_form, play


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("form_key", sorted(FORM_SCRIPTS))
async def test_resident_completes_form(harness: Harness, form_key: str, locale: str) -> None:
    """Resident picks the service, agrees, answers every step, reviews and sends."""
    t = harness.catalogs.translator_for(locale)
    resident = harness.resident(language=locale)
    title, steps, expected = FORM_SCRIPTS[form_key]

    await begin_form(harness, resident, t, title)
    await play(harness, resident, t, steps)

    assert t.gettext("Please check your answers.") in resident.last.text
    await resident.click(t.gettext("Send"))

    [ticket] = await harness.tickets()
    assert ticket.service == form_key
    assert ticket.answers == expected
    assert ticket.status == "new"
    assert ticket.locale == locale
    assert await harness.draft_state(resident) is None

    assert await harness.relay() == 2, "the staff card and the resident's receipt"
    confirmation = resident.last.text
    assert ticket.reference in confirmation
    assert escape(t.gettext(FORMS[form_key].next_steps)) in confirmation
    [card] = harness.staff_messages()
    ja = harness.ja()
    assert ticket.reference in card.text
    assert ja.gettext(FORMS[form_key].title) in card.text
    assert ja.gettext("Priority") in card.text


async def test_japanese_is_the_default_and_really_japanese(harness: Harness) -> None:
    """A resident whose Telegram has no language gets Japanese, not English message ids."""
    resident = harness.resident(language=None)
    await resident.send("/start")
    ja = harness.ja()
    assert ja.gettext("Food support") != "Food support"
    assert any(ja.gettext("Food support") in label for label in resident.labels())
    assert "Food support" not in " ".join(resident.labels())


async def test_progress_total_never_grows_when_a_branch_opens(harness: Harness) -> None:
    """The counter counts a branch from the start: choosing phone keeps the total (5/9), and
    choosing this chat closes the phone branch, so the total shrinks (5/6), never jumps up."""
    t = harness.en()
    resident = harness.resident()
    await begin_form(harness, resident, t, "Consultation")
    assert "(1/9)" in resident.last.text
    await resident.click("Something else")
    await resident.click("Myself")
    await resident.send("I need advice.")
    assert "(4/9)" in resident.last.text
    await resident.click("Phone call")
    assert "(5/9)" in resident.last.text
    await resident.click("Back")
    await resident.click("Reply in this chat")
    assert "(5/6)" in resident.last.text


async def test_japanese_step_counter_uses_full_width_brackets(harness: Harness) -> None:
    """「相談（1/9）」: the Japanese counter is in full-width brackets."""
    ja = harness.ja()
    resident = harness.resident(language="ja")
    await begin_form(harness, resident, ja, "Consultation")
    assert f"{ja.gettext('Consultation')}</b>（1/9）" in resident.last.text


async def test_priority_follows_food_urgency(harness: Harness) -> None:
    """'Enough for a few days' makes a high-priority ticket."""
    t = harness.en()
    resident = harness.resident()
    await begin_form(harness, resident, t, "Food support")
    for answer in ("1", "0", "2", "Skip", "1", "1", "2", "1", "22", "1", "Send"):
        await resident.send(answer)
    [ticket] = await harness.tickets()
    assert ticket.priority == "high"
    assert ticket.answers["urgency"] == "days"
    assert ticket.answers["pickup"] == "yes"


async def test_loan_topic_explains_pre_consultation(harness: Harness) -> None:
    """Choosing the loan topic says the loan itself is decided elsewhere."""
    t = harness.en()
    resident = harness.resident()
    await begin_form(harness, resident, t, "Consultation")
    await resident.click("Welfare fund loans")
    assert resident.said("pre-consultation", since=-3)


async def test_under_18_volunteer_is_told_a_guardian_must_agree(harness: Harness) -> None:
    """An under-18 volunteer gets the guardian note."""
    t = harness.en()
    resident = harness.resident()
    await begin_form(harness, resident, t, "I want to volunteer")
    await resident.send("1")
    await resident.send("2")
    await resident.click("Don't know")
    await resident.click("Under 18")
    assert resident.said("guardian must agree", since=-3)


async def test_after_sending_start_offers_a_new_request(harness: Harness) -> None:
    """After a ticket, /start shows the menu again, not a resume offer."""
    t = harness.en()
    resident = harness.resident()
    title, steps, _ = FORM_SCRIPTS["opinion"]
    await begin_form(harness, resident, t, title)
    await play(harness, resident, t, steps)
    await resident.click("Send")
    await resident.send("/start")
    assert "Consultation" in " ".join(resident.labels())
    await resident.click("Consultation")
    # Consent was given once and is not asked again.
    assert "What would you like to talk about?" in resident.last.text


@pytest.mark.parametrize("locale", ["ja_easy", "zh_Hans", "ko", "vi"])
async def test_a_complete_intake_in_every_other_language(harness: Harness, locale: str) -> None:
    """Food support from /language to the receipt, in each draft language."""
    t = harness.catalogs.translator_for(locale)
    resident = harness.resident(language="en")
    await resident.send("/language")
    await resident.click(LANGUAGE_NAMES[locale])
    title, steps, expected = FORM_SCRIPTS["food"]
    await resident.send("/start")
    await resident.click(t.gettext(title))
    await resident.click(t.gettext("I agree"))
    await play(harness, resident, t, steps)
    assert t.gettext("Please check your answers.") in resident.last.text
    await resident.click(t.gettext("Send"))
    await harness.relay()
    [ticket] = await harness.tickets()
    assert ticket.answers == expected and ticket.locale == locale
    assert ticket.reference in resident.last.text
    assert escape(t.gettext(FORMS["food"].next_steps)) in resident.last.text
