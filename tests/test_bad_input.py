"""Bad input gets a kind message and changes nothing it should not."""

from __future__ import annotations

import pytest

from tests.fakes import Harness, UserClient
from tests.scripts import begin_form

NON_TEXT = {
    "sticker": {
        "sticker": {
            "file_id": "s1",
            "file_unique_id": "s1u",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
    },
    "photo": {"photo": [{"file_id": "p1", "file_unique_id": "p1u", "width": 90, "height": 90}]},
    "voice": {"voice": {"file_id": "v1", "file_unique_id": "v1u", "duration": 3}},
    "location": {"location": {"latitude": 35.48, "longitude": 139.62}},
}


async def _at_adults_question(harness: Harness) -> UserClient:
    """A resident on the food form's first question (a number)."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Food support")
    assert "How many adults" in resident.last.text
    return resident


async def _at_text_question(harness: Harness) -> UserClient:
    """A resident on the consultation form's free-text question (400 characters)."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Consultation")
    await resident.send("1")
    await resident.send("1")
    assert "what is happening" in resident.last.text
    return resident


@pytest.mark.parametrize("kind", sorted(NON_TEXT))
async def test_non_text_where_text_is_expected(harness: Harness, kind: str) -> None:
    """A sticker, photo, voice note or location is answered kindly and the draft is unchanged
    (a photo is asked for again once the request is sent)."""
    resident = await _at_adults_question(harness)
    before = await harness.draft_state(resident)
    await resident.send_content(**NON_TEXT[kind])
    expected = "after you have sent this request" if kind == "photo" else "I can only read text"
    assert resident.said(expected, since=-2)
    assert "How many adults" in resident.last.text
    assert await harness.draft_state(resident) == before


async def test_non_text_at_the_menu(harness: Harness) -> None:
    """A sticker at the menu is answered and shows the menu again."""
    resident = harness.resident()
    await resident.send("/start")
    await resident.send_content(**NON_TEXT["sticker"])
    assert resident.said("I can only read text here", since=-2)
    assert any("Food support" in label for label in resident.labels())


async def test_huge_text_is_refused_with_the_limit(harness: Harness) -> None:
    """10,000 characters where 400 are allowed: told the length and the limit; nothing stored."""
    resident = await _at_text_question(harness)
    before = await harness.draft_state(resident)
    await resident.send("x" * 10_000)
    assert resident.said("That is 10000 characters; please keep it within 400.", since=-2)
    assert await harness.draft_state(resident) == before
    await resident.send("y" * 400)
    assert (await harness.draft_state(resident))["answers"]["situation"] == "y" * 400


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("0", "Please type a number from 1 to 20."),
        ("21", "Please type a number from 1 to 20."),
        ("-3", "Please type a number from 1 to 20."),
        ("many", "Please type a number, for example 2."),
        ("2 or 3", "Please type a number, for example 2."),
        ("99999999999999999999", "Please type a number, for example 2."),
    ],
)
async def test_numbers_out_of_range_or_not_numbers(
    harness: Harness, typed: str, problem: str
) -> None:
    """A number outside the range, or no number, is refused with what to type."""
    resident = await _at_adults_question(harness)
    await resident.send(typed)
    assert resident.said(problem, since=-2)
    assert (await harness.draft_state(resident))["answers"] == {}


async def test_full_width_and_words_around_a_number(harness: Harness) -> None:
    """'３人' is read as 3."""
    resident = await _at_adults_question(harness)
    await resident.send("３人")
    assert (await harness.draft_state(resident))["answers"] == {"adults": 3}


@pytest.mark.parametrize("typed", ["12345", "045-123", "+1 202 555 0123", "phone", "0" * 60])
async def test_invalid_phone_numbers(harness: Harness, typed: str) -> None:
    """Invalid or foreign numbers are refused; the draft stays on the phone question."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Consultation")
    for answer in ("1", "1", "Help please"):
        await resident.send(answer)
    await resident.click("Phone call")
    before = await harness.draft_state(resident)
    await resident.send(typed)
    assert resident.said("does not look like a Japanese phone number", since=-2)
    assert await harness.draft_state(resident) == before


@pytest.mark.parametrize("typed", ["０９０－１２３４－５６７８", "+81 90 1234 5678", "09012345678"])
async def test_valid_phone_numbers_in_any_common_form(harness: Harness, typed: str) -> None:
    """Full-width, international and undashed mobile numbers are all accepted."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Consultation")
    for answer in ("1", "1", "Help please"):
        await resident.send(answer)
    await resident.click("Phone call")
    await resident.send(typed)
    assert (await harness.draft_state(resident))["answers"]["phone"] == "+819012345678"


