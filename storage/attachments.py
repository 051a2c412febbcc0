"""Files residents sent for their requests: stored sealed, read back for staff, erased."""

from __future__ import annotations

import base64
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import DTO
from storage.models import Attachment


class AttachmentDTO(DTO):
    """A stored file, without its bytes."""

    id: int
    ticket_id: int
    filename: str
    mime: str
    size: int
    created_at: datetime


async def add_attachment(
    session: AsyncSession,
    ticket_id: int,
    filename: str,
    mime: str,
    content: bytes,
    now: datetime,
) -> None:
    """Stores a file for a ticket in the caller's transaction."""
    session.add(
        Attachment(
            ticket_id=ticket_id,
            filename=filename,
            mime=mime,
            size=len(content),
            content=base64.b64encode(content).decode("ascii"),
            created_at=now,
        )
    )
    await session.flush()


async def count_attachments(session: AsyncSession, ticket_id: int) -> int:
    """How many files a ticket has."""
    return int(
        await session.scalar(
            select(func.count()).select_from(Attachment).where(Attachment.ticket_id == ticket_id)
        )
        or 0
    )


# /ticket asks for a ticket's files every time: a statement built once.
_FILES_OF = (
    select(
        Attachment.id,
        Attachment.ticket_id,
        Attachment.filename,
        Attachment.mime,
        Attachment.size,
        Attachment.created_at,
    )
    .where(Attachment.ticket_id.in_(bindparam("tickets", expanding=True)))
    .order_by(Attachment.id)
)


async def attachments_of(session: AsyncSession, ticket_ids: list[int]) -> list[AttachmentDTO]:
    """The files of some tickets, oldest first, without their bytes."""
    rows = await session.execute(_FILES_OF, {"tickets": list(ticket_ids)})
    return [AttachmentDTO.model_validate(row._mapping) for row in rows]


async def attachment_content(session: AsyncSession, attachment_id: int) -> bytes:
    """The bytes of one stored file."""
    content = await session.scalar(select(Attachment.content).where(Attachment.id == attachment_id))
    return base64.b64decode(content or "")
