"""Edge cases of staff work: edits, other chats, late messages, blocked residents, forgeries."""

from __future__ import annotations

from tests.fakes import Harness
from tests.staff_helpers import add_staff, card_of, events, resident_request, ticket


async def test_an_edited_command_is_not_run_again(harness: Harness) -> None:
    """Fixing a typo in /reply by editing does not send the resident a second message."""
    staff = await add_staff(harness, 700001, "佐藤")
    resident, tk = await resident_request(harness)
    sent = await staff.send(f"/reply {tk.reference} こんにちわ")
    await staff.edit(sent, f"/reply {tk.reference} こんにちは")
    await harness.relay()
    replies = [e for e in await events(harness, tk.id) if e.kind == "staff_reply"]
    assert len(replies) == 1
    assert sum("こんにち" in m for m in resident.texts()) == 1


async def test_staff_commands_in_another_group_reveal_nothing(harness: Harness) -> None:
    """A staff member typing /ticket in some other group gets the refusal, not the details."""
    await add_staff(harness, 700001, "佐藤")
    _, tk = await resident_request(harness, form="consultation")
    elsewhere = harness.staff(700001, "佐藤")
    elsewhere.group_id = -100999
    await elsewhere.send(f"/ticket {tk.reference}")
    [answer] = elsewhere.messages()
    assert "045-123-4567" not in answer.text and tk.reference not in answer.text
    assert not [e for e in await events(harness, tk.id) if e.kind == "viewed"]


async def test_a_message_after_resolution_reopens_and_reaches_staff(harness: Harness) -> None:
    """'Write here if you still need help' works: the request opens again with the message."""
    staff = await add_staff(harness, 700001, "佐藤")
    resident, tk = await resident_request(harness)
    await staff.send(f"/assign {tk.reference} me")
    await staff.send(f"/status {tk.reference} resolved")
    await resident.send("Actually the food ran out again.")
    await harness.relay()
    tk = await ticket(harness, tk.id)
    assert tk.status == "in_progress"
    assert any("Actually the food ran out again." in m.text for m in staff.messages())


async def test_more_words_before_choosing_a_request_are_kept(harness: Harness) -> None:
    """Two messages before choosing which request: both reach it."""
    resident, first = await resident_request(harness, form="food")
    await resident_request(harness, form="opinion")
    await resident.send("First part.")
    await resident.send("Second part.")
    await resident.send("/start")
    assert "Which of your requests" in resident.last.text
    await resident.send("1")
    texts = [
        e.data["text"] for e in await events(harness, first.id) if e.kind == "resident_message"
    ]
    assert texts == ["First part.\nSecond part."]


async def test_a_resident_who_writes_again_is_reachable_again(harness: Harness) -> None:
    """After a 403, a message from the resident clears the flag on all their tickets."""
    staff = await add_staff(harness, 700001, "佐藤")
    resident, tk = await resident_request(harness)
    harness.api.fail_next(
        "sendMessage",
        status=403,
        chat_id=resident.chat_id,
        description="Forbidden: bot was blocked by the user",
    )
    await staff.send(f"/reply {tk.reference} もしもし")
    await harness.relay()
    assert (await ticket(harness, tk.id)).resident_unreachable
    await resident.send("Sorry, I blocked you by mistake.")
    assert not (await ticket(harness, tk.id)).resident_unreachable
    await staff.send(f"/reply {tk.reference} よかったです")
    await harness.relay()
    assert resident.said("よかったです", since=-1)


async def test_a_closed_ticket_cannot_be_taken(harness: Harness) -> None:
    """Taking a closed ticket (an old card, a double tap) changes nothing."""
    staff = await add_staff(harness, 700001, "佐藤")
    resident, tk = await resident_request(harness)
    await staff.send(f"/close {tk.reference}")
    await harness.relay()
    tk = await ticket(harness, tk.id)
    await staff.press(card_of(harness, tk), f"s:{tk.id}:claim")
    tk = await ticket(harness, tk.id)
    assert (tk.status, tk.assignee_id) == ("closed", None)
    assert not resident.said("taken up")


async def test_the_resident_is_told_once_that_their_request_was_taken_up(harness: Harness) -> None:
    """In progress, then taken, then assigned: one 'taken up' message."""
    staff = await add_staff(harness, 700001, "佐藤")
    await add_staff(harness, 700002, "鈴木")
    resident, tk = await resident_request(harness)
    await staff.send(f"/status {tk.reference} in_progress")
    await staff.send(f"/assign {tk.reference} me")
    await staff.send(f"/assign {tk.reference} 鈴木")
    await harness.relay()
    assert sum("taken up" in m for m in resident.texts()) == 1


async def test_a_card_button_for_another_ticket_is_refused(harness: Harness) -> None:
    """Forged data naming ticket B pressed on ticket A's card changes neither."""
    staff = await add_staff(harness, 700001, "佐藤")
    _, a = await resident_request(harness, user_id=5001)
    _, b = await resident_request(harness, user_id=5002)
    a = await ticket(harness, a.id)
    card = card_of(harness, a)
    before = card.text
    await staff.press(card, f"s:{b.id}:status")
    await staff.press(card, f"s:{b.id}:claim")
    assert card.text == before
    assert (await ticket(harness, b.id)).assignee_id is None


async def test_a_long_reply_is_confirmed_once(harness: Harness) -> None:
    """A reply split into two messages gives one 'delivered' confirmation."""
    staff = await add_staff(harness, 700001, "佐藤")
    resident, tk = await resident_request(harness)
    await staff.send(f"/reply {tk.reference} " + "&" * 1000)
    await harness.relay()
    await harness.relay()
    confirmations = [m for m in staff.messages() if "✓" in m.text]
    assert len(confirmations) == 1
    assert sum(m.count("&amp;") for m in resident.texts()) == 1000
