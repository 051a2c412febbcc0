"""What the pre-flight checks read from the database, without changing anything in it."""

from __future__ import annotations

from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from storage.crypto import Keyring
from storage.db import create_engine
from storage.keycheck import CHECK_TEXT, _opens, _sealed_sample, _wrong_key, left_out_key
from storage.migrate import alembic_config
from storage.models import KeyCheck


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL; None for other databases or memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def head_revision(url: str) -> str | None:
    """The newest migration the code knows."""
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


async def schema_revision(url: str) -> str | None:
    """The migration the database is at (None before the first); raises when unreachable."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda c: MigrationContext.configure(c).get_current_revision()
            )
    finally:
        await engine.dispose()


async def key_problem(url: str, keyring: Keyring) -> str | None:
    """Why these keys do not fit the (migrated) database, in the words start-up refuses with;
    None when they fit. Unlike start-up it writes no check values."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            if not await conn.run_sync(lambda c: inspect(c).has_table(KeyCheck.__tablename__)):
                return "The database is not migrated yet: run `madoguchi migrate` first."
            checks = dict((await conn.execute(select(KeyCheck.key_id, KeyCheck.sealed))).all())
        for kid in keyring.ids:
            if kid in checks:
                if not _opens(keyring, checks[kid], CHECK_TEXT):
                    return _wrong_key(keyring, kid, "its check value in the database")
            elif (sample := await _sealed_sample(engine, kid)) is not None and not _opens(
                keyring, sample
            ):
                return _wrong_key(keyring, kid, "the values already sealed under that id")
        for kid in sorted(set(checks) - set(keyring.ids)):
            if await _sealed_sample(engine, kid) is not None:
                return left_out_key(keyring, kid)
        return None
    finally:
        await engine.dispose()


async def has_key_checks(url: str) -> bool:
    """Whether any key has sealed data here already (a check value was written)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            if not await conn.run_sync(lambda c: inspect(c).has_table(KeyCheck.__tablename__)):
                return False
            return await conn.scalar(select(KeyCheck.key_id).limit(1)) is not None
    finally:
        await engine.dispose()
