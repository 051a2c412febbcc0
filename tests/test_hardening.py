"""Hostile input: malformed webhook posts, slow clients, odd update kinds and arbitrary text."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.channels.telegram.app import build_application
from bot.channels.telegram.inbox_worker import InboxWorker
from bot.channels.telegram.local_api import LocalBotApi
from bot.channels.telegram.outage import OutageNotices
from bot.channels.telegram.polling import ALLOWED_UPDATES, UpdateFetcher
from bot.channels.telegram.serve import http_server, serve
from bot.channels.telegram.webhook import SECRET_HEADER, WebhookEndpoints
from bot.i18n import Catalogs
from bot.staff.commands import STAFF_COMMANDS
from storage.db import create_engine, create_sessionmaker
from tests.fakes import Harness, settings_for_test
from tests.staff_helpers import ADMIN_ID, card_of, resident_request

SECRET = "hardening-test-secret-0123456789"


def _message(update_id: Any, **extra: Any) -> dict[str, Any]:
    """A resident's /start as Telegram posts it, with fields replaced or added."""
    message = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": False, "first_name": "R"},
        "text": "/start",
    }
    return {"update_id": update_id, "message": {**message, **extra}}


def _nested(depth: int) -> dict[str, Any]:
    """An object nested `depth` levels deep."""
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


def _free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        json.dumps(_message(7, extra=_nested(200))).encode(),
        json.dumps(_message(2**70)).encode(),
        json.dumps(_message(2**63)).encode(),
        json.dumps(_message(True)).encode(),
        json.dumps(_message(0)).encode(),
        json.dumps(_message(-4)).encode(),
        json.dumps(_message("7")).encode(),
        json.dumps(_message(7, chat={"id": 2**70, "type": "private"})).encode(),
        json.dumps(_message(7, date=10**30)).encode(),
        json.dumps([_message(7)]).encode(),
    ],
    ids=[
        "deep-array",
        "deep-object",
        "id-2**70",
        "id-2**63",
        "id-true",
        "id-0",
        "id-negative",
        "id-string",
        "chat-2**70",
        "date-huge",
        "not-an-object",
    ],
)
async def test_the_webhook_answers_400_to_malformed_updates_and_stores_nothing(
    harness: Harness, body: bytes
) -> None:
    """Nesting, out-of-range or non-integer ids: 400, never a 500, and the inbox stays empty."""
    endpoints = WebhookEndpoints(harness.app, None, OutageNotices(harness.catalogs), SECRET)
    transport = httpx.ASGITransport(endpoints.asgi("/telegram"), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://worker") as client:
        answer = await client.post("/telegram", content=body, headers={SECRET_HEADER: SECRET})
        assert answer.status_code == 400
        assert (await client.get("/healthz")).json()["inbox_waiting"] == 0
        ok = await client.post(
            "/telegram", content=json.dumps(_message(2**63 - 1)), headers={SECRET_HEADER: SECRET}
        )
        assert ok.status_code == 200


async def test_polling_asks_only_for_the_updates_the_handlers_use(harness: Harness) -> None:
    """getUpdates names messages, edits and button presses."""
    notices = OutageNotices(harness.catalogs)
    fetcher = UpdateFetcher(harness.app, InboxWorker(harness.app, notices), notices)
    assert await fetcher._fetch()
    call = next(c for c in harness.api.calls if c.method == "getUpdates")
    allowed = call.params["allowed_updates"]
    assert sorted(json.loads(allowed) if isinstance(allowed, str) else allowed) == sorted(
        ["message", "edited_message", "callback_query"]
    )


def test_no_handler_takes_an_update_kind_telegram_is_not_asked_for(harness: Harness) -> None:
    """Channel posts and inline queries match no handler; the allowed kinds each match one."""
    bot = harness.app.bot
    channel = {"message_id": 1, "date": 0, "chat": {"id": -100, "type": "channel"}, "text": "x"}
    user = {"id": 5, "is_bot": False, "first_name": "R"}
    others = [
        {"update_id": 1, "channel_post": channel},
        {"update_id": 2, "edited_channel_post": {**channel, "edit_date": 1}},
        {"update_id": 3, "inline_query": {"id": "q", "from": user, "query": "x", "offset": ""}},
    ]
    allowed = [
        _message(4),
        {"update_id": 5, "edited_message": {**_message(5)["message"], "edit_date": 1}},
        {
            "update_id": 6,
            "callback_query": {"id": "c", "from": user, "chat_instance": "5", "data": "x"},
        },
    ]
    handlers = [h for group in harness.app.handlers.values() for h in group]

    def matched(payload: dict[str, Any]) -> bool:
        update = Update.de_json(payload, bot)
        return any(h.check_update(update) not in (None, False) for h in handlers)

    assert [matched(p) for p in others] == [False, False, False]
    assert [matched(p) for p in allowed] == [True, True, True]
    assert {next(k for k in p if k != "update_id") for p in allowed} == set(ALLOWED_UPDATES)


async def test_webhook_mode_keeps_health_on_its_own_loopback_listener(
    database_url: str, catalogs: Catalogs
) -> None:
    """With a health port: /healthz there, not on the public listener; setWebhook asks for
    the handled kinds only."""
    public, health = _free_port(), _free_port()
    config = settings_for_test(
        database_url,
        webhook_url="https://bot.example.org/tg",
        webhook_secret=SECRET,
        webhook_port=public,
        health_port=health,
    )
    engine = create_engine(database_url, config.keyring())
    api = LocalBotApi()
    app = build_application(
        config, create_sessionmaker(engine), api, catalogs=catalogs, rate_limit=False
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, webhook=True, stop=stop))
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                try:
                    answer = await client.get(f"http://127.0.0.1:{health}/healthz")
                    await client.get(f"http://127.0.0.1:{public}/tg")
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
            assert answer.status_code == 200
            assert (await client.get(f"http://127.0.0.1:{public}/healthz")).status_code == 404
            assert (await client.get(f"http://127.0.0.1:{public}/metrics")).status_code == 404
            posted = await client.post(
                f"http://127.0.0.1:{public}/tg",
                content=json.dumps(_message(11)),
                headers={SECRET_HEADER: SECRET},
            )
            assert posted.status_code == 200
            assert "server" not in posted.headers
    finally:
        stop.set()
        await task
        await engine.dispose()
    call = next(c for c in api.calls if c.method == "setWebhook")
    allowed = call.params["allowed_updates"]
    assert sorted(json.loads(allowed) if isinstance(allowed, str) else allowed) == sorted(
        ALLOWED_UPDATES
    )


