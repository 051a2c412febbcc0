"""PostgreSQL: an update's transaction begins with its record in one query (BEGIN and the
INSERT together), and behaves as any other transaction: committed, rolled back, told apart
from a redelivery, and left usable after a failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage.db import create_engine, create_sessionmaker
from storage.pg_opening import BegunTransaction, literal, with_literals
from storage.updates import record_update, update_recorded

NOW = datetime(2026, 11, 30, 13, 0, 0, 123456, tzinfo=UTC)


def test_only_integers_and_aware_timestamps_become_literals() -> None:
    assert literal(42) == "42"
    assert literal(-7) == "-7"
    assert literal(NOW) == "'2026-11-30T13:00:00.123456+00:00'::timestamptz"
    tokyo = datetime(2026, 12, 1, 9, 0, tzinfo=timezone(timedelta(hours=9)))
    assert literal(tokyo) == "'2026-12-01T09:00:00+09:00'::timestamptz"
    for refused in (True, "42", "x'; DROP TABLE t; --", 4.2, None, datetime(2026, 11, 30)):
        assert literal(refused) is None


def test_a_statement_with_any_other_parameter_is_not_rewritten() -> None:
    sql = "INSERT INTO t (a, b) VALUES ($1::BIGINT, $2::TIMESTAMP WITH TIME ZONE)"
    assert with_literals(sql, (12, NOW)) == (
        "INSERT INTO t (a, b) VALUES (12::BIGINT, "
        "'2026-11-30T13:00:00.123456+00:00'::timestamptz::TIMESTAMP WITH TIME ZONE)"
    )
    assert with_literals(sql, (12, "text")) is None


@pytest.fixture
def postgres_url(database_url: str) -> str:
    """The test database's URL, on PostgreSQL only."""
    if not database_url.startswith("postgresql"):
        pytest.skip("asyncpg's BEGIN is a round trip of its own; SQLite has no round trips")
    return database_url


async def test_the_record_goes_with_begin_and_commits(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    db = create_sessionmaker(engine)
    sent: list[str] = []
    try:
        async with db.begin() as session:
            connection = await session.connection()
            adapted = (await connection.get_raw_connection()).dbapi_connection
            driver = adapted._connection
            original = type(driver).execute

            async def counted(self, query: str, *args, **kwargs):
                sent.append(query)
                return await original(self, query, *args, **kwargs)

            type(driver).execute = counted
            try:
                assert await record_update(session, 501, NOW)
                assert isinstance(adapted._transaction, BegunTransaction)
                assert await update_recorded(session, 501)
            finally:
                type(driver).execute = original
        assert sent[0].startswith("BEGIN;INSERT")
        assert "501" in sent[0]
        async with db() as session:
            assert await update_recorded(session, 501)
        async with db.begin() as session:
            assert not await record_update(session, 501, NOW)
    finally:
        await engine.dispose()


async def test_a_failure_after_the_record_rolls_it_back(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    db = create_sessionmaker(engine)
    try:
        with pytest.raises(RuntimeError):
            async with db.begin() as session:
                assert await record_update(session, 502, NOW)
                raise RuntimeError("the handler failed")
        async with db() as session:
            assert not await update_recorded(session, 502)
    finally:
        await engine.dispose()


async def test_a_record_the_database_refuses_leaves_the_connection_usable(
    postgres_url: str,
) -> None:
    engine = create_engine(postgres_url)
    db = create_sessionmaker(engine)
    try:
        with pytest.raises(DBAPIError):
            async with db.begin() as session:
                # Past BIGINT: BEGIN succeeds, the INSERT fails, the transaction is aborted.
                await record_update(session, 2**70, NOW)
        async with db.begin() as session:
            assert (await session.execute(text("SELECT 41 + 1"))).scalar_one() == 42
            assert await record_update(session, 503, NOW)
        async with db() as session:
            assert await update_recorded(session, 503)
    finally:
        await engine.dispose()
