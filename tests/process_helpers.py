"""Running the real bot as a subprocess against the fake Bot API, and reading what it stored."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from storage.db import create_engine, create_sessionmaker
from storage.models import DigestRun, Draft, InboxUpdate, OutboxMessage, Resident, Ticket
from storage.outbox import outbox_backlog
from tests.fake_telegram import FakeTelegram
from tests.fakes import STAFF_CHAT_ID, TEST_KEY

TOKEN = "123456:FAULTS"
ROOT = Path(__file__).resolve().parent.parent


def food_script(resident: int) -> list[str]:
    """A Japanese food-support intake typed as text; adults and children vary by resident."""
    adults, children = 1 + resident % 6, resident % 5
    return [
        "/start",
        "2",
        "1",
        str(adults),
        str(children),
        "1",
        "スキップ",
        "2",
        "1",
        "2",
        "1",
        "22",
        "1",
        "送信する",
    ]


def expected_household(resident: int) -> tuple[int, int]:
    """The adults and children the script for a resident gives."""
    return 1 + resident % 6, resident % 5


def bot_env(fake: FakeTelegram, database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a bot process talking to the fake Bot API."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")}
    env.update(
        MADOGUCHI_BOT_TOKEN=TOKEN,
        MADOGUCHI_BOT_API_URL=fake.api_url,
        MADOGUCHI_STAFF_CHAT_ID=str(STAFF_CHAT_ID),
        MADOGUCHI_DATA_DIR=str(data_dir),
        MADOGUCHI_DATABASE_URL=database_url,
        MADOGUCHI_ENCRYPTION_KEY=TEST_KEY,
        MADOGUCHI_OUTBOX_INTERVAL_SECONDS="0.5",
        MADOGUCHI_DIGEST_TIME="23:59",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def start_bot(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen:
    """Starts `python -m bot run …`, its output going to a log file."""
    # The child keeps its own copy of the file descriptor; ours is closed at once.
    with log.open("a") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run", *args],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def stop_bot(process: subprocess.Popen, timeout: float = 30) -> int:
    """Stops a bot the gentle way (SIGTERM), killing it if it does not stop in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Database:
    """Reads what the bot stored, with the same key, from outside the bot process."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, settings_keyring())
        self.db = create_sessionmaker(self.engine)

    async def count(self, model: type) -> int:
        """Rows in a table."""
        async with self.db() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)

    async def inbox_left(self) -> int:
        """Updates stored but not yet handled."""
        return await self.count(InboxUpdate)

    async def tickets_by_user(self) -> dict[int, list[dict[str, Any]]]:
        """Each Telegram user's tickets' answers."""
        async with self.db() as session:
            rows = await session.execute(
                select(Resident.telegram_user_id, Ticket.answers).join(
                    Ticket, Ticket.resident_id == Resident.id
                )
            )
            found: dict[int, list[dict[str, Any]]] = {}
            for user, answers in rows:
                found.setdefault(user, []).append(answers)
            return found

    async def outbox_backlog(self) -> tuple[int, int]:
        """Outbox messages waiting, and given up."""
        async with self.db() as session:
            return await outbox_backlog(session)

    async def outbox_sent_per_chat(self) -> dict[int, int]:
        """Delivered outbox messages per chat."""
        async with self.db() as session:
            rows = await session.execute(
                select(OutboxMessage.chat_id, func.count())
                .where(
                    OutboxMessage.status == "sent", OutboxMessage.telegram_message_id.is_not(None)
                )
                .group_by(OutboxMessage.chat_id)
            )
            return {chat: count for chat, count in rows}

    async def digest_count(self) -> int:
        """Digest messages queued (each day's digest is one or more parts)."""
        async with self.db() as session:
            return int(await session.scalar(select(func.count()).select_from(DigestRun)) or 0)

    async def drafts(self) -> int:
        """Unfinished intakes."""
        return await self.count(Draft)

    async def close(self) -> None:
        """Closes the connections."""
        await self.engine.dispose()


def settings_keyring():
    """The keyring the bot processes use (the test key)."""
    from storage.crypto import Keyring

    return Keyring(TEST_KEY)


async def wait_for(condition, timeout: float, every: float = 0.25) -> bool:
    """Waits until an async condition holds; False when the time is up."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await condition():
            return True
        await asyncio.sleep(every)
    return await condition()
