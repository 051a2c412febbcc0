"""Nothing is sent wrong: an anonymous opinion gets no reply, a reply to a card is explained,
and the reply prompt names who will read it."""

from __future__ import annotations

from storage.outbox import outbox_messages
from tests.fakes import Harness
from tests.staff_helpers import add_staff, card_of, events, resident_request, ticket


async def test_an_anonymous_opinion_is_not_answered(harness: Harness) -> None:
    """返信不要: /reply and the card's Reply button are refused with the reason; nothing is
    queued for the resident."""
    ja = harness.ja()
    staff = await add_staff(harness, 700001, "佐藤")
    resident, tk = await resident_request(harness, form="opinion")
    await staff.send(f"/reply {tk.reference} ご意見ありがとうございました")
    expected = ja.gettext(
        "{reference} is an anonymous opinion: the resident asked for no reply, so nothing was sent."
    ).format(reference=tk.reference)
    assert staff.last.text == expected
    tk = await ticket(harness, tk.id)
    await staff.click(ja.gettext("Reply"), message=card_of(harness, tk))
    await harness.relay()
    async with harness.db() as session:
        kinds = [m.kind for m in await outbox_messages(session)]
    assert "staff_reply" not in kinds and "reply_prompt" not in kinds
    assert not resident.said("ご意見ありがとうございました")


async def test_a_reply_to_the_card_says_how_to_reach_the_resident(harness: Harness) -> None:
    """Staff answering the card itself are told their words stay in the group and how to
    answer; nothing reaches the resident. Someone who is not staff hears nothing."""
    ja = harness.ja()
    staff = await add_staff(harness, 700001, "佐藤")
    resident, tk = await resident_request(harness)
    tk = await ticket(harness, tk.id)
    before = len(resident.messages())
    await staff.send("明日お電話します", reply_to=card_of(harness, tk))
    await harness.relay()
    assert staff.last.text == ja.gettext(
        "Your reply stays in this group: it answers a card, not the resident. To answer the "
        "resident of {reference}, press Reply on its card or reply to one of their own messages."
    ).format(reference=tk.reference)
    assert len(resident.messages()) == before
    stranger = harness.staff(424242, "Stranger")
    said = len(harness.staff_messages())
    await stranger.send("これは何？", reply_to=card_of(harness, tk))
    assert len(harness.staff_messages()) == said


async def test_the_reply_prompt_names_the_service_and_the_residents_language(
    harness: Harness,
) -> None:
    """Before writing, staff see which request they answer and in what language it is read."""
    ja = harness.ja()
    staff = await add_staff(harness, 700001, "佐藤")
    _, tk = await resident_request(harness, language="ko")
    tk = await ticket(harness, tk.id)
    await staff.click(ja.gettext("Reply"), message=card_of(harness, tk))
    await harness.relay()
    prompt = staff.messages()[-1].text
    assert tk.reference in prompt and ja.gettext("Food support") in prompt
    assert "한국어" in prompt, prompt


async def test_closing_asks_first_and_records_what_came_of_it(harness: Harness) -> None:
    """完了にする on the card asks for an outcome before anything changes; choosing one closes
    with it; /close takes the outcome in Japanese; a forged outcome changes nothing."""
    ja = harness.ja()
    staff = await add_staff(harness, 700001, "佐藤")
    _, tk = await resident_request(harness)
    tk = await ticket(harness, tk.id)
    card = card_of(harness, tk)
    await staff.click(ja.gettext("Close"), message=card)
    assert (await ticket(harness, tk.id)).status != "closed"
    assert ja.gettext("Close this request? Choose what came of it (Back keeps it open).") in (
        card.text
    )
    await staff.press(card, f"s:{tk.id}:cl:bogus")
    assert (await ticket(harness, tk.id)).status != "closed"
    await staff.click(ja.gettext("Food provided"), message=card)
    closed = [e for e in await events(harness, tk.id) if e.kind == "closed"]
    assert (await ticket(harness, tk.id)).status == "closed"
    assert closed[-1].data == {"outcome": "food"}

    _, other = await resident_request(harness, user_id=5002, form="consultation")
    await staff.send(f"/close {other.reference} 情報提供 電話で説明済み")
    closed = [e for e in await events(harness, other.id) if e.kind == "closed"]
    assert closed[-1].data == {"outcome": "info", "reason": "電話で説明済み"}
    await staff.send(f"/ticket {other.reference}")
    assert "情報提供・電話で説明済み" in harness.api.sent_to(700001)[-1].text
