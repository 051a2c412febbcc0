"""Writing to the outbox: a screen becomes rows in the caller's transaction, sent later by the relay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.screens import Screen, split_text
from storage.outbox import OutboxDTO, add_outbox_message


async def enqueue(
    session: AsyncSession,
    chat_id: int,
    kind: str,
    screen: Screen,
    now: datetime,
    ticket_id: int | None = None,
    meta: dict[str, Any] | None = None,
) -> None:
    """Writes a screen to the outbox, split into parts under Telegram's text limit."""
    parts = [part for part in split_text(screen.text) if part.strip()] or [screen.text]
    markup = markup_json(screen)
    for number, part in enumerate(parts, start=1):
        part_meta = dict(meta or {})
        if len(parts) > 1:
            # Only the last part stands for the whole message in what follows its delivery.
            part_meta.update(part=number, parts=len(parts))
        await add_outbox_message(
            session,
            chat_id,
            kind,
            part,
            now,
            ticket_id=ticket_id,
            reply_markup=markup if number == len(parts) else None,
            meta=part_meta,
        )


def is_last_part(message: OutboxDTO) -> bool:
    """Whether an outbox row is the whole message or its last part."""
    return message.meta.get("part", 1) == message.meta.get("parts", 1)


def markup_json(screen: Screen) -> dict[str, Any] | None:
    """Returns a screen's buttons as Telegram's inline keyboard JSON."""
    if not screen.rows:
        return None
    return {
        "inline_keyboard": [
            [{"text": b.label, "callback_data": b.data} for b in row] for row in screen.rows
        ]
    }
