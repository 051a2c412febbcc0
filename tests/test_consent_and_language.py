"""Consent before the first intake, and the resident's language."""

from __future__ import annotations

from html import escape

from bot.resident.consent import CONSENT_VERSION
from tests.fakes import Harness


async def test_consent_is_asked_before_the_first_intake_and_stored(harness: Harness) -> None:
    """The notice comes first; agreeing stores the version and time and starts the form."""
    resident = harness.resident()
    await resident.send("/start")
    await resident.click("Consultation")
    notice = resident.last.text
    for element in (
        "collects what you tell us",
        "health, disability or money",
        "staff ask you first",
        "police or fire",
        "overseas service",
        "deleted after 72 hours",
        "not an emergency service",
        "your choice",
    ):
        assert element in notice
    row = await harness.resident_row(resident)
    assert row.consent_version is None
    await resident.click("I agree")
    row = await harness.resident_row(resident)
    assert row.consent_version == CONSENT_VERSION
    assert row.consent_at == harness.clock()
    assert "What would you like to talk about?" in resident.last.text


async def test_full_notice_lists_partners_and_keeps_the_choice(harness: Harness) -> None:
    """'Read the full notice' shows the whole text, with partners, and the same choice."""
    resident = harness.resident()
    await resident.send("/start")
    await resident.click("Food support")
    await resident.click("Read the full notice")
    full = resident.last.text
    for partner in harness.services.profile.partners:
        assert partner.name.get("en") in full
    assert "110" in full and "119" in full
    await resident.click("I agree")
    assert "How many adults" in resident.last.text


async def test_declining_stores_nothing_and_shows_phone_and_counter(harness: Harness) -> None:
    """Declining shows the phone and counter; no consent, no draft, no ticket is stored."""
    resident = harness.resident()
    await resident.send("/start")
    await resident.click("Food support")
    await resident.click("I do not agree")
    profile = harness.services.profile
    assert profile.phone in resident.last.text
    assert escape(profile.counter.get("en")) in resident.last.text
    row = await harness.resident_row(resident)
    assert row.consent_version is None and row.consent_at is None
    assert row.pending_service is None
    assert await harness.draft_state(resident) is None
    assert await harness.tickets() == []


async def test_consent_can_be_answered_by_typing(harness: Harness) -> None:
    """'1' or the label works like the button."""
    resident = harness.resident()
    await resident.send("/start")
    await resident.send("2")
    await resident.send("I agree")
    assert "How many adults" in resident.last.text


async def test_menu_items_by_number_or_label(harness: Harness) -> None:
    """Every menu item can be typed by number or by label, in Japanese too."""
    resident = harness.resident(language="ja")
    ja = harness.ja()
    await resident.send("/start")
    await resident.send(ja.gettext("Office information"))
    assert resident.said(harness.services.profile.phone, since=-2)
    await resident.send("10")
    assert resident.said(harness.services.profile.phone, since=-2)
    await resident.send("hello?")
    assert resident.said(
        ja.gettext("Sorry, I did not understand that. Please choose from the menu."), since=-1
    )


async def test_office_information_says_it_is_an_example(harness: Harness) -> None:
    """The shipped profile is labelled as an example wherever it is shown."""
    resident = harness.resident()
    await resident.send("/start")
    await resident.click("Office information")
    assert "These details are an example and not yet confirmed." in resident.messages()[-2].text


async def test_locale_follows_telegram_until_chosen(harness: Harness) -> None:
    """English from Telegram's code; /language switches to Japanese and it is stored."""
    resident = harness.resident(language="en-GB")
    await resident.send("/start")
    assert "What can we help you with?" in resident.last.text
    await resident.send("/language")
    await resident.click("日本語")
    ja = harness.ja()
    assert resident.said(
        ja.gettext("The language is now {language}.").format(language="日本語"), since=-2
    )
    row = await harness.resident_row(resident)
    assert row.locale == "ja"
    resident.language_code = "en"
    await resident.send("/start")
    assert (
        ja.gettext("What can we help you with? Press a button or type its number.")
        in resident.last.text
    )


async def test_unsupported_telegram_language_falls_back_to_japanese(harness: Harness) -> None:
    """A language we do not have yet gets Japanese, the default."""
    resident = harness.resident(language="fr")
    await resident.send("/start")
    ja = harness.ja()
    assert (
        ja.gettext("What can we help you with? Press a button or type its number.")
        in resident.last.text
    )


async def test_changing_language_mid_form_keeps_the_place(harness: Harness) -> None:
    """Switching language mid-form shows the same question in the new language."""
    resident = harness.resident(language="ja")
    ja = harness.ja()
    await resident.send("/start")
    await resident.send("2")
    await resident.send("1")
    await resident.send("2")
    await resident.send("/language")
    await resident.send("English")
    assert "How many children" in resident.last.text
    state = await harness.draft_state(resident)
    assert state["answers"] == {"adults": 2}
    assert ja.locale == "ja"
