"""Staff commands, the claim race, follow-ups from residents, relays that fail, routing."""

from __future__ import annotations

import asyncio
import re
import time

import storage.tickets
from bot.staff.desk import NOT_UNDERSTOOD, START_PRIVATE_CHAT
from storage.staff import get_staff
from tests.fakes import Harness
from tests.staff_helpers import ADMIN_ID, add_staff, card_of, events, resident_request, ticket


async def test_simultaneous_claims_have_exactly_one_winner(harness: Harness) -> None:
    """Two staff press 'take this' at the same moment: one wins, the other is told who has it."""
    ja = harness.ja()
    sato = await add_staff(harness, 700001, "佐藤")
    suzuki = await add_staff(harness, 700002, "鈴木")
    _, tk = await resident_request(harness)
    tk = await ticket(harness, tk.id)
    card = card_of(harness, tk)
    data = f"s:{tk.id}:claim"
    seen = len(harness.api.calls)
    await asyncio.gather(sato.press(card, data), suzuki.press(card, data))
    toasts = [
        c.params.get("text") for c in harness.api.calls[seen:] if c.method == "answerCallbackQuery"
    ]
    tk = await ticket(harness, tk.id)
    async with harness.db() as session:
        winner = await get_staff(session, tk.assignee_id)
    loser = "鈴木" if winner.display_name == "佐藤" else "佐藤"
    assert sorted(toasts) == sorted(
        [
            ja.gettext("You have taken {reference}.").format(reference=tk.reference),
            ja.gettext("{reference} is already taken by {name}.").format(
                reference=tk.reference, name=winner.display_name
            ),
        ]
    )
    claims = [e for e in await events(harness, tk.id) if e.kind == "claimed"]
    assert len(claims) == 1
    assert loser != winner.display_name


async def test_follow_up_with_several_open_tickets_asks_which(harness: Harness) -> None:
    """A resident with two open requests chooses which one their message is about."""
    staff = await add_staff(harness, 700001, "佐藤")
    resident, first = await resident_request(harness, form="food")
    _, second = await resident_request(harness, form="opinion")
    await resident.send("Is there any news?")
    assert "Which of your requests" in resident.last.text
    assert await _event_texts(harness, first.id) == []
    await resident.click(second.reference)
    assert resident.said(f"added your message to your request {second.reference}", since=-1)
    assert await _event_texts(harness, second.id) == ["Is there any news?"]
    await harness.relay()
    assert any("Is there any news?" in m.text for m in staff.messages())


async def test_follow_up_waiting_for_a_choice_is_kept(harness: Harness) -> None:
    """Typing the number picks the request; the waiting message is not lost."""
    resident, first = await resident_request(harness, form="food")
    await resident_request(harness, form="opinion")
    await resident.send("I forgot to say: two of us are diabetic.")
    await resident.send("1")
    assert await _event_texts(harness, first.id) == ["I forgot to say: two of us are diabetic."]


async def _event_texts(harness: Harness, ticket_id: int) -> list[str]:
    return [
        e.data["text"] for e in await events(harness, ticket_id) if e.kind == "resident_message"
    ]


async def test_reply_to_a_resident_who_blocked_the_bot(harness: Harness) -> None:
    """403 on a relay: the ticket records it, the card says so, staff are told, no retries."""
    ja = harness.ja()
    staff = await add_staff(harness, 700001, "佐藤")
    _, tk = await resident_request(harness)
    harness.api.fail_next(
        "sendMessage",
        status=403,
        chat_id=5001,
        description="Forbidden: bot was blocked by the user",
    )
    await staff.send(f"/reply {tk.reference} お元気ですか")
    await harness.relay()
    await harness.relay()
    tk = await ticket(harness, tk.id)
    assert tk.resident_unreachable
    assert (
        ja.gettext("⚠ The resident cannot be reached through the bot (they blocked it).")
        in card_of(harness, tk).text
    )
    assert staff.said(ja.gettext("they have blocked the bot"))
    harness.clock.advance(hours=2)
    assert await harness.relay() == 0
    await staff.send(f"/reply {tk.reference} もう一度")
    assert staff.said(
        ja.gettext("The resident of {reference} has blocked the bot: please phone them.").format(
            reference=tk.reference
        )
    )


