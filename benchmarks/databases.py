"""Empty, migrated benchmark databases: SQLite files (WAL) and the PostgreSQL benchmark database."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from pathlib import Path
from typing import Protocol

from sqlalchemy import text

from storage import migrate
from storage.db import create_engine
from storage.models import Base

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/madoguchi_bench"


class DatabaseUnavailable(Exception):
    """The database server does not answer."""


class BenchDatabases(Protocol):
    """Hands out an empty, migrated database for each run."""

    label: str

    async def fresh(self) -> str:
        """The URL of an empty, migrated database."""
        ...


def postgres_url() -> str:
    """The PostgreSQL benchmark database's URL (MADOGUCHI_BENCH_DATABASE_URL or the default)."""
    return os.environ.get("MADOGUCHI_BENCH_DATABASE_URL", DEFAULT_PG)


def sqlite_url(path: Path) -> str:
    """The async URL of a SQLite file."""
    return f"sqlite+aiosqlite:///{path}"


class SqliteFiles:
    """Fresh SQLite files in a folder, each a copy of one template migrated once."""

    label = "SQLite (file, WAL)"

    def __init__(self, folder: Path) -> None:
        """Files go into `folder`, which the caller removes."""
        self._folder = folder
        self._template: Path | None = None
        self._numbers = itertools.count(1)
        self._migrating = asyncio.Lock()

    async def fresh(self) -> str:
        """The URL of a new, empty, migrated SQLite file."""
        async with self._migrating:
            if self._template is None:
                template = self._folder / "template.sqlite3"
                await asyncio.to_thread(migrate.upgrade, sqlite_url(template))
                self._template = template
        path = self._folder / f"bench-{next(self._numbers)}.sqlite3"
        shutil.copyfile(self._template, path)
        return sqlite_url(path)


class PostgresDatabase:
    """The PostgreSQL benchmark database: recreated and migrated by prepare(), emptied per run."""

    label = "PostgreSQL"

    def __init__(self, url: str) -> None:
        """Nothing is touched until prepare()."""
        self.url = url

    async def prepare(self) -> None:
        """Recreates and migrates the database; raises DatabaseUnavailable if it does not answer."""
        await reset_postgres(self.url)

    async def fresh(self) -> str:
        """Empties every table and returns the URL."""
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        engine = create_engine(self.url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        finally:
            await engine.dispose()
        return self.url


async def reset_postgres(url: str) -> None:
    """Creates the database if needed, empties it and migrates it; DatabaseUnavailable if absent."""
    import asyncpg

    dsn = url.replace("postgresql+asyncpg", "postgresql")
    server, _, name = dsn.rpartition("/")
    try:
        admin = await asyncpg.connect(f"{server}/postgres")
    except (OSError, asyncpg.PostgresError) as exc:
        raise DatabaseUnavailable(f"{server} does not answer ({exc})") from exc
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()
    await asyncio.to_thread(migrate.upgrade, url)
