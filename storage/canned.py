"""Canned replies (定型文) admins prepare for staff to send with a button."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import DTO
from storage.models import CannedReply


class CannedDTO(DTO):
    """One canned reply: its title on the button and the text the resident reads."""

    id: int
    title: str
    body: str


async def canned_replies(session: AsyncSession) -> list[CannedDTO]:
    """Every canned reply, by title."""
    rows = await session.scalars(select(CannedReply).order_by(CannedReply.title))
    return [CannedDTO.model_validate(row) for row in rows]


async def get_canned(session: AsyncSession, canned_id: int) -> CannedDTO | None:
    """One canned reply by id, if it still exists."""
    row = await session.get(CannedReply, canned_id)
    return CannedDTO.model_validate(row) if row else None


async def save_canned(
    session: AsyncSession, title: str, body: str, created_by: int, now: datetime
) -> CannedDTO:
    """Adds a canned reply, or replaces the text of the one with this title."""
    row = await session.scalar(select(CannedReply).where(CannedReply.title == title))
    if row is None:
        row = CannedReply(title=title, created_by=created_by, created_at=now)
        session.add(row)
    row.body = body
    await session.flush()
    return CannedDTO.model_validate(row)


async def remove_canned(session: AsyncSession, title: str) -> bool:
    """Removes the canned reply with this title; returns whether there was one."""
    result = await session.execute(delete(CannedReply).where(CannedReply.title == title))
    return (result.rowcount or 0) > 0
