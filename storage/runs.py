"""Records of scheduled runs (retention, digest) and row counts for reports and health."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    DigestRun,
    RetentionRun,
)


async def count_rows(session: AsyncSession, model: type) -> int:
    """Returns the number of rows of a model's table."""
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def record_retention_run(session: AsyncSession, now: datetime, **counts: int) -> None:
    """Records one run of the retention job."""
    session.add(RetentionRun(ran_at=now, **counts))
    await session.flush()


async def retention_runs(session: AsyncSession) -> list[dict[str, Any]]:
    """Every retention run, oldest first."""
    rows = await session.scalars(select(RetentionRun).order_by(RetentionRun.id))
    return [
        {
            "ran_at": r.ran_at,
            "drafts": r.drafts,
            "closed_tickets": r.closed_tickets,
            "volunteer_registrations": r.volunteer_registrations,
            "residents": r.residents,
        }
        for r in rows
    ]


async def last_digest_day(session: AsyncSession) -> date | None:
    """The last business day whose digest was claimed, if any."""
    return await session.scalar(select(func.max(DigestRun.day)))
