"""LINE user ids under key rotation: sealed, re-sealed, and still found by their hash."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, text

from storage.crypto import Keyring
from storage.db import create_engine, create_sessionmaker
from storage.line import chat_for_line_user
from storage.models import LineUser
from storage.rotation import rotate
from tests.fakes import TEST_KEY

NOW = datetime(2026, 11, 30, tzinfo=UTC)
USER = "U" + "d" * 32


async def _chat(url: str, keyring: Keyring) -> int:
    """The chat id the database gives the LINE user under a keyring."""
    engine = create_engine(url, keyring)
    try:
        async with create_sessionmaker(engine).begin() as session:
            return await chat_for_line_user(session, USER, NOW)
    finally:
        await engine.dispose()


async def test_a_line_user_keeps_their_chat_across_key_rotation(database_url: str) -> None:
    """The LINE id is stored sealed; after rotate-key the same user is the same chat, not a
    new resident."""
    old = Keyring(TEST_KEY)
    first = await _chat(database_url, old)
    raw = create_engine(database_url)
    async with raw.connect() as conn:
        stored = (await conn.execute(text("SELECT user_id FROM line_users"))).scalar_one()
    await raw.dispose()
    assert stored.startswith("enc1:") and USER not in stored

    both = Keyring(f"{Keyring.new_key_spec('test2')},{TEST_KEY}")
    await rotate(database_url, both)
    assert await _chat(database_url, both) == first
    engine = create_engine(database_url, both)
    async with create_sessionmaker(engine)() as session:
        assert len(list(await session.scalars(select(LineUser)))) == 1
    await engine.dispose()