async def test_a_client_sending_its_request_too_slowly_is_cut_off(harness: Harness) -> None:
    """Headers that never end do not hold a connection open (slowloris)."""
    port = _free_port()
    endpoints = WebhookEndpoints(harness.app, None, OutageNotices(harness.catalogs), SECRET)
    server = http_server(endpoints, "127.0.0.1", port, "/tg", read_seconds=0.3)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(100):
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.05)
        writer.write(b"POST /tg HTTP/1.1\r\nHost: worker\r\nX-Slow: ")
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), timeout=3) == b""
        writer.close()
    finally:
        server.should_exit = True
        await task


async def test_a_staff_reply_with_a_photo_relays_its_caption(harness: Harness) -> None:
    """A photo with a caption, as a reply to the reply prompt, reaches the resident as text."""
    resident, tk = await resident_request(harness)
    staff = harness.staff(ADMIN_ID, "Admin")
    await staff.click(harness.ja().gettext("Reply"), message=card_of(harness, tk))
    await harness.relay()
    prompt = staff.messages()[-1]
    photo = [{"file_id": "p1", "file_unique_id": "p1u", "width": 90, "height": 90}]
    await staff.send_content(
        photo=photo,
        caption="地図の写真です。明日10時に伺います。",
        reply_to_message=staff._bot_message(prompt),
    )
    await harness.relay()
    assert resident.said("明日10時に伺います。")


async def test_circled_twenty_typed_2200_times_at_the_menu(harness: Harness) -> None:
    """'⑳' × 2,200 folds to 4,400 digits, too many for int(): it is just not a menu number."""
    resident = harness.resident()
    await resident.send("/start")
    await resident.send("⑳" * 2200)
    assert harness.errors == []
    harness.errors.clear()


# Arbitrary Unicode up to Telegram's 4,096 characters, through the real Application.
TEXT = st.text(min_size=1, max_size=4096)
FEW = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _on_a_harness(database_url: str, catalogs: Catalogs, check) -> None:
    """Runs hypothesis examples against one harness on one event loop of its own."""
    loop = asyncio.new_event_loop()
    config = settings_for_test(database_url)
    engine = create_engine(database_url, config.keyring())
    harness = Harness(config, engine, create_sessionmaker(engine), catalogs)
    loop.run_until_complete(harness.app.initialize())
    try:
        check(harness, loop)
    finally:
        loop.run_until_complete(harness.app.shutdown())
        loop.run_until_complete(engine.dispose())
        loop.close()


def test_any_text_a_resident_types_is_handled(database_url: str, catalogs: Catalogs) -> None:
    """No text makes a resident handler raise, whatever screen the resident is on."""

    def check(harness: Harness, loop: asyncio.AbstractEventLoop) -> None:
        resident = harness.resident(7001)

        @FEW
        @given(text=TEXT)
        def one(text: str) -> None:
            loop.run_until_complete(resident.send(text))
            assert harness.errors == [], text

        loop.run_until_complete(resident.send("/start"))
        one()

    _on_a_harness(database_url, catalogs, check)


def test_any_staff_command_arguments_are_handled(database_url: str, catalogs: Catalogs) -> None:
    """No arguments make a staff command raise, for the admin in the staff group."""

    def check(harness: Harness, loop: asyncio.AbstractEventLoop) -> None:
        admin = harness.staff(ADMIN_ID, "Admin")

        @FEW
        @given(command=st.sampled_from(sorted(STAFF_COMMANDS)), text=TEXT)
        def one(command: str, text: str) -> None:
            loop.run_until_complete(admin.send(f"/{command} {text}"))
            assert harness.errors == [], (command, text)

        one()

    _on_a_harness(database_url, catalogs, check)
