"""Residents and their drafts: first contact, screen and consent, the unfinished intake, erasure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, exists, insert, select, update
from sqlalchemy.exc import NoResultFound
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dto import DTO, KEEP, Keep, changed_fields
from storage.line import channel_of, forget_line_user
from storage.models import (
    Draft,
    InboxUpdate,
    OutboxMessage,
    Resident,
    Ticket,
    Volunteer,
)
from storage.tickets import scrub_tickets

# Drafts are read and written with Core statements only (never as ORM objects), built once:
# every step of a form reads and writes one. A draft is changed by one UPDATE … RETURNING.
DRAFTS = Draft.__table__
_DRAFT_OF = select(DRAFTS).where(DRAFTS.c.resident_id == bindparam("owner"))
_REPLACE_DRAFT = (
    update(DRAFTS)
    .where(DRAFTS.c.resident_id == bindparam("owner"))
    .values(
        form_key=bindparam("new_form_key"),
        state=bindparam("new_state"),
        updated_at=bindparam("now"),
    )
    .returning(*DRAFTS.c)
)
_DELETE_DRAFT = delete(DRAFTS).where(DRAFTS.c.resident_id == bindparam("owner"))
_CREATE_DRAFT = (
    insert(DRAFTS)
    .values(
        resident_id=bindparam("owner"),
        form_key=bindparam("new_form_key"),
        state=bindparam("new_state"),
        created_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
    .returning(*DRAFTS.c)
)

# Residents are read and written with Core statements too (every update of a resident reads
# one, most steps change one); only staff-side reads load them as ORM objects (get_resident).
RESIDENTS = Resident.__table__
# Whether a resident has a ticket whose messages could not be delivered (they blocked the bot).
_MARKED_UNREACHABLE = (
    exists()
    .where(Ticket.resident_id == RESIDENTS.c.id, Ticket.resident_unreachable.is_(True))
    .label("marked_unreachable")
)
# The draft's columns are named draft_<column> beside the resident's.
_DRAFT_PREFIX = "draft_"
_RESIDENT_AND_DRAFT = (
    select(
        *RESIDENTS.c,
        *(column.label(_DRAFT_PREFIX + column.name) for column in DRAFTS.c),
        _MARKED_UNREACHABLE,
    )
    .select_from(RESIDENTS.outerjoin(DRAFTS, DRAFTS.c.resident_id == RESIDENTS.c.id))
    .where(RESIDENTS.c.telegram_user_id == bindparam("user"))
)
# The columns to SET are the parameters' names (each set of names is compiled once).
_CHANGE_RESIDENT = (
    update(RESIDENTS).where(RESIDENTS.c.id == bindparam("resident")).returning(*RESIDENTS.c)
)
_CREATE_RESIDENT = insert(RESIDENTS).returning(*RESIDENTS.c)


class ResidentDTO(DTO):
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
    updated_at: datetime


class DraftDTO(DTO):
    """An unfinished intake."""

    id: int
    resident_id: int
    form_key: str
    state: dict[str, Any]
    created_at: datetime
    updated_at: datetime


async def get_or_create_resident(
    session: AsyncSession,
    telegram_user_id: int,
    chat_id: int,
    language_code: str | None,
    now: datetime,
) -> ResidentDTO:
    """Returns the resident for a Telegram user, creating the row on first contact."""
    resident, _draft, _unreachable = await resident_and_draft(
        session, telegram_user_id, chat_id, language_code, now
    )
    return resident


async def resident_and_draft(
    session: AsyncSession,
    telegram_user_id: int,
    chat_id: int,
    language_code: str | None,
    now: datetime,
) -> tuple[ResidentDTO, DraftDTO | None, bool]:
    """The resident for a Telegram user (created on first contact), their unfinished intake
    and whether any of their tickets is marked unreachable, read in one query."""
    found = (await session.execute(_RESIDENT_AND_DRAFT, {"user": telegram_user_id})).first()
    if found is None:
        created = await session.execute(
            _CREATE_RESIDENT,
            {
                "telegram_user_id": telegram_user_id,
                "chat_id": chat_id,
                "language_code": language_code,
                "channel": channel_of(chat_id),
                "screen": "menu",
                "drafts_started": 0,
                "created_at": now,
                "updated_at": now,
            },
        )
        return ResidentDTO.model_validate(created.one()), None, False
    columns = found._mapping
    resident = ResidentDTO.model_validate(found)
    if resident.chat_id != chat_id or resident.language_code != language_code:
        moved = {"chat_id": chat_id, "language_code": language_code, "updated_at": now}
        changed = await session.execute(_CHANGE_RESIDENT, {**moved, "resident": resident.id})
        resident = ResidentDTO.model_validate(changed.one())
    draft = None
    if columns[_DRAFT_PREFIX + "id"] is not None:
        draft = DraftDTO.model_validate(
            {name: columns[_DRAFT_PREFIX + name] for name in DraftDTO.model_fields}
        )
    return resident, draft, bool(found.marked_unreachable)


async def get_resident(session: AsyncSession, resident_id: int) -> ResidentDTO | None:
    """Returns a resident by row id."""
    row = await session.get(Resident, resident_id)
    return ResidentDTO.model_validate(row) if row else None


@dataclass(frozen=True)
class ResidentChange:
    """What to change about a resident; fields left at KEEP stay as they are."""

    screen: str | Keep = KEEP
    locale: str | None | Keep = KEEP
    pending_service: str | None | Keep = KEEP
    pending_message: str | None | Keep = KEEP
    drafts_started: int | Keep = KEEP
    consent_version: str | None | Keep = KEEP
    consent_at: datetime | None | Keep = KEEP


def changes_nothing(resident: ResidentDTO, change: ResidentChange) -> bool:
    """Whether every field a change sets already has that value."""
    return all(getattr(resident, name) == value for name, value in changed_fields(change).items())


async def update_resident(
    session: AsyncSession, resident_id: int, now: datetime, change: ResidentChange
) -> ResidentDTO:
    """Applies a change to a resident and returns the new values (one UPDATE … RETURNING)."""
    values = {**changed_fields(change), "updated_at": now, "resident": resident_id}
    row = (await session.execute(_CHANGE_RESIDENT, values)).first()
    if row is None:
        raise NoResultFound(f"no resident {resident_id}")
    return ResidentDTO.model_validate(row)


async def get_draft(session: AsyncSession, resident_id: int) -> DraftDTO | None:
    """Returns a resident's unfinished intake, if any."""
    row = (await session.execute(_DRAFT_OF, {"owner": resident_id})).first()
    return DraftDTO.model_validate(row) if row else None


