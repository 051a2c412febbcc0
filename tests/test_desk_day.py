"""The staff desk's day: targets pause while waiting on the resident, the digest's per-assignee
lines, households, merges and moved messages, canned replies and signatures."""

from __future__ import annotations

from bot import callbacks
from bot.numbers.figures import collect_digest
from bot.tickets.deliveries import PRIVATE_CHAT_CLOSED
from storage.canned import canned_replies
from storage.staff import get_staff_by_user
from tests.fakes import Harness
from tests.staff_helpers import ADMIN_ID, add_staff, card_of, events, resident_request, ticket
from tests.test_digest import make_ticket, tokyo


async def overdue_references(harness: Harness) -> set[str]:
    """References the digest would list as over target now."""
    async with harness.db() as session:
        data = await collect_digest(session, harness.services, harness.clock())
    return {reference for reference, _ in data.overdue}


async def test_the_target_pauses_while_staff_wait_on_the_resident(harness: Harness) -> None:
    """Days spent waiting on the resident do not count against the 3-day target."""
    sato = await add_staff(harness, 700001, "佐藤")
    case = await make_ticket(harness, tokyo(2026, 11, 16, 10), status="in_progress")
    harness.clock.now = tokyo(2026, 11, 17, 10)
    await sato.send(f"/status {case.reference} 返答待ち")
    harness.clock.now = tokyo(2026, 11, 25, 9)
    assert case.reference not in await overdue_references(harness)
    harness.clock.now = tokyo(2026, 11, 26, 10)
    await sato.send(f"/status {case.reference} 対応中")
    paused = await ticket(harness, case.id)
    # Waiting 17 → 26 Nov: 18, 19, 20, 24, 25, 26 (the 23rd is a holiday) = 6 business days.
    assert (paused.paused_bdays, paused.waiting_since_bday) == (6, None)
    harness.clock.now = tokyo(2026, 11, 27, 8, 30)
    # 8 business days since intake, 6 of them waiting: 2, under the target of 3.
    assert case.reference not in await overdue_references(harness)
    harness.clock.now = tokyo(2026, 12, 2, 8, 30)
    assert case.reference in await overdue_references(harness)


async def test_the_digest_has_a_line_per_assignee(harness: Harness) -> None:
    """Open, over target, waiting and due tickets per staff member, for the team meeting."""
    await add_staff(harness, 700001, "佐藤")
    await add_staff(harness, 700002, "鈴木")
    async with harness.db() as session:
        sato = await get_staff_by_user(session, 700001)
        suzuki = await get_staff_by_user(session, 700002)
    await make_ticket(harness, tokyo(2026, 11, 16, 10), status="assigned", assignee_id=sato.id)
    await make_ticket(harness, tokyo(2026, 11, 26, 10), status="waiting", assignee_id=sato.id)
    await make_ticket(harness, tokyo(2026, 11, 26, 11), status="assigned", assignee_id=suzuki.id)
    harness.clock.now = tokyo(2026, 11, 27, 8, 30)
    async with harness.db() as session:
        data = await collect_digest(session, harness.services, harness.clock())
    lines = {load.name: (load.open, load.overdue, load.waiting) for load in data.by_assignee}
    assert lines == {"佐藤": (2, 1, 1), "鈴木": (1, 0, 0)}
    assert [load.name for load in data.by_assignee] == ["佐藤", "鈴木"]


