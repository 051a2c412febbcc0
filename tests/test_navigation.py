"""Review and edit, back, skip, cancel, talk-to-staff: moving around a form."""

from __future__ import annotations

from tests.fakes import Harness, UserClient
from tests.scripts import FORM_SCRIPTS, begin_form, play


async def _food_at_review(harness: Harness) -> UserClient:
    """A resident who has answered the whole food form and sees the review screen."""
    t = harness.en()
    resident = harness.resident()
    title, steps, _ = FORM_SCRIPTS["food"]
    await begin_form(harness, resident, t, title)
    await play(harness, resident, t, steps)
    assert "Please check your answers." in resident.last.text
    return resident


async def test_review_lists_every_answer(harness: Harness) -> None:
    """The review screen shows each relevant answer, numbered, with a change button each."""
    resident = await _food_at_review(harness)
    review = resident.last.text
    for line in (
        "1. Adults in the household: 2",
        "2. Children in the household: 1",
        "3. How urgent: No food for today",
        "4. Allergies or dietary needs: (skipped)",
        "7. Why not: I use a wheelchair.",
        "8. Also lacks household goods: Yes",
        "10. District: Don&#x27;t know",
        "11. Passing on to a partner: Yes, if it helps",
    ):
        assert line in review
    assert [label for label in resident.labels() if label.startswith("Change")] == [
        f"Change {n}" for n in range(1, 12)
    ]


async def test_edit_an_answer_returns_to_review(harness: Harness) -> None:
    """Changing one answer from the review screen asks only that question again."""
    resident = await _food_at_review(harness)
    await resident.click("Change 1")
    assert "How many adults" in resident.last.text
    assert "Current answer: 2" in resident.last.text
    await resident.send("3")
    assert "Please check your answers." in resident.last.text
    assert "1. Adults in the household: 3" in resident.last.text
    await resident.click("Send")
    [ticket] = await harness.tickets()
    assert ticket.answers["adults"] == 3


async def test_edit_that_hides_a_step_drops_its_answer(harness: Harness) -> None:
    """Answering 'yes, I can pick up' removes the now irrelevant explanation."""
    resident = await _food_at_review(harness)
    await resident.send("6")
    assert "Can you come to pick up" in resident.last.text
    await resident.click("Yes")
    assert "Why not" not in resident.last.text
    await resident.click("Send")
    [ticket] = await harness.tickets()
    assert ticket.answers["pickup"] == "yes"
    assert "pickup_note" not in ticket.answers


async def test_edit_that_reveals_a_step_asks_it_then_returns(harness: Harness) -> None:
    """Switching contact to phone asks for the number (and optional details) before review."""
    resident = await _food_at_review(harness)
    await resident.click("Change 9")
    await resident.click("Phone call")
    assert "phone number" in resident.last.text
    await resident.send("090-1234-5678")
    await resident.click("Skip")
    await resident.click("Skip")
    assert "Please check your answers." in resident.last.text
    assert "090-1234-5678" in resident.last.text


async def test_change_can_be_typed_by_label_in_japanese(harness: Harness) -> None:
    """'3番を変更' typed on the Japanese review screen opens answer 3."""
    ja = harness.ja()
    resident = harness.resident(language="ja")
    title, steps, _ = FORM_SCRIPTS["food"]
    await begin_form(harness, resident, ja, title)
    await play(harness, resident, ja, steps)
    await resident.send(ja.gettext("Change {number}").format(number=3))
    assert ja.gettext("How much food do you have now?") in resident.last.text


async def test_back_from_an_edit_returns_to_review_unchanged(harness: Harness) -> None:
    """Back while changing an answer returns to the review screen with nothing changed."""
    resident = await _food_at_review(harness)
    await resident.click("Change 3")
    await resident.click("Back")
    assert "3. How urgent: No food for today" in resident.last.text


async def test_back_goes_to_the_previous_question_and_keeps_answers(harness: Harness) -> None:
    """Back shows the previous question with the answer already given."""
    t = harness.en()
    resident = harness.resident()
    await begin_form(harness, resident, t, "Food support")
    await resident.send("2")
    await resident.send("0")
    assert "How much food" in resident.last.text
    await resident.click("Back")
    assert "How many children" in resident.last.text
    assert "Current answer: 0" in resident.last.text
    await resident.send("back")
    assert "How many adults" in resident.last.text
    assert not any("Back" in label for label in resident.labels())
    await resident.send("Back")
    assert resident.said("This is the first question.", since=-2)
    state = await harness.draft_state(resident)
    assert state["answers"] == {"adults": 2, "children": 0}


async def test_skip_only_on_optional_steps(harness: Harness) -> None:
    """Skip records a skipped optional answer; typed 'skip' on a required step is refused."""
    t = harness.en()
    resident = harness.resident()
    await begin_form(harness, resident, t, "Food support")
    await resident.send("skip")
    assert resident.said("This question cannot be skipped.", since=-2)
    for answer in ("1", "0", "3"):
        await resident.send(answer)
    assert "allergies" in resident.last.text
    assert any("Skip" in label for label in resident.labels())
    await resident.send("Skip")
    state = await harness.draft_state(resident)
    assert state["answers"]["dietary"] is None


