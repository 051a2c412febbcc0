"""`madoguchi chat` keeps to its own database and never sends what a real bot has to send."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.channels.telegram.console import (
    CHAT_DATABASE,
    foreign_use,
    run_chat,
)
from bot.channels.telegram.local_api import LocalBotApi
from bot.outbox.queue import enqueue
from bot.screens import Screen
from bot.settings import Settings
from storage import migrate
from storage.db import create_engine, create_sessionmaker
from storage.models import OutboxMessage
from storage.outbox import last_message_id
from tests.fakes import FakeClock, Harness, settings_for_test

REAL_RESIDENT_CHAT = 777001


def _bot_settings(data_dir: Path) -> Settings:
    """A bot configured as in production, with the default database in `data_dir`."""
    return settings_for_test(None, data_dir=data_dir, staff_chat_id=-1009999)


async def _real_bot_database(settings: Settings) -> str:
    """The bot's own database with a staff reply waiting for a real resident."""
    url = settings.resolved_database_url
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_engine(url, settings.keyring())
    async with create_sessionmaker(engine).begin() as session:
        await enqueue(
            session, REAL_RESIDENT_CHAT, "note", Screen("明日お電話します"), FakeClock()()
        )
    await engine.dispose()
    return url


async def _outbox(url: str, settings: Settings) -> list[tuple[int, str, int]]:
    """(chat, status, attempts) of every outbox row."""
    engine = create_engine(url, settings.keyring())
    async with create_sessionmaker(engine)() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        result = [(r.chat_id, r.status, r.attempts) for r in rows]
    await engine.dispose()
    return result


async def test_the_chat_uses_its_own_database_by_default(tmp_path: Path) -> None:
    """The bot's waiting reply to a real resident is neither sent nor touched by the console."""
    settings = _bot_settings(tmp_path)
    url = await _real_bot_database(settings)
    out = io.StringIO()
    await run_chat(settings, "ja", io.StringIO("/start\n"), out)
    assert await _outbox(url, settings) == [(REAL_RESIDENT_CHAT, "pending", 0)]
    assert (tmp_path / CHAT_DATABASE).exists()
    assert CHAT_DATABASE in out.getvalue()


async def test_the_chat_refuses_a_database_a_real_bot_has_used(tmp_path: Path) -> None:
    """Pointed at the bot's database, it stops before any relay run and says why."""
    settings = _bot_settings(tmp_path)
    url = await _real_bot_database(settings)
    out = io.StringIO()
    with pytest.raises(SystemExit) as stopped:
        await run_chat(settings, "ja", io.StringIO("/start\n"), out, database=url)
    assert stopped.value.code == 2
    assert "not the local chat's own" in out.getvalue()
    assert await _outbox(url, settings) == [(REAL_RESIDENT_CHAT, "pending", 0)]


async def test_the_chats_own_conversations_keep_its_database_its_own(tmp_path: Path) -> None:
    """A request, the staff taking it and answering: a second run still accepts the database."""
    settings = _bot_settings(tmp_path)
    lines = "\n".join(
        ["/start", "2", "1", "2", "1", "1", "スキップ", "2", "1", "2", "1", "22", "1", "送信する"]
        + [":staff", "担当する", ":resident", "よろしく", ":staff", "^ 明日お電話します"]
        + [":dm", "/help", ":resident", "/start"]
    )
    out = io.StringIO()
    await run_chat(settings, "ja", io.StringIO(lines + "\n"), out)
    assert "\n明日お電話します" in out.getvalue()
    url = f"sqlite+aiosqlite:///{tmp_path / CHAT_DATABASE}"
    engine = create_engine(url, settings.keyring())
    async with create_sessionmaker(engine)() as session:
        assert await foreign_use(session) is None
    await engine.dispose()
    await run_chat(settings, "ja", io.StringIO("/start\n"), io.StringIO())


async def test_the_local_api_never_delivers_to_a_chat_that_is_not_local(harness: Harness) -> None:
    """A row for another chat that slips in stays pending, its attempts uncounted."""
    harness.api.only_chats = frozenset({5001})
    async with harness.db.begin() as session:
        await enqueue(session, REAL_RESIDENT_CHAT, "note", Screen("hello"), harness.clock())
    await harness.relay()
    async with harness.db() as session:
        row = await session.scalar(select(OutboxMessage))
    assert (row.status, row.attempts, row.telegram_message_id) == ("pending", 0, None)


async def test_a_second_run_never_reuses_a_message_id(tmp_path: Path) -> None:
    """After a run, the next run's first message id is above every id the database recorded,
    so a reply to an old message can never reach another ticket."""
    settings = _bot_settings(tmp_path)
    request = [
        "/start",
        "2",
        "1",
        "2",
        "1",
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
    script = "\n".join([*request, ":staff", "担当する", ":resident", "よろしく"])
    await run_chat(settings, "ja", io.StringIO(script + "\n"), io.StringIO())
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / CHAT_DATABASE}", settings.keyring())
    async with create_sessionmaker(engine)() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
        used = [r.telegram_message_id for r in rows if r.telegram_message_id]
        api = LocalBotApi()
        api.continue_after(await last_message_id(session))
    await engine.dispose()
    assert used
    assert api.new_message_id() > max(used)
