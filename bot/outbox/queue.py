"""Writing to the outbox: a screen becomes rows in the caller's transaction, sent later by the relay."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.screens import MAX_TEXT, Button, Screen, split_text
from storage.outbox import (
    OutboxDTO,
    add_outbox_message,
    add_outbox_message_unless_waiting,
    rewrite_waiting_message,
    waiting_message,
)


class Lane(IntEnum):
    """Which of a chat's waiting messages goes first (then the oldest of a lane)."""

    CRISIS = 0
    FIRST = 1
    BULK = 2


# Crisis alerts overtake everything waiting for the staff group; relays of residents' words and
# card edits wait behind new cards and answers. Every other kind is in the first lane.
LANES = {"crisis_alert": Lane.CRISIS, "resident_message": Lane.BULK, "card_edit": Lane.BULK}


async def enqueue(
    session: AsyncSession,
    chat_id: int,
    kind: str,
    screen: Screen,
    now: datetime,
    ticket_id: int | None = None,
    meta: dict[str, Any] | None = None,
) -> list[int]:
    """Writes a screen to the outbox, split into parts under Telegram's text limit; returns
    the rows' ids."""
    parts = [part for part in split_text(screen.text) if part.strip()] or [screen.text]
    markup = markup_json(screen)
    ids = []
    for number, part in enumerate(parts, start=1):
        part_meta = dict(meta or {})
        if len(parts) > 1:
            # Only the last part stands for the whole message in what follows its delivery.
            part_meta.update(part=number, parts=len(parts))
        ids.append(
            await add_outbox_message(
                session,
                chat_id,
                kind,
                part,
                now,
                ticket_id=ticket_id,
                reply_markup=markup if number == len(parts) else None,
                meta=part_meta,
                lane=LANES.get(kind, Lane.FIRST),
            )
        )
    return ids


async def enqueue_unless_waiting(
    session: AsyncSession,
    chat_id: int,
    kind: str,
    text: str,
    now: datetime,
    ticket_id: int,
    meta: dict[str, Any] | None = None,
) -> int | None:
    """Writes a one-part message without buttons for a ticket unless one of its kind is still
    waiting for the chat untaken; returns the new row's id, if any."""
    lane = LANES.get(kind, Lane.FIRST)
    return await add_outbox_message_unless_waiting(
        session, chat_id, kind, text, now, ticket_id, lane, meta
    )


async def enqueue_joined(
    session: AsyncSession,
    chat_id: int,
    kind: str,
    head: str,
    line: str,
    now: datetime,
    ticket_id: int | None = None,
    meta: dict[str, Any] | None = None,
    rows: tuple[tuple[Button, ...], ...] = (),
) -> list[int]:
    """Adds `line` to the message of this kind still waiting for this chat and ticket (with the
    same `meta`) while it fits in one message; else writes a new message `head` + `line` (with
    the buttons `rows`). Returns the ids of the rows that carry the line.

    A resident who sends fifty messages while the staff group's pace holds the queue makes a
    few relays, not fifty, and nothing they wrote is left out.
    """
    text = f"{head}\n{line}"
    if ticket_id is not None and not rows and len(text) <= MAX_TEXT:
        # Mostly nothing of its kind is waiting: then one statement finds that out and writes.
        new_id = await enqueue_unless_waiting(session, chat_id, kind, text, now, ticket_id, meta)
        if new_id is not None:
            return [new_id]
    waiting = await waiting_message(session, chat_id, kind, ticket_id, meta)
    if (
        waiting is not None
        and "parts" not in waiting.meta
        and len(waiting.text) + 1 + len(line) <= MAX_TEXT
    ):
        joined = {**waiting.meta, "joined": waiting.meta.get("joined", 1) + 1}
        if await rewrite_waiting_message(session, waiting.id, f"{waiting.text}\n{line}", joined):
            return [waiting.id]
    return await enqueue(session, chat_id, kind, Screen(text, rows), now, ticket_id, meta)


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
