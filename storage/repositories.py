"""Queries: every read and write of the database, returning pydantic DTOs, never ORM objects."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import keyring_of
from storage.models import (
    AuditEntry,
    DigestRun,
    Draft,
    InboxUpdate,
    OutboxMessage,
    ProcessedUpdate,
    Resident,
    RetentionRun,
    StaffMember,
    Ticket,
    TicketEvent,
    TicketStatus,
    open_ticket_condition,
)
from storage.queues import due_heads_query
from storage.sql import insert_or_ignore


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
    pending_message: str | None
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
    assignee_id: int | None
    entered_by_id: int | None
    referred_to: str | None
    card_message_id: int | None
    resident_unreachable: bool
    erased: bool
    minor: bool
    first_action_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    last_activity_at: datetime
    created_bday: int
    first_action_bday: int | None
    resolved_bday: int | None
    created_at: datetime


class StaffDTO(_DTO):
    """A staff member."""

    id: int
    telegram_user_id: int
    display_name: str
    districts: list[str]
    active: bool


class EventDTO(_DTO):
    """One entry of a ticket's history."""

    id: int
    ticket_id: int
    kind: str
    actor_type: str
    actor_id: int | None
    data: dict[str, Any]
    created_at: datetime


class AuditDTO(_DTO):
    """One staff action outside a ticket's history."""

    id: int
    actor_id: int | None
    action: str
    detail: dict[str, Any]
    created_at: datetime


class OutboxDTO(_DTO):
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
    result = await session.execute(
        insert_or_ignore(session, ProcessedUpdate, "update_id").values(
            update_id=update_id, processed_at=now
        )
    )
    return result.rowcount == 1


async def update_recorded(session: AsyncSession, update_id: int) -> bool:
    """Whether an update id is recorded as handled."""
    found = await session.scalar(
        select(ProcessedUpdate.update_id).where(ProcessedUpdate.update_id == update_id)
    )
    return found is not None


