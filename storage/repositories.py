"""Queries: every read and write of the database, returning pydantic DTOs, never ORM objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Draft, OutboxMessage, ProcessedUpdate, Resident, Ticket, TicketEvent


class _DTO(BaseModel):
    """Base for read-only copies of rows."""

    model_config = ConfigDict(from_attributes=True, frozen=True)


class ResidentDTO(_DTO):
    """A resident as the services see it."""

    id: int
    telegram_user_id: int
    chat_id: int
    locale: str | None
    language_code: str | None
    screen: str
    pending_service: str | None
    drafts_started: int
    consent_version: str | None
    consent_at: datetime | None


class DraftDTO(_DTO):
    """An unfinished intake."""

    id: int
    resident_id: int
    form_key: str
    state: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class TicketDTO(_DTO):
    """A ticket as the services see it."""

    id: int
    reference: str
    resident_id: int | None
    service: str
    status: str
    priority: str
    district_key: str | None
    contact_method: str | None
    phone: str | None
    answers: dict[str, Any]
    locale: str
    source: str
    created_at: datetime


class OutboxDTO(_DTO):
    """A message waiting in the outbox."""

    id: int
    chat_id: int
    kind: str
    ticket_id: int | None
    text: str
    reply_markup: dict[str, Any] | None
    status: str
    attempts: int
    not_before: datetime
    last_error: str | None
    telegram_message_id: int | None


async def is_update_processed(session: AsyncSession, update_id: int) -> bool:
    """Returns whether an update's effects are already stored."""
    found = await session.get(ProcessedUpdate, update_id)
    return found is not None


async def last_processed_update_id(session: AsyncSession) -> int:
    """Returns the highest update id handled so far (0 if none)."""
    return int(await session.scalar(select(func.max(ProcessedUpdate.update_id))) or 0)


async def record_update(session: AsyncSession, update_id: int, now: datetime) -> None:
    """Records an update id in the caller's transaction; a duplicate fails at commit."""
    session.add(ProcessedUpdate(update_id=update_id, processed_at=now))
    await session.flush()


async def get_or_create_resident(
    session: AsyncSession, telegram_user_id: int, chat_id: int, language_code: str | None,
    now: datetime,
) -> ResidentDTO:
    """Returns the resident for a Telegram user, creating the row on first contact."""
    row = await session.scalar(select(Resident).where(Resident.telegram_user_id == telegram_user_id))
    if row is None:
        row = Resident(
            telegram_user_id=telegram_user_id, chat_id=chat_id, language_code=language_code,
            screen="menu", drafts_started=0, created_at=now, updated_at=now,
        )
        session.add(row)
        await session.flush()
    elif row.chat_id != chat_id or row.language_code != language_code:
        row.chat_id, row.language_code, row.updated_at = chat_id, language_code, now
    return ResidentDTO.model_validate(row)


async def update_resident(
    session: AsyncSession, resident_id: int, now: datetime, **fields: Any
) -> ResidentDTO:
    """Changes a resident's fields and returns the new values."""
    row = await session.get_one(Resident, resident_id)
    for name, value in fields.items():
        setattr(row, name, value)
    row.updated_at = now
    await session.flush()
    return ResidentDTO.model_validate(row)


async def get_draft(session: AsyncSession, resident_id: int) -> DraftDTO | None:
    """Returns a resident's unfinished intake, if any."""
    row = await session.scalar(select(Draft).where(Draft.resident_id == resident_id))
    return DraftDTO.model_validate(row) if row else None


async def save_draft(
    session: AsyncSession, resident_id: int, form_key: str, state: dict[str, Any], now: datetime
) -> None:
    """Creates or replaces a resident's draft."""
    row = await session.scalar(select(Draft).where(Draft.resident_id == resident_id))
    if row is None:
        session.add(
            Draft(resident_id=resident_id, form_key=form_key, state=state, created_at=now,
                  updated_at=now)
        )
    else:
        row.form_key, row.state, row.updated_at = form_key, state, now
    await session.flush()


async def delete_draft(session: AsyncSession, resident_id: int) -> bool:
    """Removes a resident's draft; returns whether there was one."""
    result = await session.execute(delete(Draft).where(Draft.resident_id == resident_id))
    return (result.rowcount or 0) > 0


