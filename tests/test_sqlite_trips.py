"""SQLite through aiosqlite: one trip to the connection's thread per statement, the same
results as SQLAlchemy's own adapter, and no transaction left open in a pooled connection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine

METADATA = MetaData()
NOTES = Table(
    "notes",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("body", String(50), nullable=False),
)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on a new SQLite file with one table."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'trips.sqlite3'}")
    async with engine.begin() as conn:
        await conn.run_sync(METADATA.create_all)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every call handed to an aiosqlite connection's thread, as it happens."""
    calls: list[object] = []
    original = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):
        calls.append(fn)
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return calls


async def test_a_statement_costs_one_trip(engine: AsyncEngine, trips: list[object]) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))  # the connection is open and set up
        trips.clear()
        rows = (await conn.execute(text("SELECT 1 UNION ALL SELECT 2"))).all()
        assert len(trips) == 1  # SQLAlchemy's adapter: open, execute, fetch, close
        assert [tuple(row) for row in rows] == [(1,), (2,)]


async def test_rows_counts_and_ids_are_those_of_the_statement(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        many = await conn.execute(insert(NOTES), [{"body": "a"}, {"body": "b"}, {"body": "c"}])
        assert many.rowcount == 3
        one = await conn.execute(insert(NOTES).values(body="d"))
        assert one.inserted_primary_key == (4,)
        changed = await conn.execute(update(NOTES).where(NOTES.c.id > 2).values(body="x"))
        assert changed.rowcount == 2
        returned = await conn.execute(
            update(NOTES).where(NOTES.c.id == 1).values(body="y").returning(NOTES.c.body)
        )
        assert returned.scalar_one() == "y"
        bodies = (await conn.execute(select(NOTES.c.body).order_by(NOTES.c.id))).scalars().all()
        assert bodies == ["y", "b", "x", "x"]


async def test_a_failing_statement_raises_and_leaves_the_connection_usable(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as conn:
        with pytest.raises(Exception, match="no such table"):
            await conn.execute(text("SELECT * FROM missing"))
        await conn.rollback()
        assert (await conn.execute(text("SELECT 7"))).scalar_one() == 7


async def test_a_connection_returned_mid_transaction_is_rolled_back(engine: AsyncEngine) -> None:
    # The pool rolls back only connections that still have a transaction open (storage/db.py).
    conn = await engine.connect()
    await conn.execute(insert(NOTES).values(body="never committed"))
    await conn.close()
    async with engine.begin() as again:
        assert (await again.execute(select(func.count()).select_from(NOTES))).scalar_one() == 0
        await again.execute(insert(NOTES).values(body="committed"))
    async with engine.connect() as reader:
        assert (await reader.execute(select(NOTES.c.body))).scalars().all() == ["committed"]


async def test_a_driver_level_transaction_is_rolled_back_when_returned(engine: AsyncEngine) -> None:
    # SQLAlchemy ends its own transactions itself; the pool's reset catches one begun under it.
    def insert_behind_sqlalchemys_back(sync_conn) -> None:
        sync_conn.connection.dbapi_connection.cursor().execute(
            "INSERT INTO notes (body) VALUES ('raw')"
        )

    async with engine.connect() as conn:
        await conn.run_sync(insert_behind_sqlalchemys_back)
    async with engine.connect() as again:
        assert (await again.execute(select(func.count()).select_from(NOTES))).scalar_one() == 0
