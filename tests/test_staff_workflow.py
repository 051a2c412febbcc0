"""Staff take a ticket from card to closed in Telegram; the resident hears back through the bot."""

from __future__ import annotations

from datetime import date, timedelta

from bot.numbers.figures import collect_digest
from bot.staff.dates import read_day
from tests.fakes import Harness
from tests.staff_helpers import add_staff, card_of, events, resident_request, ticket


async def test_card_to_closed_and_the_resident_hears_back(harness: Harness) -> None:
    """Claim → note → reply → resident answers → refer → resolve → close → reopen."""
    ja = harness.ja()
    staff = await add_staff(harness, 700001, "佐藤")
    resident, tk = await resident_request(harness)
    tk = await ticket(harness, tk.id)
    card = card_of(harness, tk)
    assert ja.gettext("Take this") in " ".join(label for label, _ in staff.buttons(card))

    await staff.click(ja.gettext("Take this"), message=card)
    await harness.relay()
    tk = await ticket(harness, tk.id)
    assert tk.status == "assigned" and tk.assignee_id is not None
    assert "佐藤" in card.text and card.edits >= 1
    assert resident.said("has been taken up by a staff member", since=-1)

    seen_by_resident = len(resident.messages())
    await staff.send(f"/note {tk.reference} 家族構成を電話で確認すること")
    await harness.relay()
    assert len(resident.messages()) == seen_by_resident
    assert not any("家族構成" in m for m in resident.texts())

    await staff.click(ja.gettext("Reply"), message=card)
    await harness.relay()
    prompt = staff.messages()[-1]
    assert tk.reference in prompt.text
    await staff.send("明日の午前中にお電話してもよろしいですか。", reply_to=prompt)
    await harness.relay()
    await harness.relay()
    assert resident.said("明日の午前中にお電話してもよろしいですか。", since=-1)
    assert staff.said(
        ja.gettext("✓ Delivered to the resident ({reference}).").format(reference=tk.reference)
    )

    await resident.send("Yes, after 10 please.")
    assert resident.said(f"added your message to your request {tk.reference}", since=-1)
    await harness.relay()
    relayed = next(m for m in staff.messages() if "Yes, after 10 please." in m.text)
    assert relayed.reply_to_message_id == tk.card_message_id
    await staff.send("承知しました。10時過ぎにお電話します。", reply_to=relayed)
    await harness.relay()
    assert resident.said("10時過ぎにお電話します。", since=-1)

    await staff.click(ja.gettext("Refer"), message=card)
    partner = harness.services.profile.partners[0]
    await staff.click(partner.name.get("ja"), message=card)
    await harness.relay()
    tk = await ticket(harness, tk.id)
    assert tk.status == "referred" and tk.referred_to == partner.key
    assert resident.said(partner.name.get("en"), since=-1)

    await staff.send(f"/status {tk.reference} resolved")
    await harness.relay()
    assert resident.said("has been resolved", since=-1)
    await staff.send(f"/close {tk.reference} 支援完了")
    await harness.relay()
    tk = await ticket(harness, tk.id)
    assert tk.status == "closed" and tk.closed_at is not None
    assert [label for label, _ in staff.buttons(card)] == [ja.gettext("Reopen")]
    await staff.send(f"/reopen {tk.reference}")
    await harness.relay()
    tk = await ticket(harness, tk.id)
    assert tk.status == "in_progress" and tk.closed_at is None

    kinds = [e.kind for e in await events(harness, tk.id)]
    for kind in (
        "created",
        "claimed",
        "note",
        "staff_reply",
        "reply_delivered",
        "resident_message",
        "referred",
        "status",
        "closed",
        "reopened",
    ):
        assert kind in kinds


