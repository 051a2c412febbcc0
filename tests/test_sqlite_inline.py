"""SQLite through aiosqlite: statements run on the event loop's thread with the same results
as SQLAlchemy's own adapter; one that finds another connection writing waits for it on
aiosqlite's thread while the loop goes on; no transaction is left open in a pooled connection."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import sqlite_inline
from storage.db import create_engine, create_sessionmaker, forget_erased
from storage.sqlite_inline import BUSY_WAIT_MS

# How long another connection keeps its transaction open in the waiting tests.
HOLD_SECONDS = 0.3
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


async def another_connection(path: Path, *statements: str) -> threading.Thread:
    """A thread whose own connection runs `statements` and keeps that transaction for
    HOLD_SECONDS before it commits; returned once the statements have run."""
    ready = threading.Event()

    def hold() -> None:
        other = sqlite3.connect(path)
        for statement in statements:
            other.execute(statement).fetchall()
        ready.set()
        time.sleep(HOLD_SECONDS)
        other.commit()
        other.close()

    holder = threading.Thread(target=hold)
    holder.start()
    await asyncio.to_thread(ready.wait)
    return holder


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


async def test_statements_and_commits_cost_no_trip(
    engine: AsyncEngine, trips: list[object]
) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))  # the connection is open and set up
        trips.clear()
        rows = (await conn.execute(text("SELECT 1 UNION ALL SELECT 2"))).all()
        await conn.execute(insert(NOTES).values(body="a"))
        await conn.commit()
        await conn.execute(insert(NOTES).values(body="b"))
        await conn.rollback()
        assert trips == []  # SQLAlchemy's adapter: four per statement, one per commit
        assert [tuple(row) for row in rows] == [(1,), (2,)]
        assert (await conn.execute(select(NOTES.c.body))).scalars().all() == ["a"]


async def test_a_write_waits_for_a_writer_of_this_process_while_the_loop_goes_on(
    engine: AsyncEngine, trips: list[object]
) -> None:
    # Waiting on the loop's own thread would stop the first writer from ever committing.
    first = await engine.connect()
    await first.execute(insert(NOTES).values(body="first"))
    trips.clear()

    async def commit_first_soon() -> None:
        await asyncio.sleep(0.2)
        await first.commit()
        await first.close()

    committer = asyncio.create_task(commit_first_soon())
    started = time.monotonic()
    async with engine.begin() as second:
        await second.execute(insert(NOTES).values(body="second"))
    waited = time.monotonic() - started
    await committer
    assert 0.15 < waited < BUSY_WAIT_MS / 1000
    # The waiting statement, on aiosqlite's thread (besides the new connection's set-up).
    assert [getattr(call, "__name__", "") for call in trips].count("_waiting") == 1
    async with engine.connect() as reader:
        bodies = (await reader.execute(select(NOTES.c.body).order_by(NOTES.c.id))).scalars()
        assert bodies.all() == ["first", "second"]
        # Back on the loop's thread, the connection again waits for no one.
        timeout = (await reader.execute(text("PRAGMA busy_timeout"))).scalar_one()
        assert timeout == 0


async def test_a_write_waits_for_another_process_holding_the_lock(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    holder = await another_connection(
        tmp_path / "trips.sqlite3", "BEGIN IMMEDIATE", "INSERT INTO notes (body) VALUES ('other')"
    )
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while holder.is_alive():
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    async with engine.begin() as conn:
        await conn.execute(insert(NOTES).values(body="ours"))
    await ticker
    holder.join()
    assert ticks > 5  # the event loop went on while the write waited
    async with engine.connect() as reader:
        bodies = (await reader.execute(select(NOTES.c.body).order_by(NOTES.c.id))).scalars()
        assert bodies.all() == ["other", "ours"]


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


async def test_the_checkpoint_after_an_erasure_waits_for_a_reader(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    path = tmp_path / "trips.sqlite3"
    async with engine.begin() as conn:
        await conn.execute(insert(NOTES), [{"body": f"note {n}"} for n in range(50)])
    # A reader holds its snapshot, so the log cannot be emptied until it ends.
    reader = await another_connection(path, "BEGIN", "SELECT count(*) FROM notes")
    await forget_erased(create_sessionmaker(engine))
    reader.join()
    assert Path(f"{path}-wal").stat().st_size == 0  # every page copied, the log emptied


async def test_the_log_is_checkpointed_on_aiosqlites_thread_every_so_many_commits(
    engine: AsyncEngine, trips: list[object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_inline, "FIRST_INTERVAL", 5)
    database = tmp_path / "trips.sqlite3"
    counted = create_engine(f"sqlite+aiosqlite:///{database}")  # counts from FIRST_INTERVAL
    try:
        async with counted.connect() as conn:
            await conn.execute(text("SELECT 1"))  # the connection is open and set up
            trips.clear()
            for _ in range(3):
                await conn.execute(select(NOTES.c.id))
                await conn.commit()  # read only: not counted
            for number in range(4):
                await conn.execute(insert(NOTES).values(body=f"note {number}"))
                await conn.commit()
            assert trips == []
            size_before = database.stat().st_size
            await conn.execute(insert(NOTES).values(body="the fifth"))
            await conn.commit()
            assert len(trips) == 1  # the checkpoint, after the fifth commit that wrote
            assert database.stat().st_size > size_before  # the log's pages are in the file
            # A row's commit adds a page or two: the next checkpoint waits for many more.
            for number in range(20):
                await conn.execute(insert(NOTES).values(body=f"more {number}"))
                await conn.commit()
            assert len(trips) == 1
            pages = (await conn.execute(text("PRAGMA wal_autocheckpoint"))).scalar_one()
            assert pages == sqlite_inline.AUTOCHECKPOINT_PAGES  # SQLite's own: a backstop
    finally:
        await counted.dispose()


def test_commits_during_a_checkpoint_count_towards_the_next_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Other connections commit while a checkpoint waits on aiosqlite's thread.
    monkeypatch.setattr(sqlite_inline, "FIRST_INTERVAL", 3)
    counter = sqlite_inline.inline_dbapi()
    assert [counter.count_commit() for _ in range(3)] == [0, 0, 3]  # time to checkpoint
    assert [counter.count_commit() for _ in range(2)] == [0, 0]  # meanwhile: counted anew
    counter.checkpointed(pages=30, commits=3)  # 10 pages a commit: 100 commits to 1,000
    assert [counter.count_commit() for _ in range(97)] == [0] * 97
    assert counter.count_commit() == 100