async def test_internal_chatter_in_the_group_never_reaches_the_resident(harness: Harness) -> None:
    """Messages in the group that are not replies to a relayed message stay internal."""
    staff = await add_staff(harness, 700001, "佐藤")
    resident, tk = await resident_request(harness)
    tk = await ticket(harness, tk.id)
    before = len(resident.messages())
    await staff.send("この方、先月も相談に来ていました")
    await staff.send("カードへの返信は内部メモ扱い", reply_to=card_of(harness, tk))
    await harness.relay()
    assert len(resident.messages()) == before


async def test_queue_filters_and_pages(harness: Harness) -> None:
    """/queue shows open tickets oldest first with age; filters and pages work."""
    ja = harness.ja()
    staff = await add_staff(harness, 700001, "佐藤")
    harness.settings.__dict__["staff_page_size"] = 2
    refs = []
    for user_id in (5001, 5002, 5003):
        _, tk = await resident_request(harness, user_id=user_id)
        refs.append(tk.reference)
        harness.clock.advance(days=1)
    await staff.send("/queue")
    page = staff.last
    assert refs[0] in page.text and refs[1] in page.text and refs[2] not in page.text
    assert "（1/2ページ・全3件）" in page.text
    await staff.click(ja.gettext("Next"), message=page)
    assert refs[2] in page.text and refs[0] not in page.text
    await staff.send(f"/assign {refs[1]} me")
    await staff.send("/queue mine")
    assert refs[1] in staff.last.text and refs[0] not in staff.last.text
    # The assignee's name is on the line; an unassigned ticket says so.
    assert "佐藤" in staff.last.text
    await staff.send("/queue")
    first_line = next(line for line in staff.last.text.splitlines() if refs[0] in line)
    assert ja.gettext("Unassigned") in first_line
    await staff.send("/queue unassigned")
    assert refs[1] not in staff.last.text
    await staff.send("/queue urgent")
    assert refs[0] in staff.last.text
    await staff.send("/queue nonsense")
    assert staff.said(ja.gettext(NOT_UNDERSTOOD).split("{options}")[0].format(typed="nonsense"))


async def test_a_long_queue_is_counted_only_so_far(harness: Harness, monkeypatch) -> None:
    """Past the count limit the list says "N+" and still offers the next page."""
    monkeypatch.setattr(storage.tickets, "COUNT_LIMIT", 2)
    ja = harness.ja()
    staff = await add_staff(harness, 700001, "佐藤")
    harness.settings.__dict__["staff_page_size"] = 1
    refs = []
    for user_id in (5001, 5002, 5003, 5004):
        _, tk = await resident_request(harness, user_id=user_id)
        refs.append(tk.reference)
        harness.clock.advance(days=1)
    await staff.send("/queue")
    page = staff.last
    assert "（1/2+ページ・全2+件）" in page.text and refs[0] in page.text
    await staff.click(ja.gettext("Next"), message=page)
    assert "（2/2+ページ・全2+件）" in page.text and refs[1] in page.text
    await staff.click(ja.gettext("Next"), message=page)
    assert "（3/3+ページ・全3+件）" in page.text and refs[2] in page.text, (
        "counted further for a later page"
    )
    await staff.click(ja.gettext("Next"), message=page)
    assert "（4/4ページ・全4件）" in page.text and refs[3] in page.text
    assert ja.gettext("Next") not in staff.labels()


async def test_ticket_shows_everything_privately_and_records_the_view(harness: Harness) -> None:
    """/ticket in the group: the group sees the ticket's line only; answers, contact and
    history go to the asking staff member's private chat; the view is an event with who."""
    staff = await add_staff(harness, 700001, "佐藤")
    _, tk = await resident_request(harness, form="consultation")
    await staff.send(f"/ticket {tk.reference}")
    in_group = staff.last.text
    assert tk.reference in in_group and "045-123-4567" not in in_group
    assert "bills" not in in_group
    details = harness.api.sent_to(700001)[-1].text
    assert "My mother cannot manage her bills any more." in details
    assert "045-123-4567" in details
    viewed = [e for e in await events(harness, tk.id) if e.kind == "viewed"]
    assert viewed and viewed[0].actor_id == 700001


