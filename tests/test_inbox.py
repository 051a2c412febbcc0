"""The inbox: updates stored before they count as received, handled once each, in order per chat."""

from __future__ import annotations

import json
import random
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from telegram.error import NetworkError

from bot.channels.telegram.inbox_worker import InboxWorker
from bot.channels.telegram.outage import OutageNotices
from bot.channels.telegram.webhook import SECRET_HEADER, WebhookEndpoints
from bot.outbox.queue import enqueue
from bot.screens import Screen
from storage.models import Draft, OutboxMessage, Resident, Ticket
from tests.fake_telegram import FakeTelegram
from tests.fakes import Harness
from tests.process_helpers import food_script

SECRET = "inbox-test-secret-0123456789"


def endpoints_for(
    harness: Harness, sole: bool = False
) -> tuple[WebhookEndpoints, InboxWorker, httpx.AsyncClient]:
    """The webhook endpoints and inbox worker of the harness's application, and a client;
    `sole` makes the worker take updates as the only worker does (long polling)."""
    notices = OutageNotices(harness.catalogs)
    worker = InboxWorker(harness.app, notices, sole=sole)
    endpoints = WebhookEndpoints(harness.app, worker, notices, SECRET)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(endpoints.asgi("/telegram")), base_url="http://worker"
    )
    return endpoints, worker, client


async def post(
    client: httpx.AsyncClient,
    update: dict[str, Any],
    secret: str | None = SECRET,
) -> int:
    """Posts an update as Telegram would and returns the status code."""
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    answer = await client.post("/telegram", content=json.dumps(update), headers=headers)
    return answer.status_code


async def drain(worker: InboxWorker) -> None:
    """Lets the worker handle everything stored."""
    while await worker.handle_due():
        pass


async def snapshot(harness: Harness, users: list[int]) -> list[Any]:
    """What the database holds for each user, without ids, references or times."""
    result = []
    async with harness.db() as session:
        for user in users:
            resident = await session.scalar(
                select(Resident).where(Resident.telegram_user_id == user)
            )
            tickets = (
                await session.scalars(
                    select(Ticket).where(Ticket.resident_id == resident.id).order_by(Ticket.id)
                )
            ).all()
            draft = await session.get(Draft, resident.id)
            sent = (
                await session.scalars(
                    select(OutboxMessage.kind)
                    .where(OutboxMessage.chat_id == user)
                    .order_by(OutboxMessage.id)
                )
            ).all()
            result.append(
                (
                    resident.screen,
                    resident.locale,
                    [(t.service, t.status, t.priority, t.answers) for t in tickets],
                    draft.state if draft else None,
                    list(sent),
                )
            )
    return result


@pytest.mark.parametrize("sole", [False, True], ids=["claiming", "sole"])
async def test_updates_twice_and_slightly_out_of_order_end_as_a_clean_run(
    harness: Harness, sole: bool
) -> None:
    """Each update posted twice, neighbours swapped, old ones redelivered after handling: the
    database ends exactly as for residents whose updates came once and in order."""
    _endpoints, worker, client = endpoints_for(harness, sole)
    builder = FakeTelegram()
    clean, messy = [7100 + n for n in range(4)], [7200 + n for n in range(4)]
    for step in range(len(food_script(0))):
        for n in range(4):
            builder.text_update(clean[n], food_script(n)[step])
            builder.text_update(messy[n], food_script(n)[step])
    clean_updates = [u for u in builder.updates if u["message"]["chat"]["id"] in clean]
    messy_updates = [u for u in builder.updates if u["message"]["chat"]["id"] in messy]
    for update in clean_updates:
        assert await post(client, update) == 200
        await drain(worker)
    rng = random.Random(6)
    previous: list[dict[str, Any]] = []
    for start in range(0, len(messy_updates), 8):
        window = messy_updates[start : start + 8]
        arrival = window + window + previous[:3]
        for i in range(0, len(arrival) - 1, 2):  # neighbours swapped
            arrival[i], arrival[i + 1] = arrival[i + 1], arrival[i]
        rng.shuffle(arrival[len(window) * 2 :])
        for update in arrival:
            assert await post(client, update) == 200
        await drain(worker)
        previous = window
    messy_state = await snapshot(harness, messy)
    assert messy_state == await snapshot(harness, clean)
    assert [len(tickets) for _screen, _locale, tickets, _draft, _sent in messy_state] == [1] * 4
    await client.aclose()


