"""Engine and sessionmaker from a URL, with SQLite set up for a durable embedded database."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.crypto import Keyring
from storage.pg_opening import opening_dbapi
from storage.sqlite_inline import AUTOCHECKPOINT_PAGES, inline_dbapi, run_waiting

log = logging.getLogger(__name__)

# A pooled PostgreSQL connection unused for this long is pinged before it is lent again.
PING_AFTER_IDLE_SECONDS = 1.0


def _enable_sqlite_pragmas(dbapi_connection, _record) -> None:
    """Turns on WAL and foreign keys for every SQLite connection (it waits for another
    writer as storage/sqlite_inline.py says)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # The log is copied into the file on aiosqlite's thread about every 1,000 pages
    # (storage/sqlite_inline.py); SQLite's own checkpoint, which would run on the event
    # loop's thread, only if that falls far behind.
    cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
    # Deleted content is overwritten, not left in free pages for anyone reading the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _end_open_sqlite_transaction(dbapi_connection, _record, reset_state) -> None:
    """Rolls back what a connection returned to the pool still has open, and nothing else.

    The pool's default rolls back every returned connection, even one whose transaction was
    just committed; with aiosqlite each rollback is a trip to the connection's thread.
    """
    if reset_state.terminate_only:
        return
    if dbapi_connection.driver_connection._conn.in_transaction:
        dbapi_connection.rollback()


def _note_returned(_dbapi_connection, record) -> None:
    """Notes when a connection went back to the pool."""
    record.info["returned_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    """Pings a connection that sat in the pool, so one closed meanwhile (a server restart) is
    replaced before use; the pool tries another when this raises DisconnectionError."""
    returned = record.info.get("returned_at")
    if returned is None or time.monotonic() - returned < PING_AFTER_IDLE_SECONDS:
        return
    try:
        dbapi_connection.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means the connection is unusable
        raise DisconnectionError(
            f"pooled connection failed its ping: {type(exc).__name__}"
        ) from exc


def ensure_sqlite_directory(url: str) -> None:
    """Creates the folder that will hold a SQLite database file, and the file itself readable
    by its owner only (SQLite gives its -wal and -shm files the same permissions)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.touch(mode=0o600)


def create_engine(url: str, keyring: Keyring | None = None) -> AsyncEngine:
    """Creates an async engine; SQLite files get WAL and foreign keys. With a keyring,
    sensitive columns are encrypted at rest (storage/crypto.py)."""
    ensure_sqlite_directory(url)
    # hide_parameters keeps answers and phone numbers out of database error messages and logs.
    # JSON is stored as readable UTF-8 so that Japanese answers can be searched.
    # A pooled PostgreSQL connection may have been closed by a server restart: one that sat
    # idle is pinged before use (_ping_if_idle). Pinging every checkout (pool_pre_ping) cost
    # three round trips per transaction with asyncpg; a connection lost while in steady use
    # fails its statement, the pool drops every connection of that age, and the update is
    # tried again from the inbox. A SQLite connection is a file handle that cannot go stale.
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    # aiosqlite: statements run on the event loop's thread (storage/sqlite_inline.py);
    # asyncpg: an update's record goes with BEGIN (storage/pg_opening.py).
    driver = {
        "sqlite+aiosqlite": {"module": inline_dbapi()},
        "postgresql+asyncpg": {"module": opening_dbapi()},
    }.get(parsed.drivername, {})
    engine = create_async_engine(
        url,
        **driver,
        pool_pre_ping=False,
        # SQLite: see _end_open_sqlite_transaction.
        pool_reset_on_return=None if sqlite else "rollback",
        hide_parameters=True,
        json_serializer=lambda value: json.dumps(value, ensure_ascii=False),
    )
    if sqlite:
        event.listen(engine.sync_engine, "connect", _enable_sqlite_pragmas)
        event.listen(engine.sync_engine, "reset", _end_open_sqlite_transaction)
    else:
        event.listen(engine.sync_engine.pool, "checkin", _note_returned)
        event.listen(engine.sync_engine.pool, "checkout", _ping_if_idle)
    engine.sync_engine.dialect.madoguchi_keyring = keyring
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Creates the sessionmaker every update and job uses."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def _run_on_sqlite_thread(
    db: async_sessionmaker[AsyncSession], sql: str, purpose: str
) -> list | None:
    """Runs one statement on aiosqlite's thread, where it may wait for other connections;
    its rows, or None on PostgreSQL or when SQLite refused (logged with `purpose`)."""
    async with db() as session:
        if session.bind.dialect.name != "sqlite":
            return None
        try:
            return await run_waiting(session, sql)
        except (OperationalError, sqlite3.OperationalError) as exc:
            log.warning("could not %s: %s", purpose, type(exc).__name__)
            return None


async def forget_erased(db: async_sessionmaker[AsyncSession]) -> None:
    """After an erasure, makes SQLite drop the copies of old pages its write-ahead log still
    holds (the database file itself was overwritten by secure_delete); PostgreSQL's
    autovacuum reclaims dead rows by itself."""
    # TRUNCATE copies every page into the file and empties the -wal file; it waits for
    # readers, so it runs on aiosqlite's thread, not the event loop's.
    purpose = "checkpoint after an erasure"
    rows = await _run_on_sqlite_thread(db, "PRAGMA wal_checkpoint(TRUNCATE)", purpose)
    if rows is None:
        return
    [(busy, _pages, _copied)] = rows
    if busy:
        log.warning("could not %s: another connection kept reading", purpose)


async def refresh_planner_statistics(db: async_sessionmaker[AsyncSession]) -> None:
    """Gives SQLite's query planner fresh statistics (ANALYZE), without which it cannot tell a
    small partial index from a large one; PostgreSQL's autovacuum analyzes by itself.

    At a million tickets without statistics the digest took ~190 ms and /stats month ~860 ms;
    after ANALYZE (about 1 s at that size; writers wait meanwhile, readers do not) 21 and
    ~100 ms. A sampled ANALYZE (analysis_limit) was quicker but misled the planner.
    """
    # On aiosqlite's thread: it reads every index and may wait for another writer.
    await _run_on_sqlite_thread(db, "ANALYZE", "refresh the query planner's statistics")
