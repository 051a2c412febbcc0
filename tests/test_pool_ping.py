"""A pooled PostgreSQL connection closed while it sat idle (a server restart, a cut) is
replaced before use; one in steady use is not pinged on every transaction."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import db
from storage.db import create_engine


async def backend_pid(engine: AsyncEngine) -> int:
    """The server process of the connection the pool lends next."""
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


@pytest.fixture
def postgres_url(database_url: str) -> str:
    """The test database's URL, on PostgreSQL only."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite connections are file handles that a server restart cannot close")
    return database_url


async def test_a_connection_closed_while_idle_is_replaced_before_use(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.05)
    engine = create_engine(postgres_url)
    other = create_engine(postgres_url)
    try:
        first = await backend_pid(engine)
        async with other.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await asyncio.sleep(0.1)
        async with engine.begin() as conn:
            assert (await conn.execute(text("SELECT 41 + 1"))).scalar_one() == 42
        assert await backend_pid(engine) != first
    finally:
        await engine.dispose()
        await other.dispose()


async def test_a_connection_in_steady_use_is_not_pinged(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(postgres_url)
    pings: list[object] = []
    try:
        await backend_pid(engine)
        async with engine.connect() as conn:
            adapted = (await conn.get_raw_connection()).dbapi_connection
        original = type(adapted).ping

        def counted(self) -> None:
            pings.append(self)
            original(self)

        monkeypatch.setattr(type(adapted), "ping", counted)
        for _ in range(5):
            await backend_pid(engine)
        assert pings == []
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.05)
        await asyncio.sleep(0.1)
        await backend_pid(engine)
        assert len(pings) == 1
    finally:
        await engine.dispose()
