"""A resident's photo of a letter or a PDF is kept with their request, shown to staff in
private, listed in /mydata and erased with the request; anything else gets a kind answer."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.resident import uploads
from storage.models import Attachment, TicketEvent
from tests.fakes import Harness
from tests.staff_helpers import add_staff, resident_request

LETTER = b"\xff\xd8\xff\xe0" + b"LETTER-FROM-THE-CITY " * 200


def photo(file_id: str, size: int) -> dict:
    """A photo as Telegram sends it: several sizes, the largest last."""
    return {
        "photo": [
            {"file_id": f"{file_id}-small", "file_unique_id": "s", "width": 90, "height": 90},
            {
                "file_id": file_id,
                "file_unique_id": "l",
                "width": 1280,
                "height": 960,
                "file_size": size,
            },
        ]
    }


async def stored_files(harness: Harness) -> int:
    """How many files the database holds."""
    async with harness.db() as session:
        return int(await session.scalar(select(func.count()).select_from(Attachment)))


async def test_a_photo_of_a_letter_reaches_staff_privately_and_goes_with_delete(
    harness: Harness,
) -> None:
    """The photo is stored with the newest open request, the resident is told, the group sees
    a line under the card (not the photo), /ticket sends the file privately, /mydata lists it,
    and /delete erases it."""
    en = harness.en()
    staff = await add_staff(harness, 700001, "佐藤")
    resident, tk = await resident_request(harness, form="consultation")
    harness.api.files["letter1"] = LETTER
    await resident.send_content(**photo("letter1", len(LETTER)), caption="督促状が届きました")
    assert resident.said(en.gettext(uploads.UPLOAD_ADDED).format(reference=tk.reference))
    assert await stored_files(harness) == 1
    await harness.relay()
    relay = next(m for m in harness.staff_messages() if "📎" in m.text)
    assert "督促状が届きました" in relay.text and relay.document is None
    await staff.send(f"/ticket {tk.reference}")
    private = [m for m in harness.api.sent_to(700001) if m.document is not None]
    assert [m.document for m in private if m.document == LETTER] == [LETTER]
    await resident.send("/mydata")
    assert resident.said("photo-")
    await resident.send("/delete")
    await resident.click("Yes, delete my data")
    assert await stored_files(harness) == 0


async def test_files_that_cannot_be_kept_get_a_kind_answer_and_nothing_is_fetched(
    harness: Harness,
) -> None:
    """No request yet, a file too large, a file of another type: a kind answer each, nothing
    stored, and a file too large is not even downloaded."""
    en = harness.en()
    resident = harness.resident()
    await resident.send("/start")
    harness.api.files["letter1"] = LETTER
    await resident.send_content(**photo("letter1", len(LETTER)))
    assert resident.said(en.gettext(uploads.UPLOAD_NEEDS_REQUEST))
    resident, _ = await resident_request(harness, user_id=5002, form="consultation")
    huge = {
        "file_id": "huge",
        "file_unique_id": "h",
        "file_name": "scan.pdf",
        "mime_type": "application/pdf",
        "file_size": uploads.MAX_UPLOAD_BYTES + 1,
    }
    await resident.send_content(document=huge)
    assert resident.said(en.gettext(uploads.UPLOAD_TOO_LARGE).split("{")[0])
    song = {
        "file_id": "song",
        "file_unique_id": "m",
        "file_name": "a.mp3",
        "mime_type": "audio/mpeg",
    }
    await resident.send_content(document=song)
    assert resident.said(en.gettext(uploads.UPLOAD_KIND))
    assert not [c for c in harness.api.calls if c.method == "getFile" and "huge" in str(c.params)]
    assert await stored_files(harness) == 0
    assert harness.errors == []


async def resident_words(harness: Harness, ticket_id: int) -> list[str]:
    """The words a ticket's history holds from its resident, oldest first."""
    async with harness.db() as session:
        events = (
            await session.scalars(
                select(TicketEvent)
                .where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "resident_message")
                .order_by(TicketEvent.id)
            )
        ).all()
    return [event.data["text"] for event in events]


async def test_words_sent_with_a_file_that_cannot_be_kept_reach_the_request(
    harness: Harness,
) -> None:
    """A video with a caption, and a document of a kind that cannot be kept with a caption: the
    resident is told the file cannot be kept, and the words are added to their request and
    relayed to staff, as typed words would be; a sticker (no words) changes nothing."""
    en = harness.en()
    resident, tk = await resident_request(harness, user_id=5003, form="consultation")
    video = {
        "video": {
            "file_id": "v1",
            "file_unique_id": "v",
            "width": 640,
            "height": 480,
            "duration": 5,
        }
    }
    await resident.send_content(**video, caption="部屋の様子です。天井から水漏れ")
    assert resident.said(en.gettext(uploads.UPLOAD_KIND))
    assert resident.said(tk.reference)
    exe = {"file_id": "x1", "file_unique_id": "x", "file_name": "a.exe", "mime_type": "x/exe"}
    await resident.send_content(document=exe, caption="大家さんからの通知です")
    words = ["部屋の様子です。天井から水漏れ", "大家さんからの通知です"]
    assert await resident_words(harness, tk.id) == words
    sticker = {
        "sticker": {
            "file_id": "s1",
            "file_unique_id": "s",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
    }
    await resident.send_content(**sticker)
    assert len(await resident_words(harness, tk.id)) == 2
    await harness.relay()
    assert any("天井から水漏れ" in m.text for m in harness.staff_messages())
    assert await stored_files(harness) == 0
    assert harness.errors == []
