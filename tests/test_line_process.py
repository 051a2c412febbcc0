"""`madoguchi run` with LINE on: POST /line beside long polling, and kill -9 with LINE
residents among Telegram ones (0 lost, 0 duplicated)."""

from __future__ import annotations

import asyncio
import json
import random
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from storage.models import LineUser, Resident, Ticket
from tests.fake_line import ACCESS_TOKEN, FakeLine
from tests.fake_telegram import FakeTelegram
from tests.line_helpers import CHANNEL_SECRET, signature
from tests.process_helpers import (
    Database,
    bot_env,
    expected_household,
    food_script,
    free_port,
    start_bot,
    stop_bot,
    wait_for,
)

# Long fault, rate and process tests: `python3 dev.py test -m "not slow"` leaves them out.
pytestmark = pytest.mark.slow

FIRST_RESIDENT = 8_000_000
TELEGRAM_RESIDENTS = 10
LINE_RESIDENTS = 10


def line_env(fake: FakeTelegram, line: FakeLine, database_url: str, data_dir: Path, port: int):
    """The bot's environment with LINE on, its webhook on `port` beside long polling."""
    return bot_env(
        fake,
        database_url,
        data_dir,
        MADOGUCHI_LINE_CHANNEL_SECRET=CHANNEL_SECRET,
        MADOGUCHI_LINE_CHANNEL_ACCESS_TOKEN=ACCESS_TOKEN,
        MADOGUCHI_LINE_API_URL=line.url,
        MADOGUCHI_WEBHOOK_PORT=str(port),
    )


class LinePoster:
    """Posts each LINE user's events in order, sending an event again (as LINE does) until the
    bot answers 200."""

    def __init__(self, line: FakeLine, port: int) -> None:
        self.line = line
        self.url = f"http://127.0.0.1:{port}/line"
        self.redeliveries = 0
        self._ids = iter(range(1, 10**9))

    def event(self, user: str, text: str) -> dict:
        """A text message event of a user."""
        return {
            "type": "message",
            "mode": "active",
            "timestamp": int(time.time() * 1000),
            "source": {"type": "user", "userId": user},
            "webhookEventId": f"01K{next(self._ids):023d}",
            "deliveryContext": {"isRedelivery": False},
            "replyToken": self.line.token_for(user),
            "message": {"type": "text", "id": "1", "text": text, "quoteToken": "q"},
        }

    async def deliver(self, client: httpx.AsyncClient, event: dict) -> None:
        """Posts one event until it is taken."""
        while True:
            body = json.dumps({"destination": "Ubot", "events": [event]}).encode()
            try:
                answer = await client.post(
                    self.url, content=body, headers={"x-line-signature": signature(body)}
                )
                if answer.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            self.redeliveries += 1
            event = dict(event, deliveryContext={"isRedelivery": True})
            await asyncio.sleep(0.2)

    async def play(self, user: str, texts: list[str]) -> None:
        """One user's whole conversation."""
        async with httpx.AsyncClient(timeout=5) as client:
            for text in texts:
                await self.deliver(client, self.event(user, text))


def line_user(n: int) -> str:
    """The LINE user id of the n-th LINE resident."""
    return f"U{n:032x}"


async def line_tickets(database: Database) -> dict[str, list[tuple[dict, str]]]:
    """Each LINE user's tickets: answers and reference."""
    async with database.db() as session:
        users = {row.id: row.user_id for row in await session.scalars(select(LineUser))}
        rows = await session.execute(
            select(Resident.telegram_user_id, Ticket.answers, Ticket.reference).join(
                Ticket, Ticket.resident_id == Resident.id
            )
        )
        found: dict[str, list[tuple[dict, str]]] = {}
        for chat, answers, reference in rows:
            if chat >= 2**62:
                found.setdefault(users[chat - 2**62], []).append((answers, reference))
        return found


async def test_run_serves_line_beside_long_polling(database_url: str, tmp_path: Path) -> None:
    """With LINE on, `madoguchi run` (polling) serves POST /line and answers by reply token."""
    fake, line, port = FakeTelegram().start(), FakeLine().start(), free_port()
    process = start_bot(line_env(fake, line, database_url, tmp_path, port), tmp_path / "bot.log")
    try:
        poster = LinePoster(line, port)
        await asyncio.wait_for(poster.play(line_user(1), ["/start"]), timeout=60)

        async def answered() -> bool:
            return bool(line.seen_by(line_user(1)))

        assert await wait_for(answered, timeout=30), (tmp_path / "bot.log").read_text()
        [delivery] = line.seen_by(line_user(1))
        assert delivery.how == "reply" and "quickReply" in delivery.messages[-1]
    finally:
        assert stop_bot(process) == 0
        fake.stop()
        line.stop()


async def test_kill_9_with_line_residents_loses_and_duplicates_nothing(
    database_url: str, tmp_path: Path
) -> None:
    """Telegram and LINE residents at once, the bot killed with SIGKILL again and again: every
    intake ends once with its answers, and every LINE receipt reaches its resident once."""
    fake, line, port = FakeTelegram().start(), FakeLine().start(), free_port()
    for step in range(len(food_script(0))):
        for r in range(TELEGRAM_RESIDENTS):
            fake.text_update(FIRST_RESIDENT + r, food_script(r)[step])
    env = line_env(fake, line, database_url, tmp_path, port)
    database = Database(database_url)
    poster = LinePoster(line, port)
    posting = asyncio.gather(
        *(poster.play(line_user(n), food_script(n)) for n in range(LINE_RESIDENTS))
    )
    rng = random.Random(20261130)
    kills = 0
    try:

        async def finished() -> bool:
            return (
                posting.done()
                and not fake.unconfirmed()
                and await database.inbox_left() == 0
                and (await database.outbox_backlog())[0] == 0
            )

        while True:
            process = start_bot(env, tmp_path / "bot.log")
            if await wait_for(finished, timeout=rng.uniform(2.5, 6.0)):
                break
            process.kill()
            process.wait()
            kills += 1
        assert stop_bot(process) == 0
        await posting
        telegram = {
            user: found
            for user, found in (await database.tickets_by_user()).items()
            if user < 2**62
        }
        on_line = await line_tickets(database)
        print(
            f"\nkill -9 with LINE: {kills} kills, {poster.redeliveries} LINE redeliveries; "
            f"Telegram tickets {sum(map(len, telegram.values()))}/{TELEGRAM_RESIDENTS}, "
            f"LINE tickets {sum(map(len, on_line.values()))}/{LINE_RESIDENTS}"
        )
        assert kills > 0, "the bot was never killed: the test proved nothing"
        assert sorted(telegram) == [FIRST_RESIDENT + r for r in range(TELEGRAM_RESIDENTS)]
        assert all(len(found) == 1 for found in telegram.values())
        assert sorted(on_line) == sorted(line_user(n) for n in range(LINE_RESIDENTS))
        for n in range(LINE_RESIDENTS):
            [(answers, reference)] = on_line[line_user(n)]
            assert (answers["adults"], answers["children"]) == expected_household(n), n
            pushed = [
                m["text"] for d in line.seen_by(line_user(n)) if d.how == "push" for m in d.messages
            ]
            receipts = sum(reference in text for text in pushed)
            assert receipts == 1, f"LINE resident {n} got the receipt {receipts} times"
    finally:
        posting.cancel()
        await database.close()
        fake.stop()
        line.stop()
