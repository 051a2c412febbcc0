"""The council's whole menu: giving, household goods, small-disaster relief and groups, each a
form declared as data, end to end (menu, receipt, staff card, digest, /stats) (issue 14)."""

from __future__ import annotations

from html import escape

import pytest

from bot.forms.definitions import FORMS
from bot.i18n import LANGUAGE_NAMES
from bot.resident import views
from tests.fakes import Harness
from tests.scripts import FORM_SCRIPTS, begin_form, play

NEW_ROUTES = ("giving", "household_goods", "disaster_relief", "groups")
ADMIN_ID = 900001


@pytest.mark.parametrize("locale", ["ja", "ja_easy"])
@pytest.mark.parametrize("form_key", NEW_ROUTES)
async def test_a_new_route_from_the_menu_to_digest_and_stats(
    harness: Harness, form_key: str, locale: str
) -> None:
    """Menu entry, every question, the route's own receipt, the staff card with the answers,
    then the route's line in the digest and its column in /stats."""
    t = harness.catalogs.translator_for(locale)
    resident = harness.resident(language="en")
    await resident.send("/language")
    await resident.click(LANGUAGE_NAMES[locale])
    title, steps, expected = FORM_SCRIPTS[form_key]
    await begin_form(harness, resident, t, title)
    await play(harness, resident, t, steps)
    await resident.click(t.gettext("Send"))
    assert await harness.relay() == 2, "the staff card and the resident's receipt"

    [ticket] = await harness.tickets()
    assert (ticket.service, ticket.answers) == (form_key, expected)
    form = FORMS[form_key]
    receipt = resident.last.text
    assert ticket.reference in receipt
    assert escape(t.gettext(form.thanks)) in receipt
    assert escape(t.gettext(form.next_steps)) in receipt

    ja = harness.ja()
    [card] = harness.staff_messages()
    assert ja.gettext(form.title) in card.text and ticket.reference in card.text
    private = harness.staff(ADMIN_ID, "Admin", in_group=False)
    await private.send(f"/ticket {ticket.reference}")
    await harness.relay()
    details = "\n".join(private.texts())
    for step in form.steps:
        if step.key in expected and step.key not in ("contact_method", "district"):
            assert escape(ja.gettext(step.label)) in details, step.key

    admin = harness.staff(ADMIN_ID, "Admin")
    await admin.send("/digest")
    digest = admin.last.text
    assert f"・{escape(ja.gettext(form.title))}：1件" in digest
    await admin.send("/stats week")
    stats = admin.last.text
    assert f"・{escape(ja.gettext(form.title))}：1件" in stats
    for other in NEW_ROUTES:
        if other != form_key:
            assert f"・{escape(ja.gettext(FORMS[other].title))}：0件" in stats


def test_every_route_is_on_the_menu() -> None:
    """Each form has a menu entry; office information and the language come last."""
    assert set(FORMS) <= set(views.MENU_LABELS)
    assert list(views.MENU_LABELS)[-2:] == ["office", "language"]


async def test_giving_food_is_told_dates_are_checked_first(harness: Harness) -> None:
    """Food with a date is welcome only once staff confirm it; nothing is collected by itself."""
    t = harness.en()
    resident = harness.resident()
    title, steps, _ = FORM_SCRIPTS["giving"]
    await begin_form(harness, resident, t, title)
    await play(harness, resident, t, steps)
    await resident.click("Send")
    await harness.relay()
    receipt = resident.last.text
    assert "best-before date is welcome once staff have confirmed it" in receipt
    assert "Nothing is collected automatically" in receipt
    assert "Staff will call you, in office hours." in receipt


async def test_disaster_relief_promises_no_money_and_starts_high(harness: Harness) -> None:
    """Small-disaster relief: eligibility is checked with partners, not decided in the chat;
    the ticket starts at high priority (it is time-bound), and a counter visitor is asked in."""
    t = harness.en()
    resident = harness.resident()
    title, steps, _ = FORM_SCRIPTS["disaster_relief"]
    await begin_form(harness, resident, t, title)
    assert "call 119" in resident.texts()[-2]
    await play(harness, resident, t, steps)
    await resident.click("Send")
    await harness.relay()
    [ticket] = await harness.tickets()
    assert ticket.priority == "high"
    receipt = resident.last.text
    assert "is not decided in this chat" in receipt
    assert "Please come to the counter in office hours" in receipt


async def test_groups_are_asked_where_the_activity_takes_place(harness: Harness) -> None:
    """A school is asked where the activity is, not where it lives."""
    ja = harness.ja()
    resident = harness.resident(language="ja")
    title, steps, _ = FORM_SCRIPTS["groups"]
    await begin_form(harness, resident, ja, title)
    await play(harness, resident, ja, steps[:-1])
    assert "活動する場所は、どの地区ですか？" in resident.last.text
    assert "お住まい" not in resident.last.text