async def save_draft(
    session: AsyncSession, resident_id: int, form_key: str, state: dict[str, Any], now: datetime
) -> DraftDTO:
    """Creates or replaces a resident's draft and returns it."""
    # Bind parameters may not share a name with the columns they set.
    values = {"owner": resident_id, "new_form_key": form_key, "new_state": state, "now": now}
    row = (await session.execute(_REPLACE_DRAFT, values)).first()
    if row is None:
        row = (await session.execute(_CREATE_DRAFT, values)).one()
    return DraftDTO.model_validate(row)


async def delete_draft(session: AsyncSession, resident_id: int) -> bool:
    """Removes a resident's draft; returns whether there was one."""
    result = await session.execute(_DELETE_DRAFT, {"owner": resident_id})
    return (result.rowcount or 0) > 0


async def delete_drafts_older_than(session: AsyncSession, cutoff: datetime) -> int:
    """Removes drafts untouched since the cutoff and returns how many."""
    result = await session.execute(delete(Draft).where(Draft.updated_at < cutoff))
    return result.rowcount or 0


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


async def delete_resident(session: AsyncSession, resident_id: int, chat_id: int) -> list[int]:
    """Erases a resident: their tickets' personal data, their messages waiting to be sent,
    their updates given up on, their draft and their row. Returns the ids of their tickets
    (kept, anonymous)."""
    ticket_ids = list(
        await session.scalars(select(Ticket.id).where(Ticket.resident_id == resident_id))
    )
    await scrub_tickets(session, ticket_ids)
    await session.execute(delete(OutboxMessage).where(OutboxMessage.chat_id == chat_id))
    # Crisis alerts about them with no request to hang on (not sent, or given up on) still
    # hold their words.
    # So do a volunteer's contact details waiting for the staff member who asked them.
    about_them = await session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.kind.in_(("crisis_alert", "volunteer_contact")),
            OutboxMessage.status != "sent",
        )
    )
    for message in about_them:
        if message.meta.get("resident_id") == resident_id:
            await session.delete(message)
    # Updates given up on still hold what the resident wrote; ones still waiting are newer
    # than this request and are handled as usual.
    await session.execute(
        delete(InboxUpdate).where(InboxUpdate.chat_id == chat_id, InboxUpdate.failed.is_(True))
    )
    await session.execute(delete(Draft).where(Draft.resident_id == resident_id))
    await session.execute(delete(Resident).where(Resident.id == resident_id))
    await forget_line_user(session, chat_id)
    return ticket_ids


async def delete_idle_residents(session: AsyncSession, idle_before: datetime) -> int:
    """Deletes residents idle since a date who have no tickets, no draft and no volunteer
    registration left."""
    has_ticket = select(Ticket.id).where(Ticket.resident_id == Resident.id).exists()
    has_draft = select(Draft.id).where(Draft.resident_id == Resident.id).exists()
    volunteers = select(Volunteer.id).where(Volunteer.resident_id == Resident.id).exists()
    result = await session.execute(
        delete(Resident).where(
            Resident.updated_at < idle_before, ~has_ticket, ~has_draft, ~volunteers
        )
    )
    return result.rowcount or 0