async def test_ticket_in_the_private_chat_carries_the_cards_actions(harness: Harness) -> None:
    """/ticket privately: take it, change its status and close it with buttons, no typing."""
    ja = harness.ja()
    await add_staff(harness, 700001, "佐藤")
    _, request = await resident_request(harness)
    private = harness.staff(700001, "佐藤", in_group=False)
    await private.send(f"/ticket {request.reference}")
    details = private.last
    assert ja.gettext("Take this") in [label for label, _ in private.buttons(details)]
    await private.click(ja.gettext("Take this"), message=details)
    assert (await ticket(harness, request.id)).status == "assigned"
    await private.click(ja.gettext("Status"), message=details)
    await private.click(ja.gettext("In progress"), message=details)
    assert (await ticket(harness, request.id)).status == "in_progress"
    await private.click(ja.gettext("Close"), message=details)
    await private.click(ja.gettext("Information given"), message=details)
    closed = await ticket(harness, request.id)
    assert closed.status == "closed"
    assert [e.data.get("outcome") for e in await events(harness, request.id) if e.kind == "closed"]


async def test_private_buttons_of_someone_not_staff_are_refused(harness: Harness) -> None:
    """A resident who forges a card button in their own chat changes nothing."""
    _, request = await resident_request(harness)
    stranger = harness.resident(5009)
    await stranger.send("/start")
    await stranger.press(stranger.last, callbacks.staff(request.id, "cl", "info"))
    assert (await ticket(harness, request.id)).status == "new"


async def test_a_canned_reply_is_seen_before_it_is_sent_once(harness: Harness) -> None:
    """Admins keep 定型文; staff pick one on the card, read the preview, send it once; the
    signature goes under it; a forged Send changes nothing."""
    ja = harness.ja()
    admin = harness.staff(ADMIN_ID, "Admin")
    await admin.send("/canned 追加 来所案内 窓口は平日9時から17時まで開いています。")
    staff = await add_staff(harness, 700001, "佐藤")
    await staff.send("/canned 追加 勝手に 職員は追加できない")
    assert staff.said(ja.gettext("Only admins can add or remove canned replies."))
    await staff.send("/signature 神奈川区社協 佐藤")
    resident, request = await resident_request(harness)
    card = card_of(harness, await ticket(harness, request.id))
    await staff.click(ja.gettext("Canned reply"), message=card)
    await staff.click("来所案内", message=card)
    await harness.relay()
    preview = staff.messages()[-1]
    assert "窓口は平日9時から17時まで開いています。" in preview.text
    assert request.reference in preview.text
    assert not resident.said("窓口は平日9時から")
    await staff.click(ja.gettext("Send it"), message=preview)
    await harness.relay()
    await harness.relay()
    assert resident.said("窓口は平日9時から17時まで開いています。", since=-1)
    assert resident.said("神奈川区社協 佐藤", since=-1)
    seen = len(resident.messages())
    async with harness.db() as session:
        [canned] = await canned_replies(session)
    canned_id = str(canned.id)
    # Pressed again (a double tap, or an old preview) and forged on the card: nothing more.
    await staff.press(preview, callbacks.staff(request.id, "cs", canned_id))
    await staff.press(card, callbacks.staff(request.id, "cs", canned_id))
    await harness.relay()
    assert len(resident.messages()) == seen
    sent = [e for e in await events(harness, request.id) if e.kind == "staff_reply"]
    assert len(sent) == 1


async def test_staff_who_asked_are_told_privately(harness: Harness) -> None:
    """/notify 個別: an assignment and a resident's message reach the assignee privately,
    without a mention in the group and without the resident's words."""
    await add_staff(harness, 700001, "佐藤")
    await add_staff(harness, 700002, "鈴木")
    private = harness.staff(700002, "鈴木", in_group=False)
    await private.send("/notify 個別")
    resident, request = await resident_request(harness)
    sato = harness.staff(700001, "佐藤")
    await sato.send(f"/assign {request.reference} 鈴木")
    await harness.relay()
    told = harness.api.sent_to(700002)
    assert any(request.reference in m.text for m in told)
    assert not any("@" in m.text and "鈴木" in m.text for m in harness.staff_messages()[-2:])
    before = len(harness.api.sent_to(700002))
    await resident.send("Thank you, I will wait for your call.")
    await harness.relay()
    notices = harness.api.sent_to(700002)[before:]
    assert len(notices) == 1 and request.reference in notices[0].text
    assert "I will wait" not in notices[0].text


