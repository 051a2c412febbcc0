"""Fixtures: a migrated database (SQLite always, PostgreSQL when configured) and the harness."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.i18n import Catalogs
from storage import migrate
from storage.db import create_engine, create_sessionmaker
from storage.models import Base
from tests.fakes import Harness, settings_for_test

POSTGRES_URL = os.environ.get("MADOGUCHI_TEST_DATABASE_URL")


async def _reset_postgres(url: str) -> None:
    """Drops everything in the test database so migrations start from nothing."""
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to head once per run: a SQLite template file or PostgreSQL."""
    if POSTGRES_URL:
        try:
            asyncio.run(_reset_postgres(POSTGRES_URL))
        except (OSError, Exception) as exc:  # noqa: BLE001 - any connection failure skips
            pytest.skip(f"PostgreSQL at MADOGUCHI_TEST_DATABASE_URL is not reachable: {exc!r}")
        migrate.upgrade(POSTGRES_URL)
        return POSTGRES_URL
    template = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate.upgrade(f"sqlite+aiosqlite:///{template}")
    return str(template)


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    """The gettext catalogs, loaded once."""
    return Catalogs()


@pytest.fixture
async def database_url(migrated_database: str, tmp_path: Path) -> str:
    """A clean, migrated database for one test."""
    if POSTGRES_URL:
        engine = create_engine(POSTGRES_URL)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        await engine.dispose()
        return POSTGRES_URL
    path = tmp_path / "madoguchi.sqlite3"
    shutil.copyfile(migrated_database, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def harness(database_url: str, catalogs: Catalogs) -> AsyncIterator[Harness]:
    """The real Application on a fresh database; fails the test if any handler raised."""
    settings = settings_for_test(database_url)
    engine = create_engine(database_url, settings.keyring())
    h = Harness(settings, engine, create_sessionmaker(engine), catalogs)
    await h.app.initialize()
    try:
        yield h
    finally:
        await h.app.shutdown()
        await engine.dispose()
    assert h.errors == [], f"handler errors: {h.errors!r}"