async def test_cancel_asks_first_and_keeping_changes_nothing(harness: Harness) -> None:
    """Cancel asks for confirmation; 'No, continue' returns to the same question."""
    t = harness.en()
    resident = harness.resident()
    await begin_form(harness, resident, t, "Food support")
    await resident.send("2")
    await resident.click("Cancel")
    assert "Cancel this request?" in resident.last.text
    await resident.click("No, continue")
    assert "How many children" in resident.last.text
    assert (await harness.draft_state(resident))["answers"] == {"adults": 2}


async def test_cancel_confirmed_deletes_the_draft(harness: Harness) -> None:
    """Confirmed cancel deletes the draft and its answers, and makes no ticket."""
    t = harness.en()
    resident = harness.resident()
    await begin_form(harness, resident, t, "Food support")
    await resident.send("2")
    await resident.send("/cancel")
    await resident.click("Yes, cancel")
    assert "cancelled" in resident.last.text
    assert await harness.draft_state(resident) is None
    assert await harness.tickets() == []


async def test_cancel_from_review(harness: Harness) -> None:
    """Cancel on the review screen, then continue, returns to the review screen."""
    resident = await _food_at_review(harness)
    await resident.send("Cancel")
    await resident.send("No, continue")
    assert "Please check your answers." in resident.last.text


async def test_talk_to_staff_shows_phone_and_keeps_the_draft(harness: Harness) -> None:
    """'Talk to staff instead' shows the office phone and counter and keeps the place."""
    t = harness.en()
    resident = harness.resident()
    await begin_form(harness, resident, t, "Food support")
    await resident.send("2")
    await resident.click("Talk to staff instead")
    profile = harness.services.profile
    assert resident.said(profile.phone, since=-2)
    assert "How many children" in resident.last.text
    assert (await harness.draft_state(resident))["answers"] == {"adults": 2}


async def test_multi_choice_toggles_in_place(harness: Harness) -> None:
    """Ticking boxes edits the same message; Done needs at least one tick."""
    t = harness.en()
    resident = harness.resident()
    await begin_form(harness, resident, t, "I want to volunteer")
    await resident.click("Done")
    assert resident.said("Please choose at least one", since=-2)
    question = resident.last
    await resident.click("Housework", message=question)
    assert question.edits == 1
    assert any(
        label.startswith("☑") and "Housework" in label for label, _ in resident.buttons(question)
    )
    await resident.click("Housework", message=question)
    assert not any(label.startswith("☑") for label, _ in resident.buttons(question))
    await resident.click("Outings", message=question)
    await resident.click("Done", message=question)
    assert "When are you usually free" in resident.last.text
    state = await harness.draft_state(resident)
    assert state["answers"]["interests"] == ["outing"]


async def test_district_by_town_name_or_number(harness: Harness) -> None:
    """A district can be typed by its number or its name."""
    t = harness.en()
    resident = harness.resident()
    await begin_form(harness, resident, t, "I need a volunteer")
    await resident.send("1")
    await resident.send("2")
    await resident.send("Saturdays")
    await resident.send("(example) District 5")
    state = await harness.draft_state(resident)
    assert state["answers"]["district"] == "d05"


async def test_changing_a_multi_choice_starts_from_the_saved_ticks(harness: Harness) -> None:
    """Unticking one of two saved interests keeps the other."""
    t = harness.en()
    resident = harness.resident()
    title, steps, _ = FORM_SCRIPTS["volunteer_registration"]
    await begin_form(harness, resident, t, title)
    await play(harness, resident, t, steps)
    await resident.click("Change 1")
    question = resident.last
    ticked = [label for label, _ in resident.buttons(question) if label.startswith("☑")]
    assert len(ticked) == 2
    await resident.click("Housework", message=question)
    await resident.click("Done", message=question)
    assert "1. Interests: Disaster volunteering" in resident.last.text


async def test_cancel_confirmation_by_number(harness: Harness) -> None:
    """'1' on the cancel question cancels, '2' continues."""
    t = harness.en()
    resident = harness.resident()
    await begin_form(harness, resident, t, "Food support")
    await resident.send("cancel")
    await resident.send("2")
    assert "How many adults" in resident.last.text
    await resident.send("cancel")
    await resident.send("1")
    assert await harness.draft_state(resident) is None


async def test_under_18_is_not_asked_for_details_or_contact(harness: Harness) -> None:
    """A volunteer under 18 goes straight to review after the age question."""
    t = harness.en()
    resident = harness.resident()
    await begin_form(harness, resident, t, "I want to volunteer")
    await resident.send("1")
    await resident.send("2")
    await resident.click("Don't know")
    await resident.click("Under 18")
    assert "Please check your answers." in resident.last.text
    await resident.click("Send")
    [ticket] = await harness.tickets()
    assert set(ticket.answers) == {"interests", "availability", "district", "age_group"}
