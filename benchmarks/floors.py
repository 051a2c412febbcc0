"""The floors madoguchi is measured against: a bare PTB echo bot, and the durable floor — the
least a store-before-answer bot must do (PTB, one committed row per update, then the answer)."""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Iterator

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from benchmarks.lean_api import LeanBotApi
from bot.channels.telegram.context import LANES_KEY
from bot.channels.telegram.lanes import ChatLanes
from bot.channels.telegram.local_user import LocalUser

FLOOR_TABLE = "bench_floor_updates"
CREATE_FLOOR = text(
    f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} "
    "(update_id BIGINT PRIMARY KEY, chat_id BIGINT NOT NULL, payload TEXT NOT NULL)"
)
EMPTY_FLOOR = text(f"DELETE FROM {FLOOR_TABLE}")
STORE_ONE = text(
    f"INSERT INTO {FLOOR_TABLE} (update_id, chat_id, payload) VALUES (:update_id, :chat, :payload)"
)
# Each further statement of a floor that does several: the stored row read back by its key.
READ_ONE = text(f"SELECT chat_id FROM {FLOOR_TABLE} WHERE update_id = :update_id")


def _write_ahead_log(dbapi_connection, _record) -> None:
    """SQLite in WAL with synchronous=NORMAL, as madoguchi's database."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def plain_engine(url: str) -> AsyncEngine:
    """SQLAlchemy's async engine as it comes (aiosqlite or asyncpg), SQLite in WAL: a fixed
    reference that madoguchi's own tuning of its engine (storage/db.py) does not move."""
    engine = create_async_engine(url)
    if make_url(url).get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _write_ahead_log)
    return engine


def floor_application(api: LeanBotApi) -> Application:
    """A bare Application on the local transport (with the lanes LocalUser drains)."""
    app = Application.builder().token("0:floor").request(api).get_updates_request(api).build()
    app.bot_data[LANES_KEY] = ChatLanes(app.process_error)
    return app


async def _timed_updates(
    app: Application, api: LeanBotApi, updates: int, warm_up: int
) -> list[float]:
    """Per-update seconds of `updates` text messages from one user, after `warm_up` untimed."""
    latencies: list[float] = []
    async with app:
        user = LocalUser(app, api, 42, "en")
        for i in range(warm_up + updates):
            started = time.perf_counter()
            await user.send(f"message {i}")
            if i >= warm_up:
                latencies.append(time.perf_counter() - started)
    return latencies


async def echo_run(updates: int, warm_up: int) -> list[float]:
    """Per-update seconds of a bare PTB bot that echoes text, on the same local transport."""
    api = LeanBotApi()
    app = floor_application(api)

    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Sends the text back."""
        await update.effective_message.reply_text(update.effective_message.text)

    async def answer(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answers a button press."""
        await update.callback_query.answer()

    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(answer))
    return await _timed_updates(app, api, updates, warm_up)


def reads_per_update(statements: float) -> Iterator[int]:
    """How many reads each update adds to its one row so that updates make `statements`
    statements on average (3.6: 2, 3, 3, 2, 3, …)."""
    extra = max(statements - 1, 0.0)
    for n in itertools.count():
        yield math.floor((n + 1) * extra) - math.floor(n * extra)


async def durable_run(url: str, updates: int, warm_up: int, statements: float = 1.0) -> list[float]:
    """Per-update seconds of the durable floor: each update committed as one row through
    SQLAlchemy's async engine (plain_engine), then answered; with `statements` above one, the
    transaction also reads the row back by its key, so as to make that many statements on
    average."""
    engine = plain_engine(url)
    api = LeanBotApi()
    app = floor_application(api)
    reads = reads_per_update(statements)

    async def store_and_answer(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Commits the update, then sends the text back."""
        message = update.effective_message
        async with engine.begin() as conn:
            await conn.execute(
                STORE_ONE,
                {
                    "update_id": update.update_id,
                    "chat": message.chat_id,
                    "payload": json.dumps(update.to_dict(), ensure_ascii=False),
                },
            )
            for _ in range(next(reads)):
                await conn.execute(READ_ONE, {"update_id": update.update_id})
        await message.reply_text(message.text)

    app.add_handler(MessageHandler(filters.TEXT, store_and_answer))
    try:
        async with engine.begin() as conn:
            await conn.execute(CREATE_FLOOR)
            await conn.execute(EMPTY_FLOOR)
        return await _timed_updates(app, api, updates, warm_up)
    finally:
        await engine.dispose()
