"""The staff card goes through the outbox: stored with the ticket, delivered, retried."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.outbox.queue import enqueue
from bot.outbox.relay import LEASE
from bot.screens import Screen
from storage.outbox import OutboxDTO, claim_outbox_message, outbox_messages
from tests.fakes import Harness, UserClient
from tests.scripts import FORM_SCRIPTS, begin_form, play


async def _send_food_request(harness: Harness, user_id: int = 5001) -> UserClient:
    """A resident who sends a complete food request."""
    t = harness.en()
    resident = harness.resident(user_id)
    title, steps, _ = FORM_SCRIPTS["food"]
    await begin_form(harness, resident, t, title)
    await play(harness, resident, t, steps)
    await resident.click("Send")
    return resident


async def _outbox(harness: Harness, kind: str = "ticket_card") -> list[OutboxDTO]:
    async with harness.db() as session:
        return await outbox_messages(session, kind)


async def _relay_receipts_only(harness: Harness) -> None:
    """Delivers the receipts, holding the staff card back with one failure."""
    harness.api.fail_next("sendMessage", status=500, chat_id=harness.settings.staff_chat_id)
    await harness.relay()
    harness.clock.advance(hours=1)


async def test_card_is_stored_with_the_ticket_before_any_send(harness: Harness) -> None:
    """The card is an outbox row committed with the ticket; nothing is sent until the relay runs."""
    await _send_food_request(harness)
    [ticket] = await harness.tickets()
    [row] = await _outbox(harness)
    assert (row.kind, row.ticket_id, row.status) == ("ticket_card", ticket.id, "pending")
    [receipt] = await _outbox(harness, "receipt")
    assert receipt.chat_id == 5001 and ticket.reference in receipt.text
    assert harness.staff_messages() == []
    assert await harness.relay() == 2
    [row] = await _outbox(harness)
    assert row.status == "sent"
    assert row.telegram_message_id == harness.staff_messages()[0].message_id
    assert row.text == "", "a delivered message's text (answers) is not kept"


async def test_card_is_in_japanese_and_shows_the_group_no_personal_data(harness: Harness) -> None:
    """By default: reference, service, priority, status, assignee, district, in Japanese; no
    answers, contact or phone (everyone in the group reads the card)."""
    await _send_food_request(harness)
    await harness.relay()
    [card] = harness.staff_messages()
    [ticket] = await harness.tickets()
    ja = harness.ja()
    for fragment in (
        ticket.reference,
        ja.gettext("Food support"),
        ja.gettext("Urgent"),
        ja.gettext("District"),
        ja.gettext("Status"),
        ja.gettext("Assignee"),
    ):
        assert fragment in card.text
    for fragment in (
        ja.gettext("Reply in this chat"),
        ja.gettext("Adults in the household"),
        "I use a wheelchair.",
    ):
        assert fragment not in card.text


async def test_a_card_shows_contact_and_answers_when_configured(harness: Harness) -> None:
    """MADOGUCHI_CARD_SHOWS=contact,answers puts the contact method and answers on the card."""
    harness.settings.card_shows = ["contact", "answers"]
    await _send_food_request(harness)
    await harness.relay()
    [card] = harness.staff_messages()
    ja = harness.ja()
    for fragment in (
        ja.gettext("Reply in this chat"),
        ja.gettext("Adults in the household"),
        "I use a wheelchair.",
    ):
        assert fragment in card.text


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500, "description": "Internal Server Error"},
        {"network": True},
        {"status": 429, "description": "Too Many Requests: retry after 7", "retry_after": 7},
        {"status": 502, "description": "Bad Gateway"},
    ],
)
async def test_card_delivered_later_when_the_first_send_fails(
    harness: Harness, failure: dict
) -> None:
    """A failed send is retried after a wait, and the card arrives."""
    await _send_food_request(harness)
    harness.api.fail_next("sendMessage", chat_id=harness.settings.staff_chat_id, **failure)
    assert await harness.relay() == 1, "the resident's receipt still goes out"
    [row] = await _outbox(harness)
    assert row.status == "pending" and row.last_error
    assert row.attempts == 0, "Telegram being unreachable or busy is not the message's fault"
    assert harness.staff_messages() == []
    assert await harness.relay() == 0, "not retried before the wait is over"
    harness.clock.advance(seconds=8)
    assert await harness.relay() == 1
    assert len(harness.staff_messages()) == 1
    [row] = await _outbox(harness)
    assert row.status == "sent"


async def test_retry_after_is_honoured(harness: Harness) -> None:
    """On 429 the relay waits the time Telegram asked for."""
    await _send_food_request(harness)
    harness.api.fail_next(
        "sendMessage",
        status=429,
        description="Too Many Requests",
        retry_after=30,
        chat_id=harness.settings.staff_chat_id,
    )
    await harness.relay()
    [row] = await _outbox(harness)
    assert row.not_before == harness.clock() + timedelta(seconds=30)


async def test_forbidden_is_not_retried(harness: Harness) -> None:
    """403 (bot removed from the chat) fails the message once, recorded, without retries."""
    await _send_food_request(harness)
    await _relay_receipts_only(harness)
    harness.api.fail_next("sendMessage", status=403, description="Forbidden: bot was kicked")
    await harness.relay()
    harness.clock.advance(hours=1)
    assert await harness.relay() == 0
    [row] = await _outbox(harness)
    assert row.status == "failed" and "Forbidden" in row.last_error
    sends = [
        c
        for c in harness.api.calls
        if c.method == "sendMessage" and int(c.params["chat_id"]) == harness.settings.staff_chat_id
    ]
    assert len(sends) == 2, "the held-back try and the 403, nothing after"


async def test_gives_up_after_the_last_attempt(harness: Harness) -> None:
    """After outbox_max_attempts unexpected errors the message is marked failed and left alone."""
    await _send_food_request(harness)
    await _relay_receipts_only(harness)
    for _ in range(harness.settings.outbox_max_attempts):
        harness.api.fail_next("sendMessage", status=409, description="Conflict")
        await harness.relay()
        harness.clock.advance(hours=1)
    [row] = await _outbox(harness)
    assert row.status == "failed"
    assert row.attempts == harness.settings.outbox_max_attempts
    assert await harness.relay() == 0


async def test_unreachable_telegram_pauses_the_relay_and_gives_up_only_after_the_limit(
    harness: Harness,
) -> None:
    """While Telegram does not answer, nothing is counted against the message; the relay pauses,
    tries again, and records the message as failed only after outbox_give_up_hours."""
    await _send_food_request(harness)
    await _relay_receipts_only(harness)
    for _ in range(10):
        harness.api.fail_next("sendMessage", network=True)
        assert await harness.relay() == 0
        assert await harness.relay() == 0, "paused: no second try straight away"
        harness.clock.advance(seconds=31)
    [row] = await _outbox(harness)
    assert (row.status, row.attempts) == ("pending", 0)
    harness.clock.advance(hours=harness.settings.outbox_give_up_hours)
    harness.api.fail_next("sendMessage", network=True)
    await harness.relay()
    [row] = await _outbox(harness)
    assert row.status == "failed" and "NetworkError" in row.last_error


async def test_order_is_kept_per_chat_and_other_chats_keep_flowing(harness: Harness) -> None:
    """A message waiting for a retry holds back later ones to the same chat only."""
    now = harness.clock()
    async with harness.db.begin() as session:
        await enqueue(session, -100, "test", Screen("group first"), now)
        await enqueue(session, -100, "test", Screen("group second"), now)
        await enqueue(session, 42, "test", Screen("resident"), now)
    harness.api.fail_next("sendMessage", status=500, chat_id=-100)
    assert await harness.relay() == 1
    assert [m.text for m in harness.api.sent_to(42)] == ["resident"]
    assert harness.api.sent_to(-100) == []
    harness.clock.advance(seconds=5)
    assert await harness.relay() == 2
    assert [m.text for m in harness.api.sent_to(-100)] == ["group first", "group second"]


async def test_a_message_being_sent_by_another_worker_is_not_sent_twice(harness: Harness) -> None:
    """A claimed message is skipped until its lease ends."""
    await _send_food_request(harness)
    [row] = await _outbox(harness)
    async with harness.db.begin() as session:
        assert await claim_outbox_message(session, row.id, harness.clock(), harness.clock() + LEASE)
    assert await harness.relay() == 1, "only the receipt"
    harness.clock.advance(seconds=61)
    assert await harness.relay() == 1
    assert len(harness.staff_messages()) == 1


async def test_long_cards_are_split_under_the_limit(harness: Harness) -> None:
    """A screen over 4096 characters becomes several messages, in order."""
    text = "\n".join(f"line {i} " + "あ" * 100 for i in range(100))
    async with harness.db.begin() as session:
        await enqueue(session, -100, "test", Screen(text), harness.clock())
    await harness.relay()
    parts = [m.text for m in harness.api.sent_to(-100)]
    assert len(parts) > 1
    assert all(len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text


async def test_many_tickets_each_get_one_card(harness: Harness) -> None:
    """Ten residents, ten tickets, ten cards; a second relay run sends nothing more."""
    for user_id in range(7001, 7011):
        await _send_food_request(harness, user_id)
    assert await harness.relay() == 20
    assert await harness.relay() == 0
    refs = {t.reference for t in await harness.tickets()}
    assert len(refs) == 10
    assert {r for r in refs if any(r in m.text for m in harness.staff_messages())} == refs


async def test_a_backlog_for_one_chat_does_not_starve_others(harness: Harness) -> None:
    """Sixty messages waiting for one chat do not keep a due message to another chat back."""
    now = harness.clock()
    async with harness.db.begin() as session:
        for i in range(60):
            await enqueue(session, -100, "test", Screen(f"backlog {i}"), now)
        await enqueue(session, 42, "test", Screen("resident"), now)
    harness.api.fail_next(
        "sendMessage", status=429, description="Too Many Requests", retry_after=60, chat_id=-100
    )
    await harness.relay()
    assert [m.text for m in harness.api.sent_to(42)] == ["resident"]
    assert harness.api.sent_to(-100) == []
