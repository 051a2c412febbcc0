"""Residents on LINE: the same desk through LINE's webhook and Messaging API (a fake over HTTP);
staff keep working in the Telegram group."""

from __future__ import annotations

from html import escape

from sqlalchemy import func, select

from bot.numbers.pushes import PUSHES_OF_LIMIT
from bot.outbox.relay import Prepared
from bot.staff.cards import LINE_QUOTA, UNREACHABLE
from bot.tickets.retention import apply_retention, purge_expired
from storage.line import LINE_CHAT_BASE
from storage.models import InboxUpdate, LineEvent, LineUser, OutboxMessage, Resident
from tests.line_helpers import LineDesk, LineResident, line, signature  # noqa: F401 - the fixture
from tests.scripts import FORM_SCRIPTS, begin_form, play
from tests.staff_helpers import add_staff, card_of


async def food_request(line: LineDesk, resident: LineResident, language: str) -> None:  # noqa: F811
    """A LINE resident asks for food support from the menu to "send"."""
    t = line.harness.catalogs.translator_for(language)
    title, steps, _ = FORM_SCRIPTS["food"]
    await begin_form(line.harness, resident, t, title)
    await play(line.harness, resident, t, steps)
    await resident.click(t.gettext("Send"))


async def test_food_intake_on_line_reaches_the_staff_group(line: LineDesk) -> None:  # noqa: F811
    """Follow → menu in Japanese; a complete food intake; the card in the Telegram group; the
    receipt by push; answers went by reply token; no HTML anywhere."""
    harness, ja = line.harness, line.harness.ja()
    line.fake.languages["U" + "a" * 32] = "ja"
    resident = line.resident()
    await resident.follow()
    assert any(ja.gettext("Food support") in label for label in resident.labels())
    await food_request(line, resident, "ja")
    await harness.relay()

    [ticket] = await harness.tickets()
    assert ticket.service == "food" and ticket.answers["adults"] == 2
    card = card_of(harness, ticket)
    assert ticket.reference in card.text
    assert resident.said(ticket.reference)
    hows = {d.how for d in line.fake.deliveries}
    assert hows == {"reply", "push"}
    assert not any("<b>" in text or "&amp;" in text for text in resident.texts())
    async with harness.db() as session:
        row = await session.scalar(select(Resident))
        assert row.channel == "line" and row.language_code == "ja"
        assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 0


async def test_staff_reply_reaches_the_line_resident_by_push(line: LineDesk) -> None:  # noqa: F811
    """/reply in the Telegram group goes to the LINE resident through the outbox."""
    harness = line.harness
    staff = await add_staff(harness, 700001, "佐藤")
    resident = line.resident()
    await resident.follow()
    await food_request(line, resident, "ja")
    await harness.relay()
    [ticket] = await harness.tickets()
    await staff.send(f"/reply {ticket.reference} 明日お電話します。")
    await harness.relay()
    await harness.relay()
    last = line.fake.seen_by(resident.user_id)[-1]
    assert last.how == "push" and "明日お電話します。" in last.messages[0]["text"]


async def test_a_bad_signature_is_refused_and_stores_nothing(line: LineDesk) -> None:  # noqa: F811
    """401 for a wrong signature; no event id, no inbox row, no resident."""
    resident = line.resident()
    event = line.event(resident.user_id, "follow", follow={})
    assert await line.post([event], secret="not-our-secret") == 401
    async with line.harness.db() as session:
        for model in (InboxUpdate, LineEvent, Resident):
            assert await session.scalar(select(func.count()).select_from(model)) == 0


async def test_a_redelivered_event_is_handled_once(line: LineDesk) -> None:  # noqa: F811
    """The same webhookEventId twice (the second marked a redelivery) answers once."""
    resident = line.resident()
    event = line.event(resident.user_id, "follow", follow={})
    assert await line.post([event]) == 200
    again = dict(event, deliveryContext={"isRedelivery": True})
    assert await line.post([again]) == 200
    await line.drain()
    assert await line.post([again]) == 200
    await line.drain()
    assert len(line.fake.seen_by(resident.user_id)) == 1


async def test_stickers_images_and_locations_get_a_kind_answer(line: LineDesk) -> None:  # noqa: F811
    """Anything but text is answered kindly, with where the resident is."""
    en = line.harness.en()
    line.fake.languages["U" + "a" * 32] = "en"
    resident = line.resident()
    await resident.follow()
    for message in (
        {"type": "sticker", "id": "2", "packageId": "1", "stickerId": "1"},
        {"type": "image", "id": "3", "contentProvider": {"type": "line"}},
        {"type": "location", "id": "4", "latitude": 35.47, "longitude": 139.63},
    ):
        seen = len(resident.texts())
        await resident.send_other(message)
        assert resident.said(en.gettext("I can only read text here."), since=seen)


