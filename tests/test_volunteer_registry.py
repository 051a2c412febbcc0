"""The volunteer registry: registrations become records of the volunteer centre that never age,
consent is renewed yearly, and requests are matched to volunteers who answer with a button."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.numbers.figures import collect_digest
from bot.staff.matching import NOT_AVAILABLE
from bot.staff.views import refusal
from bot.tickets.retention import apply_retention
from bot.volunteers.ranking import wanted_slots
from bot.volunteers.renewal import RENEWAL_QUESTION
from storage.models import Volunteer, VolunteerMatch
from tests.fakes import Harness, UserClient
from tests.scripts import begin_form
from tests.staff_helpers import add_staff, events, resident_request, ticket

CENTRE_ID = 700002


async def register(
    harness: Harness,
    user_id: int,
    interests: tuple[str, ...] = ("Conversation and visits",),
    availability: str = "1",
    district: int = 0,
    language: str = "en",
) -> UserClient:
    """A resident registers as a volunteer (interests by label, availability by numbers)."""
    t = harness.catalogs.translator_for(language)
    volunteer = harness.resident(user_id, language=language)
    await begin_form(harness, volunteer, t, "I want to volunteer")
    for interest in interests:
        await volunteer.click(t.gettext(interest))
    await volunteer.click(t.gettext("Done"))
    await volunteer.send(availability)
    await volunteer.click(harness.services.profile.districts[district].name.get(t.locale))
    await volunteer.click(t.gettext("18–39"))
    await volunteer.click(t.gettext("Skip"))
    await volunteer.click(t.gettext("Phone call"))
    await volunteer.send(f"090-1234-{user_id % 10000:04d}")
    await volunteer.click(t.gettext("Skip"))  # the name to ask for on the phone
    await volunteer.click(t.gettext("Skip"))  # good times to call
    await volunteer.click(t.gettext("Send"))
    await harness.relay()
    return volunteer


async def registry(harness: Harness) -> list[Volunteer]:
    """Every registry record."""
    async with harness.db() as session:
        return list(await session.scalars(select(Volunteer).order_by(Volunteer.id)))


async def matches(harness: Harness) -> list[VolunteerMatch]:
    """Every match recorded."""
    async with harness.db() as session:
        return list(await session.scalars(select(VolunteerMatch).order_by(VolunteerMatch.id)))


def toasts(harness: Harness, since: int) -> list[str]:
    """The button answers shown since a point in the call log."""
    calls = harness.api.calls[since:]
    return [c.params.get("text") or "" for c in calls if c.method == "answerCallbackQuery"]


async def test_a_registration_is_a_record_in_the_volunteer_centres_queue_and_never_overdue(
    harness: Harness,
) -> None:
    """Routed to the volunteer centre (not the district's 地区担当), listed by /queue
    ボランティア, and left out of the digest's overdue and waiting lines however old."""
    ja = harness.ja()
    await add_staff(harness, 700001, "佐藤", "d01")
    centre = await add_staff(harness, CENTRE_ID, "鈴木")
    harness.settings.volunteer_centre_id = CENTRE_ID
    await register(harness, 6001)
    registration = (await harness.tickets())[-1]
    records = await registry(harness)
    assert len(records) == 1 and records[0].status == "active"
    assert records[0].profile["interests"] == ["visits"]
    assert records[0].profile["phone"] and records[0].district_key == registration.district_key
    assigned = [e for e in await events(harness, registration.id) if e.kind == "assigned"]
    assert assigned[0].data["reason"] == "volunteer_centre"
    async with harness.db() as session:
        from storage.staff import get_staff_by_user

        assert registration.assignee_id == (await get_staff_by_user(session, CENTRE_ID)).id

    await centre.send("/queue ボランティア")
    assert registration.reference in centre.last.text
    assert ja.gettext("Volunteer centre") in centre.last.text

    _, consultation = await resident_request(harness, 5002, "consultation")
    later = harness.clock() + timedelta(days=20)
    async with harness.db() as session:
        digest = await collect_digest(session, harness.services, later)
    overdue = [reference for reference, _ in digest.overdue]
    waiting = [reference for reference, _ in digest.longest_waiting]
    assert consultation.reference in overdue and consultation.reference in waiting
    assert registration.reference not in overdue + waiting
    assert digest.overdue_count == 1


async def test_consent_is_renewed_yearly_and_silence_pauses_then_erases(harness: Harness) -> None:
    """A year on, each volunteer is asked in their language; yes renews for a year; no answer
    pauses them (not listed by /match), and a paused record is erased the retention period
    (here two years) after it was paused, not the night it is paused."""
    harness.settings.volunteer_retention_days = 730
    await add_staff(harness, 700001, "佐藤")
    # /match lists volunteers privately: staff work on it from their private chat.
    staff = harness.staff(700001, "佐藤", in_group=False)
    keeps = await register(harness, 6001, language="ja")
    silent = await register(harness, 6002)
    ja = harness.ja()
    harness.clock.advance(days=366)
    year = harness.clock()
    counts = await apply_retention(harness.services, year)
    assert counts["volunteers_asked"] == 2
    await harness.relay()
    assert ja.gettext("Yes, keep me registered") in [label for label, _ in keeps.buttons()]
    assert keeps.last.text == ja.gettext(RENEWAL_QUESTION).format(days=30)
    assert silent.said("Once a year we ask", since=-1)
    await keeps.click(ja.gettext("Yes, keep me registered"))
    assert keeps.said(
        ja.gettext("Thank you. You stay registered with the volunteer centre for another year.")
    )
    # Asked once: the next day's run does not ask again.
    assert (await apply_retention(harness.services, year + timedelta(days=1)))[
        "volunteers_asked"
    ] == 0

    month = year + timedelta(days=31)
    assert (await apply_retention(harness.services, month))["volunteers_paused"] == 1
    by_resident = {v.resident_id: v for v in await registry(harness)}
    statuses = sorted(v.status for v in by_resident.values())
    assert statuses == ["active", "paused"]
    renewed = next(v for v in by_resident.values() if v.status == "active")
    assert renewed.consent_renewed_on == harness.services.calendar.local_day(harness.clock())

    harness.clock.advance(days=31)
    _, request = await resident_request(harness, 5001, "volunteer_request")
    await staff.send(f"/match {request.reference}")
    assert len(staff.buttons(staff.last)) == 1

    assert (await apply_retention(harness.services, month + timedelta(days=729)))[
        "volunteers_erased"
    ] == 0
    counts = await apply_retention(harness.services, month + timedelta(days=731))
    assert counts["volunteers_erased"] == 1
    assert [v.status for v in await registry(harness)] == ["active"]


async def test_declining_renewal_deletes_the_registration(harness: Harness) -> None:
    """No to the yearly question deletes the record at once."""
    volunteer = await register(harness, 6001)
    harness.clock.advance(days=366)
    await apply_retention(harness.services, harness.clock())
    await harness.relay()
    [registration] = await harness.tickets()
    await volunteer.click("No, delete my registration")
    assert volunteer.said("Your volunteer registration has been deleted", since=-1)
    assert await registry(harness) == []
    # The registration it came from goes too, as the message says.
    gone = await ticket(harness, registration.id)
    assert (gone.erased, gone.status, gone.answers) == (True, "closed", {})


async def test_match_ranks_asks_and_records_the_answer(harness: Harness) -> None:
    """Interest first, then district, then availability; asking writes to the volunteer, who
    accepts with a button; both steps show in the request's history; staff close it matched."""
    ja = harness.ja()
    await add_staff(harness, 700001, "佐藤")
    # /match lists volunteers privately: staff work on it from their private chat.
    staff = harness.staff(700001, "佐藤", in_group=False)
    best = await register(harness, 6001, availability="1", district=0)
    await register(harness, 6002, availability="4", district=1)
    await register(harness, 6003, interests=("Housework",), availability="1", district=0)
    references = [tk.reference for tk in await harness.tickets()]
    _, request = await resident_request(harness, 5001, "volunteer_request")

    await staff.send(f"/match {request.reference}")
    listing = staff.last
    lines = [line for line in listing.text.split("\n") if line[:2] in ("1.", "2.", "3.")]
    assert [ref for line in lines for ref in references if ref in line] == references
    assert ja.gettext("interest") in lines[0] and ja.gettext("time") in lines[0]
    assert ja.gettext("no fit") not in lines[2]

    seen = len(harness.api.calls)
    await staff.press(listing, staff.buttons(listing)[0][1])
    await harness.relay()
    assert any(references[0] in toast for toast in toasts(harness, seen))
    recorded = await matches(harness)
    assert [(m.status, m.asked_by) for m in recorded] == [("asked", 700001)]
    question = best.last
    assert "Conversation and visits" in question.text and "Weekday daytime" in question.text
    assert "Every Tuesday afternoon" not in question.text  # the requester's own words stay inside
    assert "Talking with residents" not in question.text  # the requester's details stay inside

    seen = len(harness.api.calls)
    await staff.press(listing, staff.buttons(listing)[0][1])
    assert any(
        ja.gettext("The volunteer of {registration} was already asked about {reference}.").format(
            registration=references[0], reference=request.reference
        )
        in toast
        for toast in toasts(harness, seen)
    )
    assert len(await matches(harness)) == 1

    answer_buttons = best.buttons(question)
    await best.click("Yes, I can help")
    await harness.relay()
    assert best.said("The volunteer centre will contact you", since=-1)
    assert [m.status for m in await matches(harness)] == ["accepted"]
    assert any(ja.gettext("Volunteer matched") in m.text for m in harness.staff_messages())
    private = harness.api.sent_to(700001)
    assert private and "090-1234-6001" in private[-1].text
    assert not any("1234-6001" in m.text for m in harness.staff_messages())
    # A second press of the same answer changes nothing.
    await best.press(question, answer_buttons[1][1])
    assert [m.status for m in await matches(harness)] == ["accepted"]

    await staff.send(f"/match {request.reference}")
    assert ja.gettext("accepted") in staff.last.text
    kinds = [e.kind for e in await events(harness, request.id)]
    assert kinds.count("volunteer_asked") == 1 and kinds.count("volunteer_accepted") == 1
    await staff.send(f"/close {request.reference} {ja.gettext('Volunteer matched')}")
    closed = await ticket(harness, request.id)
    assert closed.status == "closed"
    assert [
        e.data.get("outcome") for e in await events(harness, request.id) if e.kind == "closed"
    ] == ["matched"]


async def test_a_declined_match_is_recorded_and_told_to_staff(harness: Harness) -> None:
    """No thanks is recorded and staff are pointed back to /match."""
    await add_staff(harness, 700001, "佐藤")
    # /match lists volunteers privately: staff work on it from their private chat.
    staff = harness.staff(700001, "佐藤", in_group=False)
    volunteer = await register(harness, 6001)
    _, request = await resident_request(harness, 5001, "volunteer_request")
    await staff.send(f"/match {request.reference}")
    await staff.press(staff.last, staff.buttons(staff.last)[0][1])
    await harness.relay()
    await volunteer.click("Not this time")
    await harness.relay()
    assert [m.status for m in await matches(harness)] == ["declined"]
    assert any(f"/match {request.reference}" in m.text for m in harness.staff_messages())
    assert "volunteer_declined" in [e.kind for e in await events(harness, request.id)]


async def test_forged_presses_and_non_staff_change_nothing(harness: Harness) -> None:
    """A forged ask, an ask by someone who is not staff, /match by a non-member and a
    volunteer answer that is not theirs all get a kind answer and record nothing."""
    ja = harness.ja()
    await add_staff(harness, 700001, "佐藤")
    # /match lists volunteers privately: staff work on it from their private chat.
    staff = harness.staff(700001, "佐藤", in_group=False)
    volunteer = await register(harness, 6001)
    _, request = await resident_request(harness, 5001, "volunteer_request")
    await staff.send(f"/match {request.reference}")
    listing = staff.last
    data = staff.buttons(listing)[0][1]

    outsider = harness.staff(800001, "Guest")
    await outsider.send(f"/match {request.reference}")
    assert request.reference not in outsider.last.text
    seen = len(harness.api.calls)
    await outsider.press(listing, data)
    await staff.press(listing, f"v:{request.id}:999999")
    await staff.press(listing, "v:1:x")
    gone = ja.gettext(NOT_AVAILABLE)
    assert toasts(harness, seen) == [refusal(ja).text, gone, refusal(ja).text]
    assert await matches(harness) == []

    await staff.send(f"/match {request.reference[:4]}")
    await staff.send("/match")
    assert await matches(harness) == []
    _, other = await resident_request(harness, 5002, "consultation")
    await staff.send(f"/match {other.reference}")
    assert staff.said(other.reference, since=-1) and "/match" in staff.last.text

    await staff.press(listing, data)
    await harness.relay()
    question = volunteer.last
    stranger = await register(harness, 6002)
    await stranger.press(question, question.reply_markup["inline_keyboard"][0][0]["callback_data"])
    await volunteer.press(question, "u:m999:y")
    assert [m.status for m in await matches(harness)] == ["asked"]
    assert stranger.said("That button belongs to an earlier message", since=-2)


async def test_erasure_removes_the_volunteer_record_and_its_matches(harness: Harness) -> None:
    """/delete erases the registry record with the rest; a closed registration stays while
    its volunteer is active (not erased 90 days after closing)."""
    await add_staff(harness, 700001, "佐藤")
    # /match lists volunteers privately: staff work on it from their private chat.
    staff = harness.staff(700001, "佐藤", in_group=False)
    volunteer = await register(harness, 6001)
    registration = (await harness.tickets())[-1]
    await staff.send(f"/close {registration.reference}")
    await apply_retention(harness.services, harness.clock() + timedelta(days=120))
    assert (await ticket(harness, registration.id)).answers
    assert len(await registry(harness)) == 1

    _, request = await resident_request(harness, 5001, "volunteer_request")
    await staff.send(f"/match {request.reference}")
    await staff.press(staff.last, staff.buttons(staff.last)[0][1])
    assert len(await matches(harness)) == 1

    await volunteer.send("/delete")
    await volunteer.click("Yes, delete my data")
    assert await registry(harness) == []
    assert await matches(harness) == []
    assert (await ticket(harness, registration.id)).erased


@pytest.mark.parametrize(
    ("when", "slots"),
    [
        ("毎週火曜日の午後", {"weekday_day"}),
        ("土日の夜", {"weekend_evening"}),
        ("Every Saturday morning", {"weekend_day"}),
        ("１２月３日 １０時から", {"weekday_day", "weekend_day"}),
        ("平日", {"weekday_day", "weekday_evening"}),
        ("いつでも", None),
        ("", None),
    ],
)
def test_the_time_of_a_request_is_read_from_its_words(when: str, slots: set[str] | None) -> None:
    """Weekdays or the weekend, day or evening, in Japanese or English; a date alone says
    nothing of the part of the week, and no such words leave availability out of the ranking."""
    assert wanted_slots(when) == slots


async def test_a_volunteer_can_type_their_answer(harness: Harness) -> None:
    """Typing いいえ / はい answers the newest question, as its button would, while it is the
    last thing we wrote to them; with a request of their own open, the words stay words."""
    from bot.volunteers.answers import DECLINED, RENEWED

    await add_staff(harness, 700001, "佐藤")
    # /match lists volunteers privately: staff work on it from their private chat.
    staff = harness.staff(700001, "佐藤", in_group=False)
    volunteer = await register(harness, 6001, language="ja")
    _, request = await resident_request(harness, 5001, "volunteer_request")
    await staff.send(f"/match {request.reference}")
    await staff.press(staff.last, staff.buttons(staff.last)[0][1])
    await harness.relay()
    await volunteer.send("いいえ")
    await harness.relay()
    assert [m.status for m in await matches(harness)] == ["declined"]
    assert volunteer.said(harness.ja().gettext(DECLINED), since=-1)

    harness.clock.advance(days=366)
    await apply_retention(harness.services, harness.clock())
    await harness.relay()
    await volunteer.send("はい。")
    assert volunteer.said(harness.ja().gettext(RENEWED), since=-1)
    [record] = await registry(harness)
    assert record.renewal_asked_at is None

    _, second = await resident_request(harness, 5002, "volunteer_request")
    await staff.send(f"/match {second.reference}")
    await staff.press(staff.last, staff.buttons(staff.last)[0][1])
    await harness.relay()
    harness.clock.advance(days=366)
    await apply_retention(harness.services, harness.clock())
    await harness.relay()
    # The yearly question came last: はい answers it, and the request asked before stays open.
    await volunteer.send("はい")
    assert [m.status for m in await matches(harness)] == ["declined", "asked"]
    [record] = await registry(harness)
    assert record.renewal_asked_at is None

    # With a request of their own open, a typed はい is words for that request, not an answer.
    await volunteer.send("/start")
    _, own = await resident_request(harness, 6001, "food", language="ja")
    await staff.send(f"/match {second.reference}")
    await harness.relay()
    before = len(await events(harness, own.id))
    harness.clock.advance(days=366)
    await apply_retention(harness.services, harness.clock())
    await harness.relay()
    await volunteer.send("はい")
    [record] = await registry(harness)
    assert record.renewal_asked_at is not None
    # Two open requests: the words wait for them to pick one (nothing lost).
    assert (await harness.resident_row(volunteer)).pending_message == "はい"
    assert len(await events(harness, own.id)) == before