async def delete_drafts_older_than(session: AsyncSession, cutoff: datetime) -> int:
    """Removes drafts untouched since the cutoff and returns how many."""
    result = await session.execute(delete(Draft).where(Draft.updated_at < cutoff))
    return result.rowcount or 0


async def reference_taken(session: AsyncSession, reference: str) -> bool:
    """Returns whether a ticket reference is already in use."""
    found = await session.scalar(select(Ticket.id).where(Ticket.reference == reference))
    return found is not None


async def create_ticket(session: AsyncSession, **fields: Any) -> TicketDTO:
    """Inserts a ticket and returns it."""
    row = Ticket(**fields)
    session.add(row)
    await session.flush()
    return TicketDTO.model_validate(row)


async def get_ticket_by_reference(session: AsyncSession, reference: str) -> TicketDTO | None:
    """Returns the ticket with a reference, if any."""
    row = await session.scalar(select(Ticket).where(Ticket.reference == reference))
    return TicketDTO.model_validate(row) if row else None


async def tickets_of_resident(session: AsyncSession, resident_id: int) -> list[TicketDTO]:
    """Returns a resident's tickets, oldest first."""
    rows = await session.scalars(
        select(Ticket).where(Ticket.resident_id == resident_id).order_by(Ticket.id)
    )
    return [TicketDTO.model_validate(r) for r in rows]


async def add_ticket_event(
    session: AsyncSession, ticket_id: int, kind: str, actor_type: str, actor_id: int | None,
    now: datetime, data: dict[str, Any] | None = None,
) -> None:
    """Appends an event to a ticket's history."""
    session.add(
        TicketEvent(ticket_id=ticket_id, kind=kind, actor_type=actor_type, actor_id=actor_id,
                    data=data or {}, created_at=now)
    )
    await session.flush()


async def ticket_event_kinds(session: AsyncSession, ticket_id: int) -> list[str]:
    """Returns the kinds of a ticket's events, oldest first."""
    rows = await session.scalars(
        select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    )
    return list(rows)


async def add_outbox_message(
    session: AsyncSession, chat_id: int, kind: str, text: str, now: datetime,
    ticket_id: int | None = None, reply_markup: dict[str, Any] | None = None,
) -> None:
    """Writes a message to the outbox in the caller's transaction."""
    session.add(
        OutboxMessage(chat_id=chat_id, kind=kind, ticket_id=ticket_id, text=text,
                      reply_markup=reply_markup, status="pending", attempts=0, not_before=now,
                      created_at=now)
    )
    await session.flush()


UNDELIVERED = ("pending", "sending")


async def outbox_heads(
    session: AsyncSession, now: datetime, limit: int, skip_chats: set[int]
) -> list[OutboxDTO]:
    """Returns, for each chat, its oldest undelivered message if that one is due now.

    Only the head of each chat's queue is returned, so a message never overtakes an
    earlier one to the same chat, and a long queue for one chat never hides the others.
    """
    earlier = aliased(OutboxMessage)
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status.in_(UNDELIVERED),
            OutboxMessage.not_before <= now,
            ~exists().where(
                earlier.chat_id == OutboxMessage.chat_id,
                earlier.status.in_(UNDELIVERED),
                earlier.id < OutboxMessage.id,
            ),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
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
    session: AsyncSession, message_id: int, status: str, now: datetime, *,
    telegram_message_id: int | None = None, error: str | None = None,
    retry_at: datetime | None = None, attempts: int | None = None,
) -> None:
    """Records the result of one delivery attempt; a delivered message's text is not kept."""
    values: dict[str, Any] = {"status": status, "last_error": error}
    if status == "sent":
        values.update(sent_at=now, telegram_message_id=telegram_message_id, text="",
                      reply_markup=None)
    if retry_at is not None:
        values["not_before"] = retry_at
    if attempts is not None:
        values["attempts"] = attempts
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))


async def outbox_messages(session: AsyncSession, kind: str | None = None) -> list[OutboxDTO]:
    """Returns outbox messages, optionally of one kind, oldest first."""
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return [OutboxDTO.model_validate(r) for r in await session.scalars(query)]


async def count_rows(session: AsyncSession, model: type) -> int:
    """Returns the number of rows of a model's table."""
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