async def test_a_private_notice_that_cannot_be_sent_mentions_them_in_the_group(
    harness: Harness,
) -> None:
    """/notify 個別 from someone whose private chat refuses the bot (never started, or
    blocked): the notice is not lost, it mentions them in the staff group and says why."""
    ja = harness.ja()
    await add_staff(harness, 700001, "佐藤")
    await add_staff(harness, 700002, "鈴木")
    private = harness.staff(700002, "鈴木", in_group=False)
    await private.send("/notify 個別")
    _resident, request = await resident_request(harness)
    seen = len(harness.api.sent_to(700002))
    harness.api.fail_next(
        "sendMessage",
        status=403,
        description="Forbidden: bot can't initiate conversation with a user",
        chat_id=700002,
    )
    sato = harness.staff(700001, "佐藤")
    await sato.send(f"/assign {request.reference} 鈴木")
    await harness.relay()
    assert len(harness.api.sent_to(700002)) == seen
    told = ja.gettext(PRIVATE_CHAT_CLOSED)
    group = [m.text for m in harness.staff_messages() if told in m.text]
    assert len(group) == 1
    assert "tg://user?id=700002" in group[0] and request.reference in group[0]


async def test_a_household_is_seen_together_and_a_call_joins_it(harness: Harness) -> None:
    """/household links two people's requests; /person shows both; a phone call taken with
    /newticket <ref> joins that household; 解除 takes one out."""
    from tests.scripts import FORM_SCRIPTS, play

    ja = harness.ja()
    staff = await add_staff(harness, 700001, "佐藤")
    _, mother = await resident_request(harness, user_id=5001, form="consultation")
    _, son = await resident_request(harness, user_id=5002, form="food")
    _, stranger = await resident_request(harness, user_id=5003, form="food")
    await staff.send(f"/household {mother.reference} {son.reference}")
    assert (await ticket(harness, mother.id)).household_id == (
        await ticket(harness, son.id)
    ).household_id
    await staff.send(f"/person {mother.reference}")
    view = harness.api.sent_to(700001)[-1].text
    assert son.reference in view and stranger.reference not in view

    dm = harness.staff(700001, "佐藤", in_group=False)
    await dm.send(f"/newticket {son.reference}")
    assert son.reference in dm.last.text
    await dm.click(ja.gettext("Food support"))
    _, steps, _ = FORM_SCRIPTS["food"]
    await play(harness, dm, ja, steps)
    await dm.click(ja.gettext("Send"))
    await harness.relay()
    call = (await harness.tickets())[-1]
    assert call.source == "staff" and call.household_id == mother.id
    assert [e.data["with"] for e in await events(harness, call.id) if e.kind == "household"]

    await staff.send(f"/household {son.reference} 解除")
    assert (await ticket(harness, son.id)).household_id is None
    await staff.send(f"/person {mother.reference}")
    view = harness.api.sent_to(700001)[-1].text
    assert son.reference not in view and call.reference in view


async def test_a_forged_household_button_starts_nothing_for_a_resident(harness: Harness) -> None:
    """The household form of /newticket's button is refused to residents like the plain one."""
    resident = harness.resident(5001)
    await resident.send("/start")
    await resident.press(resident.last, "n:food:1")
    assert await harness.draft_state(resident) is None


