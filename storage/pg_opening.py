"""PostgreSQL: an update's transaction begun together with its first statement, in one round trip.

asyncpg sends BEGIN as a query of its own, so every transaction costs a round trip before its
first statement. Every update's transaction starts by recording the update's id (two numbers:
the id and the time); this driver sends that record after BEGIN in the same query. A
statement may be sent so only if it is marked OPENS_TRANSACTION, returns no rows and its
parameters are integers or timestamps with a time zone, which become literals exactly;
anything else goes as SQLAlchemy's asyncpg adapter sends it.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql.asyncpg import (
    AsyncAdapt_asyncpg_connection,
    AsyncAdapt_asyncpg_cursor,
    AsyncAdapt_asyncpg_dbapi,
)
from sqlalchemy.util import await_

# The mark a statement carries (as a prefix: INSERT /* … */ INTO) to be sent with BEGIN.
OPENS_TRANSACTION = "/* may open its transaction */"
_PARAMETER = re.compile(r"\$(\d+)")
_ROW_COUNT = re.compile(r"(?:UPDATE|DELETE|INSERT \d+) (\d+)")


def literal(value: Any) -> str | None:
    """A parameter as an exact SQL literal, if it is an integer or an aware timestamp."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime) and value.utcoffset() is not None:
        # isoformat() is digits, '-', ':', '.', 'T' and '+': nothing that can end the quote.
        return f"'{value.isoformat()}'::timestamptz"
    return None


def with_literals(operation: str, parameters: tuple[Any, ...] | list[Any]) -> str | None:
    """The statement with its $n parameters written as literals; None if one cannot be."""
    literals = [literal(value) for value in parameters]
    if any(text is None for text in literals):
        return None
    return _PARAMETER.sub(lambda match: literals[int(match.group(1)) - 1], operation)


class BegunTransaction:
    """A transaction begun by an opening statement; the adapter ends it through this."""

    __slots__ = ("_connection",)

    def __init__(self, connection: Any) -> None:
        """The asyncpg connection the transaction is open on."""
        self._connection = connection

    async def commit(self) -> None:
        """Commits the transaction."""
        await self._connection.execute("COMMIT")

    async def rollback(self) -> None:
        """Rolls the transaction back."""
        await self._connection.execute("ROLLBACK")


class OpeningCursor(AsyncAdapt_asyncpg_cursor):
    """The adapter's cursor; a marked first statement goes in one query with BEGIN."""

    async def _prepare_and_execute(self, operation, parameters):
        """Sends BEGIN and a marked opening statement together, anything else as usual."""
        adapted = self._adapt_connection
        sql = self._opening_sql(operation, parameters or ())
        if sql is None:
            await super()._prepare_and_execute(operation, parameters)
            return
        async with adapted._execute_mutex:
            # Set first: if BEGIN arrived and the statement failed, the rollback ends it.
            adapted._transaction = BegunTransaction(self._connection)
            try:
                status = await self._connection.execute(f"BEGIN;{sql}")
            except Exception as error:  # noqa: BLE001 - translated as the adapter does
                self._handle_exception(error)
            self._description = None
            self._rows = deque()
            counted = _ROW_COUNT.match(status or "")
            self._rowcount = int(counted.group(1)) if counted else -1

    def _opening_sql(self, operation: str, parameters: Any) -> str | None:
        """The statement with literal parameters if it may be sent with BEGIN now, else None."""
        adapted = self._adapt_connection
        if (
            OPENS_TRANSACTION not in operation
            or adapted._transaction is not None
            or adapted.isolation_level is not None
            or adapted.readonly
            or adapted.deferrable
            or self.server_side
        ):
            return None
        return with_literals(operation, parameters)


class OpeningConnection(AsyncAdapt_asyncpg_connection):
    """SQLAlchemy's asyncpg connection adapter with the opening cursor."""

    __slots__ = ()
    _cursor_cls = OpeningCursor


class OpeningDbapi(AsyncAdapt_asyncpg_dbapi):
    """SQLAlchemy's asyncpg DBAPI whose connections begin with a marked statement."""

    def connect(self, *arg, **kw):
        """Connects as SQLAlchemy's adapter does, with the opening connection class."""
        creator_fn = kw.pop("async_creator_fn", self.asyncpg.connect)
        cache_size = kw.pop("prepared_statement_cache_size", 100)
        name_func = kw.pop("prepared_statement_name_func", None)
        return await_(
            OpeningConnection.create(
                self,
                creator_fn(*arg, **kw),
                prepared_statement_cache_size=cache_size,
                prepared_statement_name_func=name_func,
            )
        )


def opening_dbapi() -> OpeningDbapi:
    """The DBAPI module for create_async_engine(module=…) with asyncpg."""
    import asyncpg

    return OpeningDbapi(asyncpg)
