"""One resident cannot bury a crisis alert or flood the staff group; nothing they wrote is lost."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import event

from bot.resident.followups import FLOOD_NOTICE, FLOOD_RELAYS
from storage.outbox import outbox_heads, outbox_messages
from storage.tickets import ticket_events
from tests.fakes import Harness
from tests.staff_helpers import resident_request


async def waiting_for_staff(harness: Harness, kind: str | None = None) -> list:
    """Outbox messages for the staff group not sent yet."""
    async with harness.db() as session:
        rows = await outbox_messages(session, kind)
    return [
        m for m in rows if m.chat_id == harness.settings.staff_chat_id and m.status == "pending"
    ]


async def test_many_messages_join_a_few_relays_and_every_word_is_kept(harness: Harness) -> None:
    """Sixty messages to one request while the group is busy: a handful of relays, at most one
    waiting card edit, every message on the ticket, and one kind notice to the resident."""
    resident, tk = await resident_request(harness, form="opinion")
    await harness.relay()
    for n in range(60):
        await resident.send(f"message number {n} about the broken lift")
    relays = await waiting_for_staff(harness, "resident_message")
    assert 1 <= len(relays) <= 3
    assert len(await waiting_for_staff(harness, "card_edit")) <= 1
    async with harness.db() as session:
        said = [
            e.data["text"]
            for e in await ticket_events(session, tk.id)
            if e.kind == "resident_message"
        ]
    assert said == [f"message number {n} about the broken lift" for n in range(60)]
    shown = "\n".join(m.text for m in relays)
    assert all(f"message number {n} " in shown for n in range(FLOOD_RELAYS))
    await harness.relay()
    notice = harness.en().gettext(FLOOD_NOTICE)
    assert sum(notice in text for text in resident.texts()) == 1


async def test_crisis_words_repeated_make_one_alert_per_resident(harness: Harness) -> None:
    """Fifty crisis messages from a resident with an open request: their words join one waiting
    alert (all of them in it), not fifty."""
    resident, _ = await resident_request(harness, form="opinion")
    await harness.relay()
    for n in range(50):
        await resident.send(f"I want to die {n}")
    alerts = await waiting_for_staff(harness, "crisis_alert")
    assert len(alerts) == 1
    assert all(f"I want to die {n}" in alerts[0].text for n in range(50))


@pytest.mark.slow
async def test_a_flood_does_not_delay_another_residents_crisis_alert(harness: Harness) -> None:
    """1,000 messages from one resident, then a crisis from another: the alert is the next
    message the staff group gets, and a third resident's /start is answered at once."""
    flooder, _ = await resident_request(harness, form="opinion")
    await harness.relay()
    for n in range(1000):
        await flooder.send(f"again and again {n}")
    other = harness.resident(user_id=6001)
    await other.send("/start")
    await other.send("My husband hits me and I am scared to go home")
    async with harness.db() as session:
        heads = await outbox_heads(session, harness.clock(), 50, set())
    [group_head] = [m for m in heads if m.chat_id == harness.settings.staff_chat_id]
    assert group_head.kind == "crisis_alert"
    waiting = await waiting_for_staff(harness)
    # At the group's pace (one message every 3.2 s) everything waiting is sent within minutes.
    assert len(waiting) <= 40, [m.kind for m in waiting]
    third = harness.resident(user_id=7001)
    started = time.monotonic()
    await third.send("/start")
    assert time.monotonic() - started < 2
    assert third.last.text


async def test_words_waiting_for_a_choice_stay_bounded_and_none_is_lost(harness: Harness) -> None:
    """With two open requests, 250 messages before choosing: the waiting row stays small, and
    every message is either waiting or on the newest request."""
    from bot.resident.desk import MAX_WAITING_MESSAGE

    resident, _ = await resident_request(harness, form="opinion")
    _, newest = await resident_request(harness, form="opinion")
    texts = [f"{n:03d} " + "words " * 30 for n in range(250)]
    for text in texts:
        await resident.send(text)
        waiting = (await harness.resident_row(resident)).pending_message or ""
        assert len(waiting) <= MAX_WAITING_MESSAGE
    async with harness.db() as session:
        on_ticket = "\n".join(
            e.data["text"]
            for e in await ticket_events(session, newest.id)
            if e.kind == "resident_message"
        )
    kept = on_ticket + "\n" + (await harness.resident_row(resident)).pending_message
    assert all(text.strip() in kept for text in texts)


@pytest.mark.parametrize("typed", ["⑳" * 2200, "1" * 5000, "9" * 20])
async def test_a_huge_number_is_no_option_and_raises_nothing(harness: Harness, typed: str) -> None:
    """Thousands of digits (⑳ folds to 20) at the menu, in a form and at the review: a kind
    answer, no error."""
    from tests.scripts import begin_form

    resident = harness.resident()
    await resident.send("/start")
    await resident.send(typed)
    await begin_form(harness, resident, harness.en(), "Food support")
    await resident.send(typed)
    assert resident.last.text
    assert harness.errors == []


async def test_a_message_with_nothing_waiting_is_relayed_without_reading_the_outbox(
    harness: Harness,
) -> None:
    """With no relay of its ticket waiting, a resident's message goes to the group by one
    conditional INSERT (no read of the outbox first); the next, sent while that relay waits,
    joins it."""
    resident, tk = await resident_request(harness, form="opinion")
    await harness.relay()
    outbox_reads: list[str] = []
    event.listen(
        harness.engine.sync_engine,
        "before_cursor_execute",
        lambda _c, _cur, sql, *_rest: (
            outbox_reads.append(sql)
            if sql.lstrip().startswith("SELECT") and "FROM outbox" in sql
            else None
        ),
    )
    await resident.send("first words")
    assert outbox_reads == []
    relays = await waiting_for_staff(harness, "resident_message")
    assert [m.ticket_id for m in relays] == [tk.id]
    assert relays[0].text.endswith("first words")
    await resident.send("second words")
    relays = await waiting_for_staff(harness, "resident_message")
    assert len(relays) == 1 and relays[0].text.endswith("first words\nsecond words")