async def get_or_create_resident(
    session: AsyncSession,
    telegram_user_id: int,
    chat_id: int,
    language_code: str | None,
    now: datetime,
) -> ResidentDTO:
    """Returns the resident for a Telegram user, creating the row on first contact."""
    row = await session.scalar(
        select(Resident).where(Resident.telegram_user_id == telegram_user_id)
    )
    if row is None:
        row = Resident(
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            language_code=language_code,
            screen="menu",
            drafts_started=0,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        await session.flush()
    elif row.chat_id != chat_id or row.language_code != language_code:
        row.chat_id, row.language_code, row.updated_at = chat_id, language_code, now
    return ResidentDTO.model_validate(row)


async def get_resident(session: AsyncSession, resident_id: int) -> ResidentDTO | None:
    """Returns a resident by row id."""
    row = await session.get(Resident, resident_id)
    return ResidentDTO.model_validate(row) if row else None


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
            Draft(
                resident_id=resident_id,
                form_key=form_key,
                state=state,
                created_at=now,
                updated_at=now,
            )
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


def phone_index(session: AsyncSession, phone: str | None) -> str | None:
    """The searchable hash of a phone number (keyed when the database is encrypted)."""
    if phone is None:
        return None
    keyring = keyring_of(session.get_bind().dialect)
    return keyring.blind_index(phone) if keyring else hashlib.sha256(phone.encode()).hexdigest()


async def create_ticket(session: AsyncSession, **fields: Any) -> TicketDTO:
    """Inserts a ticket and returns it."""
    fields.setdefault("phone_hash", phone_index(session, fields.get("phone")))
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
    session: AsyncSession,
    ticket_id: int,
    kind: str,
    actor_type: str,
    actor_id: int | None,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> None:
    """Appends an event to a ticket's history."""
    session.add(
        TicketEvent(
            ticket_id=ticket_id,
            kind=kind,
            actor_type=actor_type,
            actor_id=actor_id,
            data=data or {},
            created_at=now,
        )
    )
    await session.flush()


async def add_outbox_message(
    session: AsyncSession,
    chat_id: int,
    kind: str,
    text: str,
    now: datetime,
    ticket_id: int | None = None,
    reply_markup: dict[str, Any] | None = None,
    meta: dict[str, Any] | None = None,
) -> None:
    """Writes a message to the outbox in the caller's transaction."""
    session.add(
        OutboxMessage(
            chat_id=chat_id,
            kind=kind,
            ticket_id=ticket_id,
            text=text,
            reply_markup=reply_markup,
            meta=meta or {},
            status="pending",
            attempts=0,
            not_before=now,
            created_at=now,
        )
    )
    await session.flush()


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
    """Returns, for each chat not skipped, its oldest undelivered message if that one is due."""
    query = due_heads_query(OutboxMessage, "id", lambda m: m.status.in_(UNDELIVERED), now, limit)
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


async def count_rows(session: AsyncSession, model: type) -> int:
    """Returns the number of rows of a model's table."""
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


# ---- staff ----------------------------------------------------------------------------------


async def get_staff_by_user(session: AsyncSession, telegram_user_id: int) -> StaffDTO | None:
    """Returns the active staff member with a Telegram user id, if any."""
    row = await session.scalar(
        select(StaffMember).where(
            StaffMember.telegram_user_id == telegram_user_id, StaffMember.active.is_(True)
        )
    )
    return StaffDTO.model_validate(row) if row else None


async def get_staff(session: AsyncSession, staff_id: int) -> StaffDTO | None:
    """Returns a staff member by row id (active or not)."""
    row = await session.get(StaffMember, staff_id)
    return StaffDTO.model_validate(row) if row else None


async def save_staff(
    session: AsyncSession,
    telegram_user_id: int,
    display_name: str,
    districts: list[str],
    now: datetime,
) -> StaffDTO:
    """Adds a staff member, or updates and reactivates an existing one."""
    row = await session.scalar(
        select(StaffMember).where(StaffMember.telegram_user_id == telegram_user_id)
    )
    if row is None:
        row = StaffMember(telegram_user_id=telegram_user_id, created_at=now)
        session.add(row)
    row.display_name, row.districts, row.active, row.updated_at = (
        display_name,
        districts,
        True,
        now,
    )
    await session.flush()
    return StaffDTO.model_validate(row)


async def deactivate_staff(session: AsyncSession, telegram_user_id: int, now: datetime) -> bool:
    """Marks a staff member inactive; returns whether one was active."""
    result = await session.execute(
        update(StaffMember)
        .where(StaffMember.telegram_user_id == telegram_user_id, StaffMember.active.is_(True))
        .values(active=False, updated_at=now)
    )
    return (result.rowcount or 0) > 0


async def active_staff(session: AsyncSession) -> list[StaffDTO]:
    """Returns every active staff member, by name."""
    rows = await session.scalars(
        select(StaffMember).where(StaffMember.active.is_(True)).order_by(StaffMember.display_name)
    )
    return [StaffDTO.model_validate(r) for r in rows]


# ---- tickets for staff ----------------------------------------------------------------------


async def get_ticket(session: AsyncSession, ticket_id: int) -> TicketDTO | None:
    """Returns a ticket by id."""
    row = await session.get(Ticket, ticket_id)
    return TicketDTO.model_validate(row) if row else None


async def update_ticket(
    session: AsyncSession, ticket_id: int, now: datetime, **fields: Any
) -> TicketDTO:
    """Changes a ticket's fields, marks the activity time and returns the ticket."""
    row = await session.get_one(Ticket, ticket_id)
    for name, value in fields.items():
        setattr(row, name, value)
    row.updated_at = row.last_activity_at = now
    await session.flush()
    return TicketDTO.model_validate(row)


async def claim_ticket(session: AsyncSession, ticket_id: int, staff_id: int, now: datetime) -> bool:
    """Assigns an unassigned ticket; of two simultaneous claims exactly one succeeds."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.assignee_id.is_(None))
        .values(assignee_id=staff_id, updated_at=now, last_activity_at=now)
    )
    return (result.rowcount or 0) == 1


async def open_tickets_of_resident(
    session: AsyncSession, resident_id: int, open_statuses: tuple[str, ...]
) -> list[TicketDTO]:
    """Returns a resident's tickets that are still open, oldest first."""
    rows = await session.scalars(
        select(Ticket)
        .where(Ticket.resident_id == resident_id, Ticket.status.in_(open_statuses))
        .order_by(Ticket.id)
    )
    return [TicketDTO.model_validate(r) for r in rows]


@dataclass(frozen=True)
class TicketQuery:
    """Which tickets a staff list shows; empty fields do not filter."""

    open_only: bool = False
    statuses: tuple[str, ...] = ()
    assignee_id: int | None = None
    unassigned: bool = False
    priority: str | None = None
    service: str | None = None
    district_key: str | None = None
    reference: str | None = None
    phone: str | None = None
    words: tuple[str, ...] = ()


def _conditions(query: TicketQuery) -> list[Any]:
    """SQL conditions for a ticket query (portable: LIKE over the JSON text of the answers)."""
    conditions: list[Any] = []
    if query.open_only:
        conditions.append(open_ticket_condition())
    if query.statuses:
        conditions.append(Ticket.status.in_(query.statuses))
    if query.assignee_id is not None:
        conditions.append(Ticket.assignee_id == query.assignee_id)
    if query.unassigned:
        conditions.append(Ticket.assignee_id.is_(None))
    if query.priority:
        conditions.append(Ticket.priority == query.priority)
    if query.service:
        conditions.append(Ticket.service == query.service)
    if query.district_key:
        conditions.append(Ticket.district_key == query.district_key)
    if query.reference:
        conditions.append(Ticket.reference == query.reference)
    return conditions


# Answers are encrypted, so words are looked for among the newest tickets only, in Python.
WORD_SEARCH_WINDOW = 5000
# Lists count matches only this far ("1,000+"): counting every one of 20,000 open tickets
# would cost more than the page itself.
COUNT_LIMIT = 1000


def count_limit(offset: int, limit: int) -> int:
    """How far a list's matches are counted: COUNT_LIMIT, or further for a later page."""
    return max(COUNT_LIMIT, offset + limit)


async def ticket_page(
    session: AsyncSession,
    query: TicketQuery,
    offset: int,
    limit: int,
) -> tuple[list[TicketDTO], int]:
    """Returns one page of matching tickets, oldest first, and how many match — counted up to
    count_limit(offset, limit), one more meaning "more than that"."""
    conditions = _conditions(query)
    if query.phone:
        conditions.append(Ticket.phone_hash == phone_index(session, query.phone))
    if query.words:
        return await _word_page(session, conditions, query.words, offset, limit)
    matches = select(Ticket.id).where(*conditions).limit(count_limit(offset, limit) + 1)
    total = await session.scalar(select(func.count()).select_from(matches.subquery()))
    rows = await session.scalars(
        select(Ticket)
        .where(*conditions)
        .order_by(Ticket.created_at, Ticket.id)
        .offset(offset)
        .limit(limit)
    )
    return [TicketDTO.model_validate(r) for r in rows], int(total or 0)


async def _word_page(
    session: AsyncSession, conditions: list[Any], words: tuple[str, ...], offset: int, limit: int
) -> tuple[list[TicketDTO], int]:
    """Tickets among the newest whose answers contain every word (case-insensitive)."""
    rows = await session.scalars(
        select(Ticket)
        .where(*conditions)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(WORD_SEARCH_WINDOW)
    )
    wanted = [w.casefold() for w in words]
    found = [
        TicketDTO.model_validate(row)
        for row in rows
        if all(w in json.dumps(row.answers, ensure_ascii=False).casefold() for w in wanted)
    ]
    found.reverse()
    return found[offset : offset + limit], len(found)


async def staff_names(session: AsyncSession) -> dict[int, str]:
    """Every staff member's display name by row id (for lists)."""
    rows = await session.execute(select(StaffMember.id, StaffMember.display_name))
    return {staff_id: name for staff_id, name in rows.all()}


async def staff_names_by_user(session: AsyncSession) -> dict[int, str]:
    """Every staff member's display name by Telegram user id (for histories)."""
    rows = await session.execute(select(StaffMember.telegram_user_id, StaffMember.display_name))
    return {user_id: name for user_id, name in rows.all()}


async def references_of(session: AsyncSession, ticket_ids: set[int]) -> dict[int, str]:
    """Ticket references by id."""
    if not ticket_ids:
        return {}
    rows = await session.execute(
        select(Ticket.id, Ticket.reference).where(Ticket.id.in_(ticket_ids))
    )
    return {ticket_id: reference for ticket_id, reference in rows.all()}


async def tickets_created_between(
    session: AsyncSession, start: datetime, end: datetime
) -> list[TicketDTO]:
    """Returns tickets created in [start, end), oldest first."""
    rows = await session.scalars(
        select(Ticket)
        .where(Ticket.created_at >= start, Ticket.created_at < end)
        .order_by(Ticket.created_at, Ticket.id)
    )
    return [TicketDTO.model_validate(r) for r in rows]


async def ticket_events(session: AsyncSession, ticket_id: int) -> list[EventDTO]:
    """Returns a ticket's history, oldest first."""
    rows = await session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    )
    return [EventDTO.model_validate(r) for r in rows]