async def test_the_webhook_refuses_strangers_and_garbage_and_stores_nothing(
    harness: Harness,
) -> None:
    """Without the secret: 403; with a wrong one: 403; not an update: 400. Nothing is stored."""
    _endpoints, worker, client = endpoints_for(harness)
    update = {
        "update_id": 99,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 5, "type": "private"},
            "from": {"id": 5, "is_bot": False, "first_name": "R"},
            "text": "/start",
        },
    }
    assert await post(client, update, secret=None) == 403
    assert await post(client, update, secret=SECRET[:-1] + "x") == 403
    answer = await client.post("/telegram", content=b"{not json", headers={SECRET_HEADER: SECRET})
    assert answer.status_code == 400
    assert await post(client, {"message": "no id"}) == 400
    assert (await client.get("/healthz")).json()["inbox_waiting"] == 0
    assert await worker.handle_due() == 0
    assert [c.method for c in harness.api.calls if c.method != "getMe"] == []
    await client.aclose()


async def test_the_webhook_keeps_an_update_it_cannot_read_for_an_operator(
    harness: Harness, caplog: Any
) -> None:
    """An update from Telegram (the secret matches) that cannot be read as one: 200, kept in the
    inbox as given up (health counts it, no worker takes it), nothing of it in the log."""
    _endpoints, worker, client = endpoints_for(harness)
    unreadable = {
        "update_id": 98,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 5, "type": "private", "first_name": "秘密の名前"},
            "poll": {"id": "1", "question": "誰にも言えない秘密"},
        },
    }
    assert await post(client, unreadable) == 200
    health = (await client.get("/healthz")).json()
    assert (health["inbox_waiting"], health["inbox_failed"]) == (0, 1)
    assert await worker.handle_due() == 0
    assert "秘密" not in caplog.text and "update 98 could not be read" in caplog.text
    assert [c.method for c in harness.api.calls if c.method != "getMe"] == []
    await client.aclose()


class UnreachableDatabase:
    """A sessionmaker whose database never answers."""

    def _fail(self) -> None:
        """Raises what SQLAlchemy raises when the server cannot be reached."""
        raise OperationalError("connect", {}, OSError("connection refused"))

    def __call__(self) -> None:
        """Opening a session fails."""
        self._fail()

    def begin(self) -> None:
        """Opening a transaction fails."""
        self._fail()


async def test_the_webhook_answers_503_while_the_database_is_down(harness: Harness) -> None:
    """Telegram is asked to send again, and the resident is told once that nothing is lost."""
    _endpoints, _worker, client = endpoints_for(harness)
    object.__setattr__(harness.services, "db", UnreachableDatabase())
    builder = FakeTelegram()
    for text in ("/start", "2", "1"):
        builder.text_update(5150, text, language="en")
    statuses = [await post(client, update) for update in builder.updates]
    assert statuses == [503, 503, 503]
    told = [m.text for m in harness.api.sent_to(5150)]
    assert len(told) == 1 and "this message is not lost" in told[0]
    health = await client.get("/healthz")
    assert health.status_code == 503 and health.json()["database"] is False
    await client.aclose()


async def test_healthz_and_metrics_report_backlogs(harness: Harness) -> None:
    """/healthz shows the backlogs and the last digest; /metrics counts handled updates."""
    _endpoints, worker, client = endpoints_for(harness)
    builder = FakeTelegram()
    builder.text_update(5151, "/start", language="en")
    assert await post(client, builder.updates[0]) == 200
    assert (await client.get("/healthz")).json()["inbox_waiting"] == 1
    await drain(worker)
    health = (await client.get("/healthz")).json()
    assert health["status"] == "ok" and health["inbox_waiting"] == 0
    metrics = (await client.get("/metrics")).text
    assert "madoguchi_updates_handled_total 1.0" in metrics
    assert "madoguchi_inbox_depth 0.0" in metrics
    await client.aclose()