async def test_a_duplicate_is_merged_without_messaging_the_resident(harness: Harness) -> None:
    """/merge closes the duplicate (outcome 重複), links both, names each other in history;
    the resident hears nothing about the duplicate being closed."""
    staff = await add_staff(harness, 700001, "佐藤")
    resident, first = await resident_request(harness, form="food")
    await resident.send("/start")
    _, second = await resident_request(harness, form="food")
    seen = len(resident.messages())
    await staff.send(f"/merge {second.reference} {first.reference}")
    await harness.relay()
    duplicate, kept = await ticket(harness, second.id), await ticket(harness, first.id)
    assert duplicate.status == "closed" and kept.status == "new"
    assert duplicate.household_id == kept.household_id is not None
    closed = [e for e in await events(harness, second.id) if e.kind == "closed"]
    assert closed[0].data["outcome"] == "duplicate"
    assert [e.data["with"] for e in await events(harness, first.id) if e.kind == "merged_from"]
    assert len(resident.messages()) == seen
    await staff.send(f"/merge {first.reference} {first.reference}")
    assert (await ticket(harness, first.id)).status == "new"


async def test_a_misfiled_message_moves_to_the_right_ticket(harness: Harness) -> None:
    """Replying /move <ref> to a relayed message moves its words to the other ticket of the
    same resident; another resident's ticket is refused."""
    staff = await add_staff(harness, 700001, "佐藤")
    resident, food = await resident_request(harness, form="food")
    await resident.send("/start")
    _, talk = await resident_request(harness, form="consultation")
    _, stranger = await resident_request(harness, user_id=5002)
    await resident.send("/mytickets")
    await resident.send("The rice was for my neighbour family, not us.")
    if resident.buttons():
        await resident.click(resident.buttons()[0][0])
    await harness.relay()
    relayed = next(m for m in staff.messages() if "neighbour family" in m.text)
    source = None
    for candidate in (food, talk):
        if any(
            "neighbour" in (e.data.get("text") or "")
            for e in await events(harness, candidate.id)
            if e.kind == "resident_message"
        ):
            source = candidate
    assert source is not None
    relayed_ticket = talk if source.id == food.id else food
    await staff.send(f"/move {stranger.reference}", reply_to=relayed)
    assert any(e.kind == "resident_message" for e in await events(harness, source.id))
    await staff.send(f"/move {relayed_ticket.reference}", reply_to=relayed)
    moved = [e for e in await events(harness, relayed_ticket.id) if e.kind == "resident_message"]
    assert any("neighbour family" in e.data["text"] for e in moved)
    assert not any(
        "neighbour" in (e.data.get("text") or "")
        for e in await events(harness, source.id)
        if e.kind == "resident_message"
    )


async def test_the_councils_own_outcomes_are_offered_and_counted(harness: Harness) -> None:
    """An outcome added in the office profile is a close button, can be typed, and is
    counted in the month's figures under its own name."""
    from bot.numbers.figures import collect_stats
    from bot.numbers.reports import render_stats
    from bot.settings import LocalizedText, Outcome

    ja = harness.ja()
    profile = harness.services.profile
    profile.outcomes.append(
        Outcome(key="loan", name=LocalizedText(ja="貸付につなぐ"), aliases=["貸付"])
    )
    staff = await add_staff(harness, 700001, "佐藤")
    _, first = await resident_request(harness, user_id=5001)
    _, second = await resident_request(harness, user_id=5002)
    card = card_of(harness, await ticket(harness, first.id))
    await staff.click(ja.gettext("Close"), message=card)
    await staff.click("貸付につなぐ", message=card)
    await staff.send(f"/close {second.reference} 貸付 本人と相談のうえ")
    for request in (first, second):
        closed = [e for e in await events(harness, request.id) if e.kind == "closed"]
        assert closed[0].data["outcome"] == "loan"
    day = harness.clock().date()
    async with harness.db() as session:
        stats = await collect_stats(
            session, harness.services, "m", day.replace(day=1), day.replace(day=28)
        )
    assert stats.outcomes == {"loan": 2}
    assert "貸付につなぐ：2件" in render_stats(stats, ja, profile)