async def recent_ticket_events(session: AsyncSession, limit: int) -> list[EventDTO]:
    """Returns the newest events across all tickets."""
    rows = await session.scalars(select(TicketEvent).order_by(TicketEvent.id.desc()).limit(limit))
    return [EventDTO.model_validate(r) for r in rows]


async def add_audit(
    session: AsyncSession,
    actor_id: int | None,
    action: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Records a staff action outside one ticket's history."""
    session.add(AuditEntry(actor_id=actor_id, action=action, detail=detail or {}, created_at=now))
    await session.flush()


async def recent_audit(session: AsyncSession, limit: int) -> list[AuditDTO]:
    """Returns the newest audit entries."""
    rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
    return [AuditDTO.model_validate(r) for r in rows]


async def set_card_message_id(session: AsyncSession, ticket_id: int, message_id: int) -> None:
    """Remembers which staff-chat message is a ticket's card."""
    await session.execute(
        update(Ticket).where(Ticket.id == ticket_id).values(card_message_id=message_id)
    )


async def set_resident_reachable(
    session: AsyncSession, resident_id: int, reachable: bool
) -> list[int]:
    """Marks all of a resident's tickets reachable or not; returns the ids that changed."""
    ids = list(
        await session.scalars(
            select(Ticket.id).where(
                Ticket.resident_id == resident_id, Ticket.resident_unreachable.is_(reachable)
            )
        )
    )
    if ids:
        await session.execute(
            update(Ticket).where(Ticket.id.in_(ids)).values(resident_unreachable=not reachable)
        )
    return ids


# ---- privacy: erasing a resident's personal data -----------------------------------------


async def scrub_tickets(session: AsyncSession, ticket_ids: list[int]) -> None:
    """Removes the personal data of tickets, keeping what anonymous counts need.

    Kept: service, district, status, priority, dates and business days, partner. Removed:
    answers, phone, contact method, the link to the resident, texts in the history, and
    the resident's Telegram id as an actor.
    """
    if not ticket_ids:
        return
    await session.execute(
        update(Ticket)
        .where(Ticket.id.in_(ticket_ids))
        .values(
            answers={},
            phone=None,
            phone_hash=None,
            contact_method=None,
            resident_id=None,
            resident_unreachable=False,
            erased=True,
        )
    )
    # Any event may carry words staff or the resident typed (notes, reasons, messages).
    await session.execute(
        update(TicketEvent).where(TicketEvent.ticket_id.in_(ticket_ids)).values(data={})
    )
    await session.execute(
        update(TicketEvent)
        .where(TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.actor_type == "resident")
        .values(actor_id=None)
    )
    # Messages not delivered (waiting or failed) that carry the resident's words or ours.
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.ticket_id.in_(ticket_ids),
            OutboxMessage.status != "sent",
            OutboxMessage.kind.not_in(("ticket_card", "card_edit")),
        )
    )


