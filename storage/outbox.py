"""Outbox rows: written with the change that caused them, claimed and finished by the relay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import DTO
from storage.models import (
    OutboxMessage,
)
from storage.queues import due_heads_query


class OutboxDTO(DTO):
    """A message waiting in the outbox."""

    id: int
    chat_id: int
    kind: str
    ticket_id: int | None
    text: str
    meta: dict[str, Any]
    reply_markup: dict[str, Any] | None
    status: str
    attempts: int
    not_before: datetime
    last_error: str | None
    telegram_message_id: int | None
    created_at: datetime


OUTBOX = OutboxMessage.__table__
# A message no relay has taken yet: another of its kind can still join it or stand in for it.
_UNTAKEN = (OUTBOX.c.status == "pending", OUTBOX.c.attempts == 0)
# Most updates write an outbox row: one Core INSERT … RETURNING built once, no unit of work.
_ADD_MESSAGE = insert(OUTBOX).returning(OUTBOX.c.id)


async def add_outbox_message(
    session: AsyncSession,
    chat_id: int,
    kind: str,
    text: str,
    now: datetime,
    ticket_id: int | None = None,
    reply_markup: dict[str, Any] | None = None,
    meta: dict[str, Any] | None = None,
    lane: int = 1,
) -> int:
    """Writes a message to the outbox in the caller's transaction; returns its id."""
    values = {
        "chat_id": chat_id,
        "kind": kind,
        "lane": lane,
        "ticket_id": ticket_id,
        "text": text,
        "reply_markup": reply_markup,
        "meta": meta or {},
        "status": "pending",
        "attempts": 0,
        "not_before": now,
        "created_at": now,
    }
    return (await session.execute(_ADD_MESSAGE, values)).scalar_one()


def _unless_waiting() -> Any:
    """INSERT of a message for a chat and ticket unless one of its kind no relay has taken
    yet is waiting there (that one will serve); returns the new row's id, if any."""
    waiting = (
        select(OUTBOX.c.id)
        .where(
            OUTBOX.c.chat_id == bindparam("chat_id"),
            OUTBOX.c.kind == bindparam("kind"),
            OUTBOX.c.ticket_id == bindparam("ticket_id"),
            *_UNTAKEN,
        )
        .exists()
    )
    columns = ("chat_id", "kind", "lane", "ticket_id", "text", "meta", "status", "attempts")
    values = [
        bindparam(name, type_=OUTBOX.c[name].type)
        for name in ("chat_id", "kind", "lane", "ticket_id", "text", "meta")
    ]
    timed = ("not_before", "created_at")
    row = select(
        *values,
        literal("pending"),
        literal(0),
        *(bindparam("now", type_=OUTBOX.c.created_at.type) for _ in timed),
    ).where(~waiting)
    return insert(OUTBOX).from_select([*columns, *timed], row).returning(OUTBOX.c.id)


# A card's refresh asks on every message about its ticket: one statement, built once.
_ADD_UNLESS_WAITING = _unless_waiting()


async def add_outbox_message_unless_waiting(
    session: AsyncSession,
    chat_id: int,
    kind: str,
    text: str,
    now: datetime,
    ticket_id: int,
    lane: int = 1,
    meta: dict[str, Any] | None = None,
) -> int | None:
    """Writes a message for a ticket to the outbox unless one of its kind is still waiting
    for the chat untaken (then that one serves); returns the new row's id, if any."""
    values = {
        "chat_id": chat_id,
        "kind": kind,
        "lane": lane,
        "ticket_id": ticket_id,
        "text": text,
        "meta": meta or {},
        "now": now,
    }
    return (await session.execute(_ADD_UNLESS_WAITING, values)).scalar_one_or_none()


def _newest_waiting(ticket_condition: Any) -> Any:
    """The newest five untaken messages of a kind for a chat, with a condition on the ticket
    (read as rows, not ORM objects)."""
    return (
        select(OUTBOX)
        .where(
            OUTBOX.c.chat_id == bindparam("chat"),
            OUTBOX.c.kind == bindparam("kind"),
            *_UNTAKEN,
            ticket_condition,
        )
        .order_by(OUTBOX.c.id.desc())
        .limit(5)
    )


# A resident's words and a card's refresh ask for the message they can join on every follow-up.
_WAITING_FOR_TICKET = _newest_waiting(OUTBOX.c.ticket_id == bindparam("ticket"))
_WAITING_WITHOUT_TICKET = _newest_waiting(OUTBOX.c.ticket_id.is_(None))
# A resident's next words join the relay still waiting: a statement built once.
_REWRITE_WAITING = (
    update(OUTBOX)
    .where(
        OUTBOX.c.id == bindparam("message"),
        *_UNTAKEN,
    )
    .values(text=bindparam("new_text"), meta=bindparam("new_meta"))
)


async def waiting_message(
    session: AsyncSession,
    chat_id: int,
    kind: str,
    ticket_id: int | None,
    meta_match: dict[str, Any] | None = None,
) -> OutboxDTO | None:
    """The newest message of this kind for this chat and ticket that no relay has taken yet
    (one a later message of the same kind can still join), if any."""
    if ticket_id is None:
        rows = await session.execute(_WAITING_WITHOUT_TICKET, {"chat": chat_id, "kind": kind})
    else:
        rows = await session.execute(
            _WAITING_FOR_TICKET, {"chat": chat_id, "kind": kind, "ticket": ticket_id}
        )
    for row in rows:
        if all(row.meta.get(key) == value for key, value in (meta_match or {}).items()):
            return OutboxDTO.model_validate(row)
    return None


