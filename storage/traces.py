"""What a database shows of the chats it has served (the console refuses a real bot's)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboxUpdate, OutboxMessage, Resident


async def traces_outside(session: AsyncSession, chats: Collection[int]) -> list[str]:
    """The tables that hold updates, residents or messages of chats other than these."""
    found = []
    if await session.scalar(select(exists().select_from(InboxUpdate))):
        found.append("inbox")
    others = or_(Resident.chat_id.not_in(chats), Resident.telegram_user_id.not_in(chats))
    if await session.scalar(select(exists().where(others))):
        found.append("residents")
    if await session.scalar(select(exists().where(OutboxMessage.chat_id.not_in(chats)))):
        found.append("outbox")
    return found