async def test_button_from_an_old_message(harness: Harness) -> None:
    """Pressing a button of an earlier question says so and does not advance twice."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Consultation")
    first_question = resident.last
    old_buttons = dict(resident.buttons(first_question))
    await resident.click("Something else", message=first_question)
    before = await harness.draft_state(resident)
    await resident.press(first_question, old_buttons["5. Children and families"])
    assert resident.said("That button belongs to an earlier message", since=-2)
    assert await harness.draft_state(resident) == before
    assert "Who needs help?" in resident.last.text


@pytest.mark.parametrize(
    "data",
    [
        "f:1:explode",
        "x:y",
        "",
        "m:admin",
        "c:agree' OR 1=1",
        "f:abc:pick:0",
        "l:xx",
        "f:" + "9" * 70,
    ],
)
async def test_forged_button_data(harness: Harness, data: str) -> None:
    """Data we never made is refused without touching the draft."""
    resident = await _at_adults_question(harness)
    before = await harness.draft_state(resident)
    await resident.press(resident.last, data)
    assert await harness.draft_state(resident) == before
    assert "How many adults" in resident.last.text
    answered = [c for c in harness.api.calls if c.method == "answerCallbackQuery"]
    assert answered and answered[-1].params.get("text")


async def test_out_of_range_choice_index(harness: Harness) -> None:
    """A well-formed button with a choice index the question does not have is refused."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Consultation")
    state = await harness.draft_state(resident)
    await resident.press(resident.last, f"f:{state['round']}.{state['seq']}:pick:42")
    assert resident.said("That button is not part of this question.", since=-2)
    assert await harness.draft_state(resident) == state


async def test_edited_message_does_not_change_the_answer(harness: Harness) -> None:
    """Editing an earlier answer explains how to change it; the stored answer stays."""
    resident = await _at_adults_question(harness)
    sent = await resident.send("2")
    await resident.edit(sent, "5")
    assert resident.said("I cannot read changes to earlier messages", since=-2)
    assert (await harness.draft_state(resident))["answers"] == {"adults": 2}


async def test_command_in_the_middle_of_a_form(harness: Harness) -> None:
    """/help mid-form helps and shows the same question; an unknown command too."""
    resident = await _at_adults_question(harness)
    await resident.send("/help")
    assert resident.said("/language", since=-2)
    assert "How many adults" in resident.last.text
    await resident.send("/frobnicate")
    assert resident.said("I do not know that command", since=-2)
    assert "How many adults" in resident.last.text
    assert (await harness.draft_state(resident))["answers"] == {}


async def test_start_in_the_middle_offers_continue_or_start_over(harness: Harness) -> None:
    """/start mid-form offers to continue; continuing returns to the same question."""
    resident = await _at_adults_question(harness)
    await resident.send("2")
    await resident.send("/start")
    assert "unfinished request" in resident.last.text
    await resident.click("Continue where I stopped")
    assert "How many children" in resident.last.text


async def test_the_same_update_twice_never_advances_twice(harness: Harness) -> None:
    """A redelivered update (same update_id) changes nothing."""
    resident = await _at_adults_question(harness)
    update = await resident.send("2")
    sent_before = len(harness.api.calls)
    await resident.deliver(update)
    assert len(harness.api.calls) == sent_before
    assert (await harness.draft_state(resident))["answers"] == {"adults": 2}