async def test_ticket_tells_a_staff_member_who_never_started_the_bot_how_to(
    harness: Harness,
) -> None:
    """A private chat the bot cannot open (403): the group is told how to start it, and no
    personal data is posted there instead."""
    ja = harness.ja()
    staff = await add_staff(harness, 700001, "佐藤")
    _, tk = await resident_request(harness, form="consultation")
    harness.api.fail_next(
        "sendMessage",
        chat_id=700001,
        status=403,
        description="Forbidden: bot can't initiate conversation with a user",
    )
    await staff.send(f"/ticket {tk.reference}")
    said = "\n".join(m.text for m in staff.messages()[-2:])
    assert ja.gettext(START_PRIVATE_CHAT) in said
    assert "045-123-4567" not in said and "bills" not in said
    assert harness.errors == []


async def test_a_long_history_comes_as_a_file_beside_a_short_view(harness: Harness) -> None:
    """200 follow-ups: the private view shows the latest entries and fits one message; the
    whole history is a text file with every message."""
    staff = await add_staff(harness, 700001, "佐藤")
    resident, tk = await resident_request(harness, form="consultation")
    for number in range(200):
        await resident.send(f"follow-up number {number}")
    started = time.monotonic()
    await staff.send(f"/ticket {tk.reference}")
    took = time.monotonic() - started
    print(f"\n/ticket with 200 follow-ups answered in {took:.2f} s")
    assert took < 1
    private = harness.api.sent_to(700001)
    files = [m for m in private if m.document is not None]
    assert len(files) == 1
    history = files[0].document.decode("utf-8")
    assert all(f"follow-up number {n}\n" in history + "\n" for n in range(200))
    views = [m for m in private if m.document is None and tk.reference in m.text]
    assert len(views) == 1 and len(views[0].text) < 4096
    assert "follow-up number 199" in views[0].text and "follow-up number 0\n" not in views[0].text


async def test_search_by_reference_phone_and_words(harness: Harness) -> None:
    """/search finds a ticket by its reference, its phone number or words in its answers."""
    staff = await add_staff(harness, 700001, "佐藤")
    _, consult = await resident_request(harness, form="consultation")
    _, food = await resident_request(harness, user_id=5002, form="food")
    for query in (consult.reference, "0451234567", "bills"):
        await staff.send(f"/search {query}")
        assert consult.reference in staff.last.text and food.reference not in staff.last.text
    await staff.send("/search wheelchair")
    assert food.reference in staff.last.text and consult.reference not in staff.last.text
    assert "佐藤" not in staff.last.text
    await staff.send(f"/assign {food.reference} me")
    await staff.send("/search wheelchair")
    assert food.reference in staff.last.text and "佐藤" in staff.last.text


async def test_assign_by_name_and_priority_and_status_by_label(harness: Harness) -> None:
    """/assign by display name; /priority and /status by key or Japanese label."""
    ja = harness.ja()
    staff = await add_staff(harness, 700001, "佐藤")
    await add_staff(harness, 700002, "鈴木")
    _, tk = await resident_request(harness)
    await staff.send(f"/assign {tk.reference} 鈴木")
    await staff.send(f"/priority {tk.reference} {ja.gettext('Low')}")
    await staff.send(f"/status {tk.reference} {ja.gettext('In progress')}")
    tk = await ticket(harness, tk.id)
    async with harness.db() as session:
        assignee = await get_staff(session, tk.assignee_id)
    assert (assignee.display_name, tk.priority, tk.status) == ("鈴木", "low", "in_progress")
    await staff.send(f"/status {tk.reference} new")
    assert (await ticket(harness, tk.id)).status == "in_progress", "a ticket cannot go back to new"
    await staff.send(f"/status {tk.reference} 完了")
    assert (await ticket(harness, tk.id)).status == "closed"