async def test_easy_japanese_intake_on_line(line: LineDesk) -> None:  # noqa: F811
    """A resident picks やさしい日本語 with /language and finishes a food intake in it."""
    harness = line.harness
    easy = harness.catalogs.translator_for("ja_easy")
    resident = line.resident()
    await resident.follow()
    await resident.send("/language")
    await resident.click("やさしい日本語")
    await food_request(line, resident, "ja_easy")
    await harness.relay()
    [ticket] = await harness.tickets()
    assert ticket.locale == "ja_easy" and ticket.service == "food"
    assert "</b> · LINE" in card_of(harness, ticket).text
    assert resident.said(ticket.reference)
    assert resident.said(easy.gettext("Send")) or easy.gettext("Send") != "Send"


async def test_an_expired_reply_token_falls_back_to_push(line: LineDesk) -> None:  # noqa: F811
    """An event handled after its reply token expired is answered by push."""
    resident = line.resident()
    event = line.event(resident.user_id, "follow", follow={})
    line.fake.expired.add(event["replyToken"])
    await resident.deliver(event)
    [delivery] = line.fake.seen_by(resident.user_id)
    assert delivery.how == "push"

    old = line.event(resident.user_id, "message", message={"type": "text", "id": "9", "text": "1"})
    line.harness.clock.advance(minutes=5)  # handled long after it was sent: no reply attempt
    await resident.deliver(old)
    assert line.fake.seen_by(resident.user_id)[-1].how == "push"
    assert line.fake.calls.count("POST /v2/bot/message/reply") == 1


async def test_unfollow_marks_the_tickets_unreachable(line: LineDesk) -> None:  # noqa: F811
    """A resident who blocks the account: their tickets and card say so; nothing is pushed."""
    harness = line.harness
    resident = line.resident()
    await resident.follow()
    await food_request(line, resident, "ja")
    await harness.relay()
    [ticket] = await harness.tickets()
    await resident.unfollow()
    await harness.relay()
    [ticket] = await harness.tickets()
    assert ticket.resident_unreachable
    assert harness.ja().gettext(UNREACHABLE) in card_of(harness, ticket).text
    staff = await add_staff(harness, 700001, "佐藤")
    pushes = len(line.fake.seen_by(resident.user_id))
    await staff.send(f"/reply {ticket.reference} 届きますか")
    await harness.relay()
    assert len(line.fake.seen_by(resident.user_id)) == pushes
    await resident.follow()  # friends again: reachable again
    [ticket] = await harness.tickets()
    assert not ticket.resident_unreachable


async def test_a_quota_refusal_is_kept_and_shown_to_staff(line: LineDesk) -> None:  # noqa: F811
    """LINE refuses a push for the month's quota: the message waits (no retry loop), the card
    says why; next month it goes out once."""
    harness = line.harness
    staff = await add_staff(harness, 700001, "佐藤")
    resident = line.resident()
    await resident.follow()
    await food_request(line, resident, "ja")
    await harness.relay()
    [ticket] = await harness.tickets()
    line.fake.quota_used_up = True
    before = line.fake.calls.count("POST /v2/bot/message/push")
    await staff.send(f"/reply {ticket.reference} 来月でも届きます")
    for _ in range(3):
        harness.clock.advance(minutes=10)
        await harness.relay()
    assert line.fake.calls.count("POST /v2/bot/message/push") == before + 1  # no retry loop
    async with harness.db() as session:
        waiting = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.chat_id >= LINE_CHAT_BASE)
        )
    assert waiting == 1
    assert escape(harness.ja().gettext(LINE_QUOTA)) in card_of(harness, ticket).text
    line.fake.quota_used_up = False
    harness.clock.advance(days=40)
    await harness.relay()
    assert sum("来月でも届きます" in text for text in resident.texts()) == 1


async def test_the_councils_monthly_limit_holds_pushes(line: LineDesk) -> None:  # noqa: F811
    """With MADOGUCHI_LINE_PUSH_MONTHLY_LIMIT reached, pushes wait without asking LINE."""
    harness = line.harness
    harness.services.settings.line_push_monthly_limit = 0
    resident = line.resident()
    await resident.follow()
    await food_request(line, resident, "ja")
    await harness.relay()
    [ticket] = await harness.tickets()
    assert not resident.said(ticket.reference)
    assert "POST /v2/bot/message/push" not in line.fake.calls
    assert escape(harness.ja().gettext(LINE_QUOTA)) in card_of(harness, ticket).text


async def test_delete_erases_the_line_resident(line: LineDesk) -> None:  # noqa: F811
    """/delete on LINE: the resident, their LINE id and their answers are gone; counts stay."""
    harness = line.harness
    resident = line.resident()
    await resident.follow()
    await food_request(line, resident, "ja")
    await harness.relay()
    await resident.send("/delete")
    await resident.click(harness.ja().gettext("Yes, delete my data"))
    async with harness.db() as session:
        assert await session.scalar(select(func.count()).select_from(Resident)) == 0
        assert await session.scalar(select(func.count()).select_from(LineUser)) == 0
    [ticket] = await harness.tickets()
    assert ticket.erased


