"""SQLite through aiosqlite with each statement run on the event loop's own thread.

A statement of ours takes microseconds; aiosqlite's hand-over to its thread and back costs
some 70 µs, more than the statement itself. So statements, commits and rollbacks run where
they are asked for, and the connection waits for no one there (busy timeout 0): one that finds
another connection writing (SQLITE_BUSY) is run again on aiosqlite's thread, which waits for
that writer up to BUSY_WAIT_MS while the event loop goes on (so a writer of this process can
finish). Copying the log into the database file (a checkpoint: copying and syncing, some
milliseconds) is done there too, about every 1,000 pages of log. Everything else
(transactions, errors, types) is SQLAlchemy's aiosqlite dialect.
"""

from __future__ import annotations

import collections
import logging
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

# How long a statement sent to aiosqlite's thread waits for another connection's write.
BUSY_WAIT_MS = 5000
# The log is copied into the database file (a PASSIVE checkpoint on aiosqlite's thread: the
# committing caller waits for it, the event loop does not) when it holds about
# CHECKPOINT_PAGES, SQLite's own default. Python's sqlite3 cannot tell after a commit how long
# the log is, so the commits between two checkpoints are counted, starting at FIRST_INTERVAL
# and adjusted after each checkpoint to the pages it found (a form step adds about 7).
# SQLite's own checkpoint, which would run on the event loop's thread, is only a backstop at
# AUTOCHECKPOINT_PAGES.
CHECKPOINT_PAGES = 1000
FIRST_INTERVAL = 100
INTERVALS = (10, 2000)
AUTOCHECKPOINT_PAGES = 10_000
_CHECKPOINT = "PRAGMA wal_checkpoint(PASSIVE)"
# What a statement leaves behind: description, rowcount, lastrowid and the rows.
Outcome = tuple[Any, int, int | None, list[Any]]
Result = TypeVar("Result")

log = logging.getLogger(__name__)


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> Outcome:
    """Executes a statement and returns everything it produced."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _waiting(connection: sqlite3.Connection, call: Callable[[], Result]) -> Result:
    """On aiosqlite's thread: `call`, SQLite waiting up to BUSY_WAIT_MS for another writer."""
    connection.execute(f"PRAGMA busy_timeout={BUSY_WAIT_MS}")
    try:
        return call()
    finally:
        connection.execute("PRAGMA busy_timeout=0")


def is_busy(error: BaseException) -> bool:
    """Whether SQLite refused because another connection holds the lock (SQLITE_BUSY_*)."""
    code = getattr(error, "sqlite_errorcode", None)
    return (
        isinstance(error, sqlite3.OperationalError)
        and code is not None
        and code & 0xFF == (sqlite3.SQLITE_BUSY)
    )


async def run_here_or_wait(connection: aiosqlite.Connection, call: Callable[[], Result]) -> Result:
    """Runs `call` at once on this thread; if SQLite is busy, again on aiosqlite's thread,
    waiting. (Awaited through await_ even when it does not wait: SQLAlchemy's async engine
    insists that a statement awaits.)"""
    try:
        return call()
    except sqlite3.OperationalError as error:
        if not is_busy(error):
            raise
    return await connection._execute(_waiting, connection._conn, call)


async def run_waiting(session: AsyncSession, sql: str) -> list[Any]:
    """Runs one SQL statement on aiosqlite's thread, where it may wait up to BUSY_WAIT_MS for
    other connections (a TRUNCATE checkpoint waits for readers); returns its rows."""
    pooled = await (await session.connection()).get_raw_connection()
    driver: aiosqlite.Connection = pooled.driver_connection
    raw = driver._conn
    return await driver._execute(_waiting, raw, lambda: raw.execute(sql).fetchall())


class InlineCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose statements run on the event loop's thread (see the module's docstring)."""

    __slots__ = ("_description", "_rowcount", "_lastrowid")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # Unlike the base class, no aiosqlite cursor is opened here: _run opens its own.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        """The last statement's columns (None for a statement without rows)."""
        return self._description

    @property
    def rowcount(self) -> int:
        """Rows the last statement changed."""
        return self._rowcount

    @property
    def lastrowid(self) -> int | None:
        """The row id of the last inserted row."""
        return self._lastrowid

    async def _async_soft_close(self) -> None:
        """Nothing to close: the rows were fetched and the cursor closed already."""

    def execute(self, operation: Any, parameters: Any = None) -> None:
        """Executes one statement and keeps its rows."""
        self._execute(operation, () if parameters is None else parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        """Executes one statement for each set of parameters."""
        self._execute(operation, seq_of_parameters, many=True)

    def _execute(self, operation: Any, parameters: Any, many: bool) -> None:
        """Runs the statement (see run_here_or_wait) and keeps what it returned."""
        connection: aiosqlite.Connection = self._connection
        try:
            outcome = await_(
                run_here_or_wait(
                    connection, lambda: _run(connection._conn, operation, parameters, many)
                )
            )
        except Exception as error:  # noqa: BLE001 - translated as SQLAlchemy's adapter does
            self._adapt_connection._handle_exception(error)
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows)


class InlineConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection, with InlineCursors, commits and rollbacks."""

    __slots__ = ()
    _cursor_cls = InlineCursor

    def commit(self) -> None:
        """Commits on this thread (waiting on aiosqlite's if another connection writes), and
        when the log has grown by about CHECKPOINT_PAGES, checkpoints on aiosqlite's thread."""
        connection: aiosqlite.Connection = self._connection
        wrote = bool(connection._connection) and connection._conn.in_transaction
        self._end_transaction(lambda conn: conn.commit())
        commits = self.dbapi.count_commit() if wrote else 0
        if commits:
            self._checkpoint(commits)

    def _checkpoint(self, commits: int) -> None:
        """Copies what it can of the log into the database file, on aiosqlite's thread (other
        connections may commit meanwhile); `commits` wrote to the log since the last one."""
        connection: aiosqlite.Connection = self._connection
        raw = connection._conn
        try:
            [(_busy, pages, _copied)] = await_(
                connection._execute(lambda: raw.execute(_CHECKPOINT).fetchall())
            )
        except sqlite3.Error as error:  # the commit stands; the next checkpoint catches up
            log.warning("could not checkpoint the write-ahead log (%s)", type(error).__name__)
            pages = None
        self.dbapi.checkpointed(pages, commits)

    def rollback(self) -> None:
        """Rolls back on this thread."""
        self._end_transaction(lambda conn: conn.rollback())

    def _end_transaction(self, end: Callable[[sqlite3.Connection], None]) -> None:
        """Commits or rolls back, unless the connection is closed."""
        connection: aiosqlite.Connection = self._connection
        if not connection._connection:
            return
        try:
            await_(run_here_or_wait(connection, lambda: end(connection._conn)))
        except Exception as error:  # noqa: BLE001 - translated as SQLAlchemy's adapter does
            self._handle_exception(error)


class InlineDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module SQLAlchemy's aiosqlite dialect is given (create_engine's `module`):
    one per engine, counting its connections' commits towards the next checkpoint."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._interval = FIRST_INTERVAL
        self._commits = 0

    def count_commit(self) -> int:
        """Counts a commit that wrote; when it is time to checkpoint, starts counting again
        and returns the commits counted (else 0)."""
        self._commits += 1
        if self._commits < self._interval:
            return 0
        commits, self._commits = self._commits, 0
        return commits

    def checkpointed(self, pages: int | None, commits: int) -> None:
        """Sets the commits until the next checkpoint from the pages this one found in the log
        after `commits` commits (unchanged if it failed)."""
        if pages is not None:
            pages_per_commit = max(pages, 1) / commits
            low, high = INTERVALS
            self._interval = min(high, max(low, round(CHECKPOINT_PAGES / pages_per_commit)))

    def connect(self, *args: Any, **kwargs: Any) -> InlineConnection:
        """Connects as the dialect does, usable from the event loop's thread, never waiting."""
        kwargs.update(check_same_thread=False, timeout=0)
        adapted = super().connect(*args, **kwargs)
        return InlineConnection(self, adapted._connection)


def inline_dbapi() -> InlineDbapi:
    """The module to pass to create_async_engine for a sqlite+aiosqlite URL."""
    return InlineDbapi(aiosqlite, sqlite3)
