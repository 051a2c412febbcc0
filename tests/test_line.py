"""Residents on LINE: the same desk through LINE's webhook and Messaging API (a fake over HTTP);
staff keep working in the Telegram group."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import InboxUpdate, LineEvent, Resident
from tests.line_helpers import LineDesk, LineResident, line  # noqa: F401 - the fixture
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