async def test_a_redelivered_send_never_makes_a_second_ticket(harness: Harness) -> None:
    """Send delivered twice, and Send pressed twice, make one ticket."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Opinion or complaint")
    for answer in ("4", "5", "Lovely", "2"):
        await resident.send(answer)
    review = resident.last
    send_data = dict(resident.buttons(review))["✅ Send"]
    press = await resident.click("Send")
    await resident.deliver(press)
    await resident.press(review, send_data)
    assert len(await harness.tickets()) == 1
    assert resident.said("That button belongs to an earlier message", since=-2)


async def test_html_in_answers_is_escaped_everywhere(harness: Harness) -> None:
    """An answer with markup is shown literally to the resident and to staff."""
    harness.settings.card_shows = ["answers"]
    resident = await _at_text_question(harness)
    await resident.send("<b>bold</b> & <script>")
    await resident.send("1")
    await resident.send("1")
    await resident.send("1")
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;" in resident.last.text
    await resident.send("Send")
    await harness.relay()
    [card] = harness.staff_messages()
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;" in card.text
    assert "<script>" not in card.text


async def test_messages_in_groups_are_not_treated_as_residents(harness: Harness) -> None:
    """The bot does not run intake in the staff group."""
    resident = harness.resident()
    payload = resident.message_payload(text="/start")
    payload["chat"] = {"id": harness.settings.staff_chat_id, "type": "supergroup", "title": "staff"}
    payload["entities"] = [{"type": "bot_command", "offset": 0, "length": 6}]
    await resident.deliver({"update_id": 999_999, "message": payload})
    assert harness.api.calls == [c for c in harness.api.calls if c.method == "getMe"]
    assert await harness.resident_row(resident) is None


async def test_button_pressed_in_a_group_touches_no_resident(harness: Harness) -> None:
    """A forged menu button pressed in the staff group is answered and ignored."""
    resident = harness.resident()
    payload = {
        "update_id": 999_998,
        "callback_query": {
            "id": "cq1",
            "from": {"id": resident.user_id, "is_bot": False, "first_name": "S"},
            "chat_instance": "g",
            "data": "m:food",
            "message": {
                "message_id": 5,
                "date": 0,
                "text": "card",
                "chat": {"id": harness.settings.staff_chat_id, "type": "supergroup"},
            },
        },
    }
    await resident.deliver(payload)
    assert [c.method for c in harness.api.calls if c.method != "getMe"] == ["answerCallbackQuery"]
    assert await harness.resident_row(resident) is None


async def test_buttons_of_a_discarded_request_do_not_answer_the_new_one(harness: Harness) -> None:
    """Start over, start the same form again: the first draft's buttons are stale."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Consultation")
    old_question = resident.last
    old_buttons = dict(resident.buttons(old_question))
    await resident.send("/start")
    await resident.click("Start over")
    await resident.click("Consultation")
    before = await harness.draft_state(resident)
    await resident.press(old_question, old_buttons["5. Children and families"])
    assert await harness.draft_state(resident) == before
    assert resident.said("That button belongs to an earlier message", since=-2)


async def test_consent_is_never_recorded_by_a_menu_number(harness: Harness) -> None:
    """After leaving the consent screen for office information, '1' means the menu's 1."""
    resident = harness.resident()
    await resident.send("/start")
    menu = resident.last
    menu_buttons = dict(resident.buttons(menu))
    await resident.click("Consultation")
    await resident.press(menu, menu_buttons["10. Office information"])
    await resident.send("1")
    row = await harness.resident_row(resident)
    assert row.consent_version is None
    assert "Do you agree?" in resident.last.text


async def test_unusual_digits_get_a_kind_answer(harness: Harness) -> None:
    """Digits Python knows but int() does not read ('፩') are treated as text, not a crash."""
    resident = await _at_adults_question(harness)
    await resident.send("፩")
    assert resident.said("Please type a number", since=-2)
    await resident.send("/start")
    await resident.send("፩")
    assert "unfinished request" in resident.last.text or resident.said("Please press", since=-2)


async def test_failed_button_answer_never_costs_the_reference(harness: Harness) -> None:
    """If answering the Send press fails, the receipt with the reference still arrives."""
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Opinion or complaint")
    for answer in ("4", "5", "Lovely", "2"):
        await resident.send(answer)
    harness.api.fail_next(
        "answerCallbackQuery", status=400, description="Bad Request: query is too old"
    )
    await resident.click("Send")
    await harness.relay()
    [ticket] = await harness.tickets()
    assert ticket.reference in resident.last.text


async def test_a_second_submission_of_the_same_draft_makes_no_ticket(harness: Harness) -> None:
    """open_ticket finds the draft gone and returns None instead of a duplicate."""
    from bot.forms.definitions import FORMS
    from bot.forms.engine import DraftState
    from bot.tickets import lifecycle as tickets

    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Opinion or complaint")
    for answer in ("4", "5", "Lovely", "2"):
        await resident.send(answer)
    state = DraftState.model_validate(await harness.draft_state(resident))
    row = await harness.resident_row(resident)
    async with harness.db.begin() as session:
        first = await tickets.open_ticket(
            session, harness.services, row, FORMS["opinion"], state, "en"
        )
        second = await tickets.open_ticket(
            session, harness.services, row, FORMS["opinion"], state, "en"
        )
    assert first is not None and second is None
    assert len(await harness.tickets()) == 1


def test_database_errors_never_carry_answers() -> None:
    """The engine hides bound parameters, so an error cannot quote an answer or a phone."""
    from storage.db import create_engine

    engine = create_engine("sqlite+aiosqlite:///:memory:")
    assert engine.sync_engine.hide_parameters is True