async def test_staff_can_say_everything_in_japanese(harness: Harness) -> None:
    """Filters, statuses, priorities and partners in Japanese and short forms; errors list the
    Japanese choices, never an English key."""
    ja = harness.ja()
    staff = await add_staff(harness, 700001, "佐藤")
    await add_staff(harness, 700002, "鈴木")
    _, first = await resident_request(harness, form="consultation")
    _, second = await resident_request(harness, user_id=5002)
    await staff.send(f"/assign {first.reference} 鈴木")
    await staff.send(f"/status {first.reference} 返答待ち")
    await staff.send(f"/priority {second.reference} 高い")
    await staff.send(f"/refer {second.reference} 県社協")
    first, second = await ticket(harness, first.id), await ticket(harness, second.id)
    assert first.status == "waiting"
    assert (second.priority, second.status, second.referred_to) == (
        "high",
        "referred",
        "kanagawa_council",
    )
    for typed, shown, hidden in (
        ("返答待ち", first, second),
        ("鈴木", first, second),
        ("未担当", second, first),
        ("つなぎ済み", second, first),
        ("相談", first, second),
        (ja.gettext("Food support"), second, first),
    ):
        await staff.send(f"/queue {typed}")
        text = staff.last.text
        assert shown.reference in text and hidden.reference not in text, typed
    await staff.send(f"/priority {first.reference} とても")
    error = staff.last.text
    assert ja.gettext("Urgent") in error and "urgent" not in error


async def test_an_ambiguous_name_asks_which_one(harness: Harness) -> None:
    """Two staff called 佐藤: /assign … 佐藤 changes nothing and lists both with their ids."""
    staff = await add_staff(harness, 700001, "佐藤 一郎")
    await add_staff(harness, 700002, "佐藤 花子")
    _, tk = await resident_request(harness)
    await staff.send(f"/assign {tk.reference} 佐藤")
    assert "700001" in staff.last.text and "700002" in staff.last.text
    assert (await ticket(harness, tk.id)).assignee_id is None
    await staff.send(f"/assign {tk.reference} 花子")
    tk = await ticket(harness, tk.id)
    async with harness.db() as session:
        assert (await get_staff(session, tk.assignee_id)).display_name == "佐藤 花子"


async def test_district_coordinator_is_assigned(harness: Harness) -> None:
    """A ticket from a district with a 地区担当 is assigned to them and they are named on the card."""
    await add_staff(harness, 700003, "高橋", "d03")
    _, tk = await resident_request(harness, form="consultation")
    tk = await ticket(harness, tk.id)
    assert tk.status == "assigned"
    assert '<a href="tg://user?id=700003">高橋</a>' in card_of(harness, tk).text


async def test_staff_management_by_admins(harness: Harness) -> None:
    """Admins add, list and remove staff; a removed member is refused."""
    admin = harness.staff(ADMIN_ID, "Admin")
    await admin.send("/staff add 700001 佐藤 d01 d02")
    await admin.send("/staff list")
    assert "700001" in admin.last.text and "佐藤" in admin.last.text
    sato = harness.staff(700001, "佐藤")
    await sato.send("/queue")
    assert (
        "Sorry" not in sato.last.text
        and harness.ja().gettext("Sorry, this is only for council staff.") not in sato.last.text
    )
    await admin.send("/staff remove 700001")
    await sato.send("/queue")
    assert sato.last.text == harness.ja().gettext(
        "Sorry, this is only for council staff."
    )  # ja client
    await admin.send("/audit")
    ja = harness.ja()
    assert ja.gettext("staff member added") in admin.last.text
    assert ja.gettext("staff member removed") in admin.last.text


async def test_resident_lists_their_tickets(harness: Harness) -> None:
    """/mytickets lists the resident's requests with status, in their language."""
    resident, tk = await resident_request(harness)
    await resident.send("/mytickets")
    assert tk.reference in resident.last.text and "Request received" in resident.last.text


