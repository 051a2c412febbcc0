"""Processed update ids: each update is handled once, recorded in its own transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    ProcessedUpdate,
)
from storage.pg_opening import OPENS_TRANSACTION
from storage.sql import insert_or_ignore_by_dialect

# Every update runs it: built once per database, only its parameters change. With
# PostgreSQL it opens the update's transaction and goes with BEGIN (storage/pg_opening.py).
_RECORD_UPDATE = insert_or_ignore_by_dialect(
    ProcessedUpdate.__table__,
    "update_id",
    update_id=bindparam("new_id"),
    processed_at=bindparam("now"),
)
_RECORD_UPDATE["postgresql"] = _RECORD_UPDATE["postgresql"].prefix_with(OPENS_TRANSACTION)


async def last_processed_update_id(session: AsyncSession) -> int:
    """Returns the highest update id handled so far (0 if none)."""
    return int(await session.scalar(select(func.max(ProcessedUpdate.update_id))) or 0)


async def forget_updates_before(session: AsyncSession, cutoff: datetime) -> int:
    """Deletes processed update ids older than the cutoff and returns how many."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff)
    )
    return result.rowcount or 0


async def record_update(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Records an update id in the caller's transaction; False if it was recorded before.

    One statement: with PostgreSQL a concurrent transaction recording the same id makes this
    one wait for it, then find the id taken.
    """
    statement = _RECORD_UPDATE[session.bind.dialect.name]
    result = await session.execute(statement, {"new_id": update_id, "now": now})
    return result.rowcount == 1


async def update_recorded(session: AsyncSession, update_id: int) -> bool:
    """Whether an update id is recorded as handled."""
    found = await session.scalar(
        select(ProcessedUpdate.update_id).where(ProcessedUpdate.update_id == update_id)
    )
    return found is not None