async def rewrite_waiting_message(
    session: AsyncSession, message_id: int, text: str, meta: dict[str, Any]
) -> bool:
    """Replaces the text and meta of a message no relay has taken yet; False if one has.

    One conditional statement: a relay claiming the row at the same moment either waits for
    this change or makes it change nothing (then the caller writes a new message).
    """
    result = await session.execute(
        _REWRITE_WAITING, {"message": message_id, "new_text": text, "new_meta": meta}
    )
    return result.rowcount == 1


async def latest_outbox_message(session: AsyncSession, chat_id: int) -> OutboxDTO | None:
    """The newest message the outbox holds for a chat (sent or not), if any."""
    row = await session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.chat_id == chat_id)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    return OutboxDTO.model_validate(row) if row else None


async def outbox_message_for(
    session: AsyncSession, chat_id: int, telegram_message_id: int
) -> OutboxDTO | None:
    """Returns the outbox message that became a given Telegram message, if any."""
    row = await session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.telegram_message_id == telegram_message_id,
        )
    )
    return OutboxDTO.model_validate(row) if row else None


UNDELIVERED = ("pending", "sending")


async def outbox_heads(
    session: AsyncSession, now: datetime, limit: int, skip_chats: set[int]
) -> list[OutboxDTO]:
    """Returns, for each chat not skipped, its first undelivered message (by lane, then age) if
    that one is due; crisis alerts of every chat come first."""
    query = due_heads_query(
        OutboxMessage, ("lane", "id"), lambda m: m.status.in_(UNDELIVERED), now, limit
    )
    if skip_chats:
        query = query.where(OutboxMessage.chat_id.not_in(skip_chats))
    return [OutboxDTO.model_validate(r) for r in await session.scalars(query)]


async def claim_outbox_message(
    session: AsyncSession, message_id: int, now: datetime, lease_until: datetime
) -> bool:
    """Marks a due message as being sent by this worker; False if another has it."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status.in_(UNDELIVERED),
            OutboxMessage.not_before <= now,
        )
        .values(status="sending", not_before=lease_until, attempts=OutboxMessage.attempts + 1)
    )
    return result.rowcount == 1


async def finish_outbox_message(
    session: AsyncSession,
    message_id: int,
    status: str,
    now: datetime,
    *,
    telegram_message_id: int | None = None,
    error: str | None = None,
    retry_at: datetime | None = None,
    attempts: int | None = None,
) -> None:
    """Records the result of one delivery attempt; a delivered message's text is not kept."""
    values: dict[str, Any] = {"status": status, "last_error": error}
    if status == "sent":
        values.update(
            sent_at=now, telegram_message_id=telegram_message_id, text="", reply_markup=None
        )
    if retry_at is not None:
        values["not_before"] = retry_at
    if attempts is not None:
        values["attempts"] = attempts
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
    )


async def outbox_messages(session: AsyncSession, kind: str | None = None) -> list[OutboxDTO]:
    """Returns outbox messages, optionally of one kind, oldest first."""
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return [OutboxDTO.model_validate(r) for r in await session.scalars(query)]


async def outbox_backlog(session: AsyncSession) -> tuple[int, int]:
    """How many outbox messages wait to be delivered, and how many were given up on."""
    counts = dict(
        (status, count)
        for status, count in await session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.status.in_((*UNDELIVERED, "failed")))
            .group_by(OutboxMessage.status)
        )
    )
    return sum(counts.get(s, 0) for s in UNDELIVERED), counts.get("failed", 0)


async def sent_copies_about(
    session: AsyncSession,
    chat_ids: list[int],
    kinds: tuple[str, ...],
    ticket_ids: list[int],
    resident_id: int,
    sent_after: datetime,
) -> list[OutboxDTO]:
    """Messages of the given kinds sent to the given chats since `sent_after` about the
    tickets or the resident (crisis alerts name the resident in their routing facts)."""
    rows = await session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.chat_id.in_(chat_ids),
            OutboxMessage.kind.in_(kinds),
            OutboxMessage.status == "sent",
            OutboxMessage.telegram_message_id.is_not(None),
            OutboxMessage.sent_at > sent_after,
        )
    )
    return [
        OutboxDTO.model_validate(row)
        for row in rows
        if row.ticket_id in ticket_ids or row.meta.get("resident_id") == resident_id
    ]


async def last_message_id(session: AsyncSession) -> int:
    """The highest message id any chat gave a message we sent (0 if none)."""
    return int(await session.scalar(select(func.max(OutboxMessage.telegram_message_id))) or 0)


async def attach_alerts(session: AsyncSession, resident_id: int, ticket_id: int) -> int:
    """Ties crisis alerts about a resident that belong to no ticket yet to their new ticket,
    so staff answering such an alert reach the resident; returns how many."""
    rows = await session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.kind == "crisis_alert", OutboxMessage.ticket_id.is_(None)
        )
    )
    attached = 0
    for row in rows:
        if row.meta.get("resident_id") == resident_id:
            row.ticket_id = ticket_id
            attached += 1
    await session.flush()
    return attached