async def test_staff_record_a_request_taken_by_phone(harness: Harness) -> None:
    """/newticket in a private chat: the same form, the ticket marked as entered by staff,
    assigned to them, with the person's spoken consent recorded."""
    from tests.scripts import FORM_SCRIPTS, play

    ja = harness.ja()
    await add_staff(harness, 700001, "佐藤")
    dm = harness.staff(700001, "佐藤", in_group=False)
    await dm.send("/newticket")
    await dm.click(ja.gettext("Food support"))
    assert (
        ja.gettext("How many adults live in your household? Please type a number.") in dm.last.text
    )
    _, steps, expected = FORM_SCRIPTS["food"]
    await play(harness, dm, ja, steps)
    await dm.click(ja.gettext("Send"))
    await harness.relay()
    [tk] = await harness.tickets()
    assert (tk.source, tk.resident_id, tk.answers) == ("staff", None, expected)
    assert tk.entered_by_id is not None
    assert dm.said(tk.reference)
    assert "佐藤" in card_of(harness, await ticket(harness, tk.id)).text
    # The call stays with whoever took it, and how the person agreed is on record.
    assert (tk.assignee_id, tk.status) == (tk.entered_by_id, "assigned")
    [created] = [e for e in await events(harness, tk.id) if e.kind == "created"]
    assert created.data["consent"] == "oral"


async def test_newticket_is_refused_to_residents(harness: Harness) -> None:
    """A resident cannot use /newticket nor forge its buttons."""
    resident = harness.resident(5001)
    await resident.send("/newticket")
    assert resident.last.text == "Sorry, this is only for council staff."
    await resident.send("/start")
    await resident.press(resident.last, "n:food")
    assert await harness.draft_state(resident) is None


async def test_search_results_are_paged(harness: Harness) -> None:
    """Many matches come in pages with buttons."""
    ja = harness.ja()
    staff = await add_staff(harness, 700001, "佐藤")
    harness.settings.__dict__["staff_page_size"] = 2
    refs = [
        (await resident_request(harness, user_id=uid))[1].reference for uid in (5001, 5002, 5003)
    ]
    await staff.send("/search wheelchair")
    page = staff.last
    assert "（1/2ページ・全3件）" in page.text and refs[2] not in page.text
    await staff.click(ja.gettext("Next"), message=page)
    assert refs[2] in page.text


async def test_district_coordinator_only_suggested(harness: Harness) -> None:
    """With routing 'suggest' the ticket stays unassigned and the card names the coordinator."""
    harness.settings.__dict__["district_routing"] = "suggest"
    await add_staff(harness, 700003, "高橋", "d03")
    _, tk = await resident_request(harness, form="consultation")
    tk = await ticket(harness, tk.id)
    assert tk.status == "new" and tk.assignee_id is None
    assert "高橋" in card_of(harness, tk).text


async def test_staff_help_in_a_private_chat(harness: Harness) -> None:
    """/help in a private chat shows staff commands to staff, not to residents."""
    await add_staff(harness, 700001, "佐藤")
    dm = harness.staff(700001, "佐藤", in_group=False)
    await dm.send("/help")
    assert dm.said("/queue")
    resident = harness.resident(5001)
    await resident.send("/help")
    assert not resident.said("/queue")


async def test_history_and_audit_show_no_internal_keys(harness: Harness) -> None:
    """The ticket history and /audit speak Japanese: no snake_case keys, no system reasons."""
    admin = harness.staff(ADMIN_ID, "Admin")
    await admin.send("/staff add 700001 佐藤")
    staff = harness.staff(700001, "佐藤")
    resident, tk = await resident_request(harness, form="consultation")
    await resident.send("I want to die tonight, I have the pills ready")
    await staff.send(f"/assign {tk.reference} 自分")
    await staff.send(f"/note {tk.reference} 電話で確認")
    await resident.send("/delete")
    await resident.click("Yes, delete my data")
    await staff.send(f"/ticket {tk.reference}")
    await admin.send("/audit 50")
    shown = harness.api.sent_to(700001)[-1].text + "\n" + admin.last.text
    keys = re.findall(r"\b[a-z]+_[a-z_]+\b|\berasure\b|\bretention\b", shown)
    assert keys == [], keys
