"""Alembic migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import create_engine
from storage.models import Base


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    """Autogenerate finds no difference between the migrated database and the models."""
    engine = create_engine(database_url)

    def diff(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as conn:
        differences = await conn.run_sync(diff)
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    assert differences == []
    assert {
        "residents",
        "drafts",
        "tickets",
        "ticket_events",
        "processed_updates",
        "outbox",
        "alembic_version",
    } <= tables


async def test_staff_queries_have_indexes(database_url: str) -> None:
    """The columns staff and the relay filter on are indexed."""
    engine = create_engine(database_url)
    async with engine.connect() as conn:
        indexes = await conn.run_sync(
            lambda c: {
                t: [tuple(i["column_names"]) for i in inspect(c).get_indexes(t)]
                for t in ("tickets", "outbox", "drafts")
            }
        )
    await engine.dispose()
    assert ("status", "created_at") in indexes["tickets"]
    assert ("status", "id") in indexes["outbox"]
    assert ("updated_at",) in indexes["drafts"]