async def test_nothing_is_forgotten_assignee_is_told_and_answers_come_back(
    harness: Harness,
) -> None:
    """/assign mentions the new assignee in a message of its own; a resident's message names
    the assignee; an answer to a request waiting for the resident puts it back in progress."""
    sato = await add_staff(harness, 700001, "佐藤")
    await add_staff(harness, 700002, "鈴木")
    resident, tk = await resident_request(harness)
    await sato.send(f"/assign {tk.reference} 鈴木")
    await harness.relay()
    notice = harness.staff_messages()[-1].text
    assert "tg://user?id=700002" in notice and tk.reference in notice
    await sato.send(f"/status {tk.reference} 返答待ち")
    assert (await ticket(harness, tk.id)).status == "waiting"
    await resident.send("はい、明日の午前なら大丈夫です")
    await harness.relay()
    relay = next(m for m in harness.staff_messages() if "明日の午前" in m.text)
    assert "tg://user?id=700002" in relay.text
    assert (await ticket(harness, tk.id)).status == "in_progress"
    statuses = [e.data for e in await events(harness, tk.id) if e.kind == "status"]
    assert statuses[-1] == {"from": "waiting", "to": "in_progress"}


async def test_a_follow_up_date_comes_back_in_that_mornings_digest(harness: Harness) -> None:
    """/remind … 明日 shows on the card, is in the next day's digest with the assignee, not in
    today's; a past or unreadable day is refused; なし clears it."""
    staff = await add_staff(harness, 700001, "佐藤")
    _, tk = await resident_request(harness)
    await staff.send(f"/assign {tk.reference} 自分")
    await staff.send(f"/remind {tk.reference} きのう")
    assert (await ticket(harness, tk.id)).follow_up_on is None
    await staff.send(f"/remind {tk.reference} 明日 電話で確認")
    tk = await ticket(harness, tk.id)
    today = harness.services.calendar.local_day(harness.clock())
    assert tk.follow_up_on == today + timedelta(days=1)
    await harness.relay()
    assert "⏰" in card_of(harness, tk).text
    async with harness.db() as session:
        assert (await collect_digest(session, harness.services, harness.clock())).follow_ups == []
    harness.clock.advance(days=1)
    async with harness.db() as session:
        digest = await collect_digest(session, harness.services, harness.clock())
    assert digest.follow_ups == [(tk.reference, "佐藤")]
    await staff.send(f"/remind {tk.reference} なし")
    assert (await ticket(harness, tk.id)).follow_up_on is None


def test_days_as_staff_type_them() -> None:
    """明日, 3日後, 来週, 12/3 (next such day), 12月3日, ISO; nonsense is None."""
    today = date(2026, 11, 30)
    assert read_day("明日", today) == date(2026, 12, 1)
    assert read_day("3日後", today) == date(2026, 12, 3)
    assert read_day("来週", today) == date(2026, 12, 7)
    assert read_day("12/3", today) == date(2026, 12, 3)
    assert read_day("１１月２日", today) == date(2027, 11, 2)
    assert read_day("2026-12-24", today) == date(2026, 12, 24)
    assert read_day("2月30日", today) is None
    assert read_day("そのうち", today) is None


async def test_the_person_behind_the_tickets_in_one_view(harness: Harness) -> None:
    """/person shows every request of the same resident, newest first, with notes and phone,
    privately; another resident's request is not in it."""
    staff = await add_staff(harness, 700001, "佐藤")
    resident, first = await resident_request(harness, form="consultation")
    await staff.send(f"/note {first.reference} 家族に確認済み")
    await resident.send("/start")
    _, second = await resident_request(harness, form="food")
    _, stranger = await resident_request(harness, user_id=5002)
    await staff.send(f"/person {second.reference}")
    view = harness.api.sent_to(700001)[-1].text
    assert first.reference in view and second.reference in view
    assert stranger.reference not in view
    assert "家族に確認済み" in view and "045-123-4567" in view
    assert view.index(second.reference) < view.index(first.reference)
    assert "家族に確認済み" not in staff.last.text
