"""What a resident reads: short buttons, Japanese typography, resident words, receipts that
follow their choices, and a privacy notice that names every APPI element (issue 14)."""

from __future__ import annotations

import re
import unicodedata
from html import escape, unescape

import pytest
from babel.messages.pofile import read_po

from bot.forms.definitions import FORMS
from bot.forms.engine import DraftState, FormContext
from bot.forms.model import StepKind
from bot.i18n import LANGUAGE_NAMES, LOCALES_DIR, SUPPORTED_LOCALES, Catalogs
from bot.resident import views
from bot.resident.statuses import RESIDENT_STATUS_LABELS
from bot.screens import Screen
from bot.settings import EXAMPLE_PROFILE, load_profile
from bot.tickets.lifecycle import STATUS_LABELS
from storage.models import TicketStatus
from storage.tickets import TicketChange, update_ticket
from tests.fakes import Harness, settings_for_test
from tests.scripts import FORM_SCRIPTS, begin_form, play

# Telegram shows an inline button on one line and cuts a longer label with 「…」.
MAX_BUTTON_HALF_WIDTHS = 40  # 20 full-width characters
PROFILE = load_profile(EXAMPLE_PROFILE)
SETTINGS = settings_for_test("sqlite+aiosqlite://")


def half_widths(text: str) -> int:
    """Width in half-width cells: East Asian wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def resident_screens(locale: str) -> list[Screen]:
    """Every resident screen that carries buttons, rendered in one language."""
    t = Catalogs().translator_for(locale)
    ctx = FormContext(t, {"districts": tuple(_district_choices(locale))})
    screens = [
        views.menu(t, profile=PROFILE),
        views.consent_summary(t, PROFILE, SETTINGS),
        views.consent_full(t, PROFILE, SETTINGS),
        views.language_picker(t),
        views.delete_confirm(t),
        views.privacy_notice(t, PROFILE, SETTINGS, consented=True),
    ]
    for form in FORMS.values():
        screens.append(views.resume_offer(t, form))
        for step in form.steps:
            state = DraftState(form=form.key, step=step.key, editing=True)
            screens.append(views.question(form, state, ctx))
            if step.kind is StepKind.MULTI:
                ticked = state.model_copy(update={"selection": [c.value for c in step.choices]})
                screens.append(views.question(form, ticked, ctx))
        full = DraftState(form=form.key, step=None, mode="review", answers=_answers(form))
        screens.append(views.review(form, full, ctx))
        screens.append(views.confirm_cancel(full, t))
    return screens


def _district_choices(locale: str):
    from bot.forms.model import Choice

    return [Choice(d.key, d.name.get(locale), translate=False) for d in PROFILE.districts] + [
        Choice("unknown", "Don't know")
    ]


def _answers(form) -> dict:
    """An answer for every step (the first choice, or a short text)."""
    answers: dict = {}
    for step in form.steps:
        if step.kind in (StepKind.CHOICE, StepKind.MULTI) and step.choices:
            first = step.choices[0].value
            answers[step.key] = [first] if step.kind is StepKind.MULTI else first
        elif step.kind is StepKind.NUMBER:
            answers[step.key] = 1
        elif step.kind is StepKind.PHONE:
            answers[step.key] = "+81451234567"
        elif step.choices_from:
            answers[step.key] = "d01"
        else:
            answers[step.key] = "x"
    return answers


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_button_fits_on_a_phone(locale: str) -> None:
    """No resident button in any language is wider than 20 full-width characters."""
    too_wide = {
        b.label
        for screen in resident_screens(locale)
        for row in screen.rows
        for b in row
        if half_widths(b.label) > MAX_BUTTON_HALF_WIDTHS
    }
    assert sorted(too_wide) == []


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_option_is_also_a_numbered_line_in_the_message(locale: str) -> None:
    """The full wording of each option is in the body, numbered like its button."""
    t = Catalogs().translator_for(locale)
    ctx = FormContext(t, {"districts": tuple(_district_choices(locale))})
    form = FORMS["consultation"]
    screen = views.question(form, DraftState(form=form.key, step="topic"), ctx)
    text = unescape(screen.text)
    for i, choice in enumerate(form.step("topic").choices, start=1):
        assert f"\n{i}. {t.gettext(choice.label)}" in text
        assert screen.rows[i - 1][0].label.startswith(f"{i}. ")
    menu = unescape(views.menu(t, profile=PROFILE).text)
    last = len(views.MENU_LABELS)
    assert f"\n{last}. {t.gettext(views.MENU_LABELS['language'])}" in menu


def _strings(locale: str) -> list[tuple[str, str]]:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    return [(m.id, m.string) for m in catalog if m.id and m.string]


# What may legitimately hold ASCII punctuation in Japanese text: placeholders, markup,
# commands with their arguments, clock times and addresses on the web.
NOT_PROSE = re.compile(r"\{\w*\}|<[^>]+>|https?://\S+|\d:\d\d|/\w+(?: [^\s（）]+)*")


@pytest.mark.parametrize("locale", ["ja", "ja_easy"])
def test_japanese_text_uses_full_width_punctuation(locale: str) -> None:
    """No ASCII 「:」「,」「(」 in Japanese prose: 「：」「、」「（」 instead."""
    offending = [
        msgid
        for msgid, text in _strings(locale)
        if re.search(r"[:,(]", NOT_PROSE.sub("", text)) and not msgid.startswith("/")
    ]
    assert offending == []


def test_easy_japanese_puts_readings_after_whole_words() -> None:
    """No reading cut into a word (申(もう)し込(こ)み, 食（た）べ物) and no brackets inside
    brackets: a reading comes after the whole word, in full-width brackets."""
    inside_word = re.compile(r"[一-龯]\([ぁ-ゖ]+\)|[一-龯]（[ぁ-ゖ]+）[一-龯]")
    nested = re.compile(r"（[^）]*（")
    bad = [
        text for _, text in _strings("ja_easy") if inside_word.search(text) or nested.search(text)
    ]
    assert bad == []


def test_menu_language_entry_is_bilingual_in_japanese() -> None:
    """A resident with a Japanese-set phone finds the language entry: 「言語 / Language」."""
    ja = Catalogs().translator_for("ja")
    assert ja.gettext(views.MENU_LABELS["language"]) == "言語 / Language"


def test_the_council_writes_shougai_in_kana() -> None:
    """The council writes 障がい; the Japanese resident texts follow it."""
    assert [text for _, text in _strings("ja") if "障害" in text] == []


# Staff words a resident must never read about their own request.
STAFF_ONLY = (
    TicketStatus.NEW,
    TicketStatus.ASSIGNED,
    TicketStatus.WAITING,
    TicketStatus.REFERRED,
    TicketStatus.RESOLVED,
)


@pytest.mark.parametrize("locale", [loc for loc in SUPPORTED_LOCALES if loc != "en"])
async def test_resident_statuses_never_show_staff_words(harness: Harness, locale: str) -> None:
    """/mytickets and /mydata say 「受付済み」「関係機関におつなぎしました」…, never 「新規」
    「つなぎ済み」; /mydata names the language, not its code."""
    t = harness.catalogs.translator_for(locale)
    staff_words = {t.gettext(STATUS_LABELS[s]) for s in STAFF_ONLY}
    resident_words = {t.gettext(label) for label in RESIDENT_STATUS_LABELS.values()}
    assert not staff_words & resident_words
    resident = harness.resident(language="en")
    await resident.send("/language")
    await resident.click(LANGUAGE_NAMES[locale])
    title, steps, _ = FORM_SCRIPTS["food"]
    await begin_form(harness, resident, t, title)
    await play(harness, resident, t, steps)
    await resident.click(t.gettext("Send"))
    await harness.relay()
    [ticket] = await harness.tickets()
    for status in TicketStatus:
        async with harness.db.begin() as session:
            await update_ticket(session, ticket.id, harness.clock(), TicketChange(status=status))
        await resident.send("/mytickets")
        listing = unescape(resident.last.text)
        await resident.send("/mydata")
        data = unescape(resident.last.text)
        for shown in (listing, data):
            assert t.gettext(RESIDENT_STATUS_LABELS[status]) in shown
            assert not [w for w in staff_words if w in shown], (status, shown)
    assert LANGUAGE_NAMES[locale] in data
    assert f"：{locale}" not in data and f": {locale}" not in data


CONTACT_RECEIPTS = {
    c.value: c.receipt for c in FORMS["consultation"].step("contact_method").choices
}


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("contact", sorted(CONTACT_RECEIPTS))
@pytest.mark.parametrize("form_key", sorted(FORMS))
def test_every_form_has_its_own_receipt_per_contact_choice(
    form_key: str, contact: str, locale: str
) -> None:
    """The receipt follows the form (an opinion is thanked, not 'received as a request') and
    the contact chosen: a counter visitor is asked to come, never told staff will call."""
    t = Catalogs().translator_for(locale)
    form = FORMS[form_key]
    answers = {**_answers(form), "contact_method": contact, "wants_reply": "yes"}
    answers["age_group"] = "18_39"
    text = views.submitted(t, form, "1234-5678", PROFILE, answers).text
    assert escape(t.gettext(form.thanks)) in text
    assert escape(t.gettext(form.next_steps)) in text
    for value, receipt in CONTACT_RECEIPTS.items():
        assert (escape(t.gettext(receipt)) in text) == (value == contact), value
    thanks = {f.key: f.thanks for f in FORMS.values()}
    assert thanks["opinion"] != thanks["consultation"]
    assert thanks["volunteer_registration"] != thanks["consultation"]


def test_an_anonymous_opinion_is_promised_no_reply() -> None:
    """'No, stay anonymous': no reply promised, and the receipt says what anonymity means."""
    t = Catalogs().translator_for("ja")
    form = FORMS["opinion"]
    answers = {"kind": "complaint", "about": "chat", "message": "x", "wants_reply": "no"}
    text = views.submitted(t, form, "1234-5678", PROFILE, answers).text
    [anonymous] = [c.receipt for c in form.step("wants_reply").choices if c.value == "no"]
    assert escape(t.gettext(anonymous)) in text
    assert "お返事します" not in text and "ご連絡します" not in text
    assert "お申し込みを受け付けました" not in text


@pytest.mark.parametrize(
    ("topic", "other"), [("loan", "anshin"), ("anshin", "loan"), ("mobility", "loan")]
)
def test_a_consultation_receipt_speaks_of_the_topic_chosen(topic: str, other: str) -> None:
    """Loans are explained only to those who asked about a loan."""
    t = Catalogs().translator_for("ja")
    form = FORMS["consultation"]
    receipts = {c.value: c.receipt for c in form.step("topic").choices}
    answers = {**_answers(form), "topic": topic, "contact_method": "chat"}
    text = views.submitted(t, form, "1234-5678", PROFILE, answers).text
    assert escape(t.gettext(receipts[topic])) in text
    assert escape(t.gettext(receipts[other])) not in text


async def test_a_counter_visitor_is_asked_to_come_with_the_reference(harness: Harness) -> None:
    """End to end: 「窓口で（来所）」 gets 「受付番号をお持ちのうえ…お越しください」, no call."""
    ja = harness.ja()
    resident = harness.resident(language="ja")
    title, steps, _ = FORM_SCRIPTS["volunteer_registration"]
    await begin_form(harness, resident, ja, title)
    await play(harness, resident, ja, steps)
    await resident.click(ja.gettext("Send"))
    await harness.relay()
    receipt = resident.last.text
    assert "受付番号をお持ちのうえ、受付時間内に窓口へお越しください" in receipt
    assert "お電話します" not in receipt
    assert ja.gettext(FORMS["volunteer_registration"].thanks) in receipt


async def test_a_facility_is_asked_where_the_help_is_needed(harness: Harness) -> None:
    """A facility asking for a volunteer is not asked where it lives."""
    ja = harness.ja()
    resident = harness.resident(language="ja")
    await begin_form(harness, resident, ja, "I need a volunteer")
    await resident.send("2")
    await resident.send("2")
    await resident.send("毎週火曜日の午後")
    assert "ボランティアに来てほしい場所は、どの地区ですか？" in resident.last.text
    assert "お住まい" not in resident.last.text


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_privacy_notice_names_every_appi_element(locale: str) -> None:
    """Address and representative, disclosure / correction / stopping use / stopping provision
    and the fee, where to complain, Telegram's operator and country, asking before referral,
    what 'anonymous' means, anonymous statistics: each from the profile, in every language."""
    t = Catalogs().translator_for(locale)
    facts = PROFILE.privacy
    assert facts is not None
    text = unescape(views.privacy_notice(t, PROFILE, SETTINGS, consented=False).text)
    for fact in (
        PROFILE.name.get(locale),
        PROFILE.address.get(locale),
        PROFILE.phone,
        facts.representative.get(locale),
        facts.requests.get(locale),
        facts.fee.get(locale),
        facts.complaints.get(locale),
        facts.messenger_operator.get(locale),
        facts.policy_url,
    ):
        assert fact in text
    for message in (
        "You can ask us to disclose, correct or delete your data, to stop using it, or to stop "
        "giving it to others, by phone or at the counter.",
        "Before passing your request to a partner, a district council or a welfare commissioner, "
        "staff ask you first, as a rule. A volunteer receives only the minimum.",
        "An anonymous opinion carries no name or contact details, but in our system it is linked "
        "to your Telegram account (you can see it with /mydata).",
        "We also use anonymous counts for statistics and reports, in a form that identifies no "
        "one.",
        "(These details are an example and not yet confirmed.)",
    ):
        assert t.gettext(message) in text
    if locale.startswith("ja"):
        assert t.gettext(views.JAPANESE_REPLIES) not in text
    else:
        assert t.gettext(views.JAPANESE_REPLIES) in text
        assert PROFILE.interpretation.get(locale) in text


def test_the_greeting_names_the_ward_council() -> None:
    """「横浜市神奈川区社会福祉協議会」, not just 「社会福祉協議会」 (the prefectural one exists too)."""
    ja = Catalogs().translator_for("ja")
    assert "横浜市神奈川区社会福祉協議会の窓口です" in views.menu(ja, profile=PROFILE).text