async def test_a_push_retried_after_a_lost_answer_is_delivered_once(line: LineDesk) -> None:  # noqa: F811
    """The same outbox row pushed twice (its outcome lost) reaches the resident once."""
    harness = line.harness
    resident = line.resident()
    await resident.follow()
    await food_request(line, resident, "ja")
    async with harness.db() as session:
        rows = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.chat_id >= LINE_CHAT_BASE)
            )
        )
    assert rows
    sender = harness.services.relay._sender  # noqa: SLF001 - the relay's own sender
    prepared = Prepared(rows[0].text, rows[0].reply_markup, outbox_id=rows[0].id)
    await sender.send(rows[0].chat_id, prepared)
    await sender.send(rows[0].chat_id, prepared)
    pushed = [d for d in line.fake.seen_by(resident.user_id) if d.how == "push"]
    assert len(pushed) == 1


async def test_stats_count_this_months_line_pushes(line: LineDesk) -> None:  # noqa: F811
    """/stats shows the pushes used this month against the plan's limit."""
    harness = line.harness
    harness.services.settings.line_push_monthly_limit = 1000
    resident = line.resident()
    await resident.follow()
    assert any("/delete" in text for text in resident.texts())  # the menu lists the commands
    await food_request(line, resident, "ja")
    await harness.relay()
    admin = harness.staff(900001, "Admin")
    await admin.send("/stats month")
    expected = harness.ja().gettext(PUSHES_OF_LIMIT).format(used=1, limit=1000)
    assert admin.said(escape(expected))


async def test_retention_forgets_idle_line_users_and_old_event_ids(line: LineDesk) -> None:  # noqa: F811
    """A LINE resident with nothing left is removed with their sealed LINE id; event ids older
    than a week are forgotten."""
    harness = line.harness
    resident = line.resident()
    await resident.follow()
    harness.clock.advance(days=harness.settings.closed_retention_days + 1)
    await apply_retention(harness.services, harness.clock())
    await purge_expired(harness.services, harness.clock())
    async with harness.db() as session:
        for model in (Resident, LineUser, LineEvent):
            assert await session.scalar(select(func.count()).select_from(model)) == 0


async def test_the_webhook_refuses_what_is_not_line(line: LineDesk) -> None:  # noqa: F811
    """A huge body is refused (413), a signed body that is not LINE's shape too (400), and a
    group's message or an event without an id is taken (200) but stores nothing."""
    big = b"{" + b" " * 1_000_001 + b"}"
    answer = await line.client.post("/line", content=big, headers={"x-line-signature": "x"})
    assert answer.status_code == 413
    for body in (b"not json", b'{"events": {}}', b'{"events": [1]}'):
        headers = {"x-line-signature": signature(body)}
        assert (await line.client.post("/line", content=body, headers=headers)).status_code == 400
    group = line.event("U" + "b" * 32, "message", message={"type": "text", "id": "1", "text": "x"})
    group["source"] = {"type": "group", "groupId": "C1", "userId": "U" + "b" * 32}
    nameless = line.event("U" + "c" * 32, "follow", follow={})
    nameless.pop("webhookEventId")
    assert await line.post([group, nameless]) == 200
    assert await line.post([]) == 200  # LINE's "Verify" button
    async with line.harness.db() as session:
        for model in (InboxUpdate, LineEvent, LineUser):
            assert await session.scalar(select(func.count()).select_from(model)) == 0


async def test_line_in_trouble_does_not_hold_up_telegram(line: LineDesk) -> None:  # noqa: F811
    """While LINE answers 500 the LINE receipt waits and is tried again later; the card still
    reaches the Telegram group at once; once LINE is back the receipt goes out once."""
    harness = line.harness
    resident = line.resident()
    await resident.follow()
    line.fake.push_status = 500
    await food_request(line, resident, "ja")
    await harness.relay()
    [ticket] = await harness.tickets()
    assert ticket.card_message_id is not None and card_of(harness, ticket)
    assert not resident.said(ticket.reference)
    line.fake.push_status = None
    harness.clock.advance(minutes=5)
    await harness.relay()
    assert sum(ticket.reference in text for text in resident.texts()) == 1


async def test_a_line_resident_is_never_named_by_a_telegram_id(line: LineDesk) -> None:  # noqa: F811
    """A crisis alert about a LINE resident with no request says they are on LINE (with the
    button to open a case), and /mydata tells them they write on LINE."""
    harness = line.harness
    en, ja = harness.en(), harness.ja()
    line.fake.languages["U" + "a" * 32] = "en"
    resident = line.resident()
    await resident.follow()
    await resident.send("I want to die tonight, I have the pills ready")
    await harness.relay()
    alert = next(m for m in harness.staff_messages() if "⚠" in m.text)
    assert ja.gettext("on LINE: answer by opening a case") in alert.text
    assert "Telegram" not in alert.text
    await resident.send("/mydata")
    assert resident.said(en.gettext("You write to us on LINE."))
