"""Engine and sessionmaker from a URL, with SQLite set up for a durable embedded database."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.crypto import Keyring
from storage.sqlite_inline import inline_dbapi

log = logging.getLogger(__name__)


def _enable_sqlite_pragmas(dbapi_connection, _record) -> None:
    """Turns on WAL and foreign keys for every SQLite connection (it waits for another
    writer as storage/sqlite_inline.py says)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
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
    # A pooled PostgreSQL connection may have been closed by a server restart: it is pinged
    # before use. A SQLite connection is a file handle that cannot go stale, and the ping
    # would cost a trip to its thread on every transaction.
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    # aiosqlite: statements run on the event loop's thread (storage/sqlite_inline.py).
    driver = {"module": inline_dbapi()} if parsed.drivername == "sqlite+aiosqlite" else {}
    engine = create_async_engine(
        url,
        **driver,
        pool_pre_ping=not sqlite,
        # SQLite: see _end_open_sqlite_transaction.
        pool_reset_on_return=None if sqlite else "rollback",
        hide_parameters=True,
        json_serializer=lambda value: json.dumps(value, ensure_ascii=False),
    )
    if sqlite:
        event.listen(engine.sync_engine, "connect", _enable_sqlite_pragmas)
        event.listen(engine.sync_engine, "reset", _end_open_sqlite_transaction)
    engine.sync_engine.dialect.madoguchi_keyring = keyring
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Creates the sessionmaker every update and job uses."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def forget_erased(db: async_sessionmaker[AsyncSession]) -> None:
    """After an erasure, makes SQLite drop the copies of old pages its write-ahead log still
    holds (the database file itself was overwritten by secure_delete); PostgreSQL's
    autovacuum reclaims dead rows by itself."""
    async with db() as session:
        if session.bind.dialect.name != "sqlite":
            return
        try:
            # TRUNCATE copies every page into the file and empties the -wal file.
            await session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        except OperationalError as exc:
            log.warning("could not checkpoint after an erasure: %s", type(exc).__name__)