async def test_telegram_down_for_an_hour_then_everything_arrives_in_order(harness: Harness) -> None:
    """An hour of network errors: nothing given up, nothing counted against a message; after,
    every message is delivered, in order per chat."""
    chats = [801, 802, 803, -804]
    async with harness.db.begin() as session:
        for n in range(4):
            for chat in chats:
                await enqueue(session, chat, "test", Screen(f"{chat} #{n}"), harness.clock())
    real = harness.api.do_request

    async def unreachable(*_args: Any, **_kwargs: Any) -> tuple[int, bytes]:
        raise NetworkError("Telegram is down")

    harness.api.do_request = unreachable  # type: ignore[method-assign]
    for _ in range(120):  # an hour, looked at every 30 seconds
        assert await harness.relay() == 0
        harness.clock.advance(seconds=30)
    harness.api.do_request = real  # type: ignore[method-assign]
    delivered = 0
    for _ in range(10):
        delivered += await harness.relay()
        harness.clock.advance(seconds=31)
    assert delivered == 16
    for chat in chats:
        assert [m.text for m in harness.api.sent_to(chat)] == [f"{chat} #{n}" for n in range(4)]
    async with harness.db() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    # One counted attempt each: the one that went through; the hour of errors counted nothing.
    assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}


def failing_handler(harness: Harness, text: str, error: BaseException) -> list[int]:
    """Makes updates with this text fail with `error` instead of being handled; returns a list
    that counts the tries."""
    from telegram.ext import MessageHandler, filters

    tries: list[int] = []

    async def fail(update: Any, _context: Any) -> None:
        tries.append(update.update_id)
        raise error

    # First in group 0, where the real handlers are: the first matching handler is the only one.
    harness.app.handlers[0].insert(0, MessageHandler(filters.Regex(f"^{text}$"), fail))
    return tries


@pytest.mark.parametrize("sole", [False, True], ids=["claiming", "sole"])
async def test_a_handler_that_keeps_failing_is_set_aside_and_the_chat_moves_on(
    harness: Harness,
    sole: bool,
) -> None:
    """Five tries, then the update is kept for an operator and the resident's next message is
    handled; the kept update is purged with the drafts' retention."""
    from bot.channels.telegram.inbox_worker import MAX_ATTEMPTS
    from handlers.jobs import purge_expired_drafts
    from storage import inbox as inbox_sql

    _endpoints, worker, client = endpoints_for(harness, sole)
    tries = failing_handler(harness, "boom", RuntimeError("a bug"))
    builder = FakeTelegram()
    builder.text_update(5160, "boom", language="en")
    builder.text_update(5160, "/start", language="en")
    for update in builder.updates:
        assert await post(client, update) == 200
    for _ in range(MAX_ATTEMPTS):
        await drain(worker)
        harness.clock.advance(seconds=20)
    await drain(worker)
    assert len(tries) == MAX_ATTEMPTS
    assert "What can we help you with?" in harness.api.sent_to(5160)[-1].text
    async with harness.db() as session:
        assert await inbox_sql.backlog(session) == (0, 1)
    harness.clock.advance(hours=harness.settings.draft_retention_hours + 1)
    await purge_expired_drafts(type("Ctx", (), {"services": harness.services})())
    async with harness.db() as session:
        assert await inbox_sql.backlog(session) == (0, 0)
    harness.errors.clear()  # the failures were the point
    await client.aclose()


@pytest.mark.parametrize("sole", [False, True], ids=["claiming", "sole"])
async def test_a_database_error_in_a_handler_is_retried_and_announced_once(
    harness: Harness,
    sole: bool,
) -> None:
    """While handling fails because the database is unavailable: one notice, no attempts used
    up, and the update is handled once the database answers again."""
    from sqlalchemy.exc import OperationalError

    _endpoints, worker, client = endpoints_for(harness, sole)
    tries = failing_handler(harness, "/start", OperationalError("SELECT", {}, OSError("gone")))
    builder = FakeTelegram()
    builder.text_update(5170, "/start", language="en")
    assert await post(client, builder.updates[0]) == 200
    for _ in range(8):
        await drain(worker)
        harness.clock.advance(seconds=2)
    notices = [m.text for m in harness.api.sent_to(5170)]
    assert len(tries) == 8 and len(notices) == 1 and "not lost" in notices[0]
    harness.app.handlers[0].pop(0)  # the database is back
    harness.clock.advance(seconds=2)
    await drain(worker)
    assert "What can we help you with?" in harness.api.sent_to(5170)[-1].text
    harness.errors.clear()
    await client.aclose()