async def delete_resident(session: AsyncSession, resident_id: int, chat_id: int) -> list[int]:
    """Erases a resident: their tickets' personal data, their messages waiting to be sent,
    their updates given up on, their draft and their row. Returns the ids of their tickets
    (kept, anonymous)."""
    ticket_ids = list(
        await session.scalars(select(Ticket.id).where(Ticket.resident_id == resident_id))
    )
    await scrub_tickets(session, ticket_ids)
    await session.execute(delete(OutboxMessage).where(OutboxMessage.chat_id == chat_id))
    # Updates given up on still hold what the resident wrote; ones still waiting are newer
    # than this request and are handled as usual.
    await session.execute(
        delete(InboxUpdate).where(InboxUpdate.chat_id == chat_id, InboxUpdate.failed.is_(True))
    )
    await session.execute(delete(Draft).where(Draft.resident_id == resident_id))
    await session.execute(delete(Resident).where(Resident.id == resident_id))
    return ticket_ids


async def resident_events(session: AsyncSession, ticket_ids: list[int]) -> list[EventDTO]:
    """The history of a resident's tickets, oldest first."""
    if not ticket_ids:
        return []
    rows = await session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id.in_(ticket_ids)).order_by(TicketEvent.id)
    )
    return [EventDTO.model_validate(r) for r in rows]


async def tickets_to_erase(
    session: AsyncSession, closed_before: datetime, volunteers_idle_before: datetime
) -> tuple[list[int], list[int]]:
    """Ids of tickets whose personal data retention has run out: closed ones, and volunteer
    registrations without activity."""
    closed = list(
        await session.scalars(
            select(Ticket.id).where(
                Ticket.erased.is_(False),
                or_(
                    and_(Ticket.status == TicketStatus.CLOSED, Ticket.closed_at < closed_before),
                    and_(
                        Ticket.status == TicketStatus.RESOLVED, Ticket.resolved_at < closed_before
                    ),
                ),
            )
        )
    )
    idle = await session.scalars(
        select(Ticket.id).where(
            Ticket.service == "volunteer_registration",
            Ticket.last_activity_at < volunteers_idle_before,
            Ticket.erased.is_(False),
        )
    )
    return closed, [ticket_id for ticket_id in idle if ticket_id not in set(closed)]


async def delete_idle_residents(session: AsyncSession, idle_before: datetime) -> int:
    """Deletes residents idle since a date who have no tickets and no draft left."""
    has_ticket = select(Ticket.id).where(Ticket.resident_id == Resident.id).exists()
    has_draft = select(Draft.id).where(Draft.resident_id == Resident.id).exists()
    result = await session.execute(
        delete(Resident).where(Resident.updated_at < idle_before, ~has_ticket, ~has_draft)
    )
    return result.rowcount or 0


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


async def last_digest_day(session: AsyncSession) -> date | None:
    """The last business day whose digest was claimed, if any."""
    return await session.scalar(select(func.max(DigestRun.day)))
