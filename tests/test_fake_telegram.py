"""The fake Bot API server behaves like Telegram towards a real PTB Bot."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter

from tests.fake_telegram import FakeTelegram

TOKEN = "123:ABC"


@pytest.fixture
def make_fake() -> Iterator[Callable[..., FakeTelegram]]:
    """Starts fakes on demand and stops them after the test."""
    started: list[FakeTelegram] = []

    def make(**kwargs: object) -> FakeTelegram:
        """A started fake."""
        started.append(FakeTelegram(**kwargs).start())  # type: ignore[arg-type]
        return started[-1]

    yield make
    for fake in started:
        fake.stop()


def test_updates_are_redelivered_until_a_later_offset_confirms_them(make_fake) -> None:
    """getUpdates returns an update again and again until an offset past it is sent."""
    fake = make_fake()
    first = fake.text_update(7, "/start now")
    second = fake.text_update(7, "hello", language="en")

    async def scenario() -> tuple[list, list, list, list]:
        """Polls four times with different offsets."""
        async with Bot(TOKEN, base_url=fake.api_url) as bot:
            return (
                await bot.get_updates(timeout=0),
                await bot.get_updates(timeout=0),
                await bot.get_updates(offset=second, timeout=0),
                await bot.get_updates(timeout=0),
            )

    again, once_more, after_confirm, restart = asyncio.run(scenario())
    assert (first, second) == (1, 2)
    assert [u.update_id for u in again] == [u.update_id for u in once_more] == [1, 2]
    message = again[0].message
    assert message.chat.id == 7 and message.from_user.language_code == "ja"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 6
    assert [u.update_id for u in after_confirm] == [u.update_id for u in restart] == [2]
    assert fake.confirmed_offset == 2
    assert [u["update_id"] for u in fake.unconfirmed()] == [2]


def test_long_poll_wakes_for_a_new_update(make_fake) -> None:
    """A waiting getUpdates returns as soon as an update arrives."""
    fake = make_fake()
    threading.Timer(0.2, fake.group_text_update, args=(-1001, 5, "hi")).start()

    async def poll() -> list:
        """One long poll."""
        async with Bot(TOKEN, base_url=fake.api_url) as bot:
            return await bot.get_updates(timeout=5)

    began = time.monotonic()
    updates = asyncio.run(poll())
    assert 0.1 < time.monotonic() - began < 0.9
    assert updates[0].message.chat.type == "supergroup" and updates[0].message.chat.id == -1001


def test_sends_are_recorded_with_form_and_multipart_params(make_fake) -> None:
    """sendMessage and sendPhoto (multipart, UTF-8 caption) show up in sent() and texts()."""
    fake = make_fake()

    async def send() -> tuple:
        """A message, a photo and an empty message."""
        async with Bot(TOKEN, base_url=fake.api_url) as bot:
            message = await bot.send_message(5, "こんにちは", reply_markup=None)
            photo = await bot.send_photo(5, photo=b"\x89PNG\r\n\x1a\n", caption="写真です")
            with pytest.raises(BadRequest, match="text is empty"):
                await bot.send_message(5, " ")
            await bot.send_message(-1002, "to staff")
            return message, photo

    message, photo = asyncio.run(send())
    assert fake.texts(5) == ["こんにちは", "写真です"]
    assert fake.sent(5)[1]["photo"] and fake.sent(5)[1]["chat_id"] == "5"
    assert fake.texts(-1002) == ["to staff"] and len(fake.sent()) == 3
    assert message.text == "こんにちは" and photo.caption == "写真です" and photo.photo
    assert photo.message_id > message.message_id
    assert [c["status"] for c in fake.calls if c["method"] == "sendMessage"] == [200, 400, 200]


def test_private_chat_limit_answers_429(make_fake) -> None:
    """With limits enforced, a second send to one private chat within 1 s gets RetryAfter."""
    fake = make_fake(enforce_limits=True)

    async def send() -> list[str]:
        """Three quick sends to one chat, then one to another."""
        outcomes = []
        async with Bot(TOKEN, base_url=fake.api_url) as bot:
            for text in ("1", "2", "3"):
                try:
                    await bot.send_message(5, text)
                    outcomes.append("ok")
                except RetryAfter:
                    outcomes.append("429")
            await bot.send_message(6, "other chat")
        return outcomes

    assert asyncio.run(send()) == ["ok", "429", "429"]
    assert fake.too_many_requests == 2
    assert fake.texts(5) == ["1"] and fake.texts(6) == ["other chat"]


def test_group_and_global_limits(make_fake) -> None:
    """20 sends per group per minute, 30 sends per second overall."""
    fake = make_fake(enforce_limits=True)

    async def send() -> None:
        """21 sends to a group, then to 10 more private chats (the 31st send overall)."""
        async with Bot(TOKEN, base_url=fake.api_url) as bot:
            for n in range(20):
                await bot.send_message(-1001, str(n))
            with pytest.raises(RetryAfter):
                await bot.send_message(-1001, "21st")
            for chat in range(1, 11):
                await bot.send_message(chat, "hi")
            with pytest.raises(RetryAfter):
                await bot.send_message(11, "31st")

    asyncio.run(send())
    assert len(fake.sent()) == 30 and fake.too_many_requests == 2


def test_storm_chat_and_down(make_fake) -> None:
    """Storm chats always get 429; a down server answers 502 (NetworkError) until back up."""
    fake = make_fake(retry_after=3)
    fake.storm_chats.add(9)

    async def scenario() -> None:
        """A storm send, a normal send, then sends while down and after."""
        async with Bot(TOKEN, base_url=fake.api_url) as bot:
            with pytest.raises(RetryAfter, match=r"Retry in (0:00:0)?3"):
                await bot.send_message(9, "storm")
            await bot.send_message(8, "calm")
            fake.down = True
            with pytest.raises(NetworkError, match="Bad Gateway"):
                await bot.send_message(8, "lost")
            with pytest.raises(NetworkError):
                await bot.get_updates(timeout=0)
            fake.down = False
            await bot.send_message(8, "back")

    asyncio.run(scenario())
    assert fake.texts(9) == [] and fake.texts(8) == ["calm", "back"]
    assert fake.too_many_requests == 1
    assert [c["status"] for c in fake.calls if c["method"] == "sendMessage"] == [429, 200, 502, 200]


def test_webhook_registration_is_recorded(make_fake) -> None:
    """setWebhook and deleteWebhook are reflected in `webhook` and getWebhookInfo."""
    fake = make_fake()
    fake.text_update(3, "pending")

    async def scenario() -> tuple[str, int]:
        """Sets, reads and deletes (dropping pending updates) the webhook."""
        async with Bot(TOKEN, base_url=fake.api_url) as bot:
            await bot.set_webhook("https://worker.example/hook", secret_token="s3")
            info = await bot.get_webhook_info()
            await bot.delete_webhook(drop_pending_updates=True)
            return info.url, info.pending_update_count

    assert asyncio.run(scenario()) == ("https://worker.example/hook", 1)
    assert fake.webhook is None and fake.unconfirmed() == []
    assert [c["params"].get("secret_token") for c in fake.calls if c["method"] == "setWebhook"] == [
        "s3"
    ]


def test_push_retries_until_a_worker_answers_200(make_fake) -> None:
    """A 503 and an unreachable worker do not count: the update is delivered again."""
    received: list[tuple[str | None, dict]] = []

    class Worker(BaseHTTPRequestHandler):
        """Answers 503 to the first request, then 200."""

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Quiet."""

        def do_POST(self) -> None:  # noqa: N802
            """Records the secret and the update."""
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append((self.headers.get("X-Telegram-Bot-Api-Secret-Token"), body))
            self.send_response(503 if len(received) == 1 else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    worker = ThreadingHTTPServer(("127.0.0.1", 0), Worker)
    threading.Thread(target=worker.serve_forever, args=(0.05,), daemon=True).start()
    url = f"http://127.0.0.1:{worker.server_address[1]}/hook"
    dead = ThreadingHTTPServer(("127.0.0.1", 0), Worker)
    dead_url = f"http://127.0.0.1:{dead.server_address[1]}/hook"
    dead.server_close()
    fake = make_fake()
    try:
        fake.push_to([url, dead_url], "s3cret", retry_delay=0.05)
        fake.text_update(4, "first")
        fake.text_update(4, "second")
        deadline = time.monotonic() + 3
        while not fake.delivered_all() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        worker.shutdown()
        worker.server_close()
    assert fake.deliveries == [
        (1, url, 503),
        (1, dead_url, -1),
        (1, url, 200),
        (2, dead_url, -1),
        (2, url, 200),
    ]
    assert [(secret, body["update_id"]) for secret, body in received] == [
        ("s3cret", 1),
        ("s3cret", 1),
        ("s3cret", 2),
    ]
    assert received[0][1]["message"]["text"] == "first"
    assert fake.delivered_all() and fake.confirmed_offset == 3