async def test_a_referral_needs_the_residents_consent(harness: Harness) -> None:
    """A request whose resident said 'ask me first' is not passed on until staff write that
    they agreed; the history says how consent was given."""
    staff = await add_staff(harness, 700001, "佐藤")
    resident, request = await resident_request(harness, form="consultation")
    assert request.answers["share"] == "ask"
    await staff.send(f"/refer {request.reference} 区生活支援課")
    assert (await ticket(harness, request.id)).status == "new"
    assert "同意あり" in staff.last.text
    await harness.relay()
    assert not resident.said("has been passed on")
    await staff.send(f"/refer {request.reference} 区生活支援課 同意あり 電話で確認")
    await harness.relay()
    referred = await ticket(harness, request.id)
    assert (referred.status, referred.referred_to) == ("referred", "ward_life_support")
    [event] = [e for e in await events(harness, request.id) if e.kind == "referred"]
    assert event.data == {"partner": "ward_life_support", "consent": "asked", "note": "電話で確認"}
    assert resident.said("has been passed on", since=-1)


async def test_a_follow_up_day_reaches_an_assignee_who_asked_privately(harness: Harness) -> None:
    """On the follow-up day the digest lists it and an assignee with /notify 個別 is told."""
    from bot.numbers.daily import send_daily_digest

    await add_staff(harness, 700002, "鈴木")
    private = harness.staff(700002, "鈴木", in_group=False)
    await private.send("/notify 個別")
    _, request = await resident_request(harness)
    await private.send(f"/assign {request.reference} 自分")
    await private.send(f"/remind {request.reference} 12/1")
    harness.clock.now = tokyo(2026, 12, 1, 8, 45)
    before = len(harness.api.sent_to(700002))
    assert await send_daily_digest(harness.services, harness.clock())
    await harness.relay()
    told = [m.text for m in harness.api.sent_to(700002)[before:]]
    assert any(request.reference in text and "⏰" in text for text in told)


async def test_households_stay_apart_after_one_leaves_and_erasure_unlinks(harness: Harness) -> None:
    """Taking out the ticket a household was named after leaves the rest together under a new
    id, so a later link of that ticket joins nobody else; an erased request leaves its
    household."""
    staff = await add_staff(harness, 700001, "佐藤")
    people = [await resident_request(harness, user_id=5001 + i) for i in range(4)]
    first, second, third, fourth = (request for _, request in people)
    await staff.send(f"/household {first.reference} {second.reference} {third.reference}")
    await staff.send(f"/household {first.reference} 解除")
    rest = {(await ticket(harness, t.id)).household_id for t in (second, third)}
    assert rest == {second.id}
    await staff.send(f"/household {first.reference} {fourth.reference}")
    assert (await ticket(harness, fourth.id)).household_id == first.id
    assert (await ticket(harness, second.id)).household_id == second.id
    resident = people[1][0]
    await resident.send("/delete")
    await resident.click("Yes, delete my data")
    assert (await ticket(harness, second.id)).household_id is None
    assert (await ticket(harness, third.id)).household_id == third.id


async def test_a_canned_reply_changed_after_its_preview_is_not_sent(harness: Harness) -> None:
    """Send sends exactly what was previewed: if an admin rewrote the text in between,
    nothing goes and staff are asked to look again."""
    ja = harness.ja()
    admin = harness.staff(ADMIN_ID, "Admin")
    await admin.send("/canned 追加 案内 最初の文面です。")
    staff = await add_staff(harness, 700001, "佐藤")
    resident, request = await resident_request(harness)
    card = card_of(harness, await ticket(harness, request.id))
    await staff.click(ja.gettext("Canned reply"), message=card)
    await staff.click("案内", message=card)
    await harness.relay()
    preview = staff.messages()[-1]
    # Exactly what the resident (who reads English) will get, header included.
    assert "Message from the council about your request" in preview.text
    await admin.send("/canned 追加 案内 書き換えた文面です。")
    await staff.click(ja.gettext("Send it"), message=preview)
    await harness.relay()
    assert not resident.said("最初の文面です。") and not resident.said("書き換えた文面です。")
    assert not [e for e in await events(harness, request.id) if e.kind == "staff_reply"]
