"""Tickets and their events: opening, changes, claims, staff lists and search, erasure."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.exc import NoResultFound
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from storage.crypto import keyring_of
from storage.dto import DTO, KEEP, Keep, changed_fields
from storage.models import (
    Attachment,
    OutboxMessage,
    Ticket,
    TicketEvent,
    TicketStatus,
    Volunteer,
    open_ticket_condition,
)
from storage.staff import STAFF, staff_names

# The tickets table. Tickets are read and created as rows with Core statements (an ORM object
# costs about as much again and is kept by the session); ORM objects only where a change goes
# through the session (update_ticket's status changes).
TICKETS = Ticket.__table__


class TicketLine(DTO):
    """What a line of a ticket list shows (no personal data to decrypt)."""

    id: int
    reference: str
    service: str
    status: str
    priority: str
    assignee_id: int | None
    created_at: datetime


class ListedTicket(TicketLine):
    """A ticket list's line with its assignee's display name."""

    assignee_name: str | None


class TicketDTO(TicketLine):
    """A ticket as the services see it."""

    resident_id: int | None
    district_key: str | None
    contact_method: str | None
    phone: str | None
    answers: dict[str, Any]
    locale: str
    source: str
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
    follow_up_on: date | None = None
    paused_bdays: int = 0
    waiting_since_bday: int | None = None
    household_id: int | None = None


class EventDTO(DTO):
    """One entry of a ticket's history."""

    id: int
    ticket_id: int
    kind: str
    actor_type: str
    actor_id: int | None
    data: dict[str, Any]
    created_at: datetime


# Every finished form runs these: built once.
_TICKET_WITH_REFERENCE = select(TICKETS.c.id).where(TICKETS.c.reference == bindparam("reference"))
# Staff look tickets up by reference all day (/ticket, replies, buttons).
_TICKET_BY_REFERENCE = select(TICKETS).where(TICKETS.c.reference == bindparam("reference"))
_CREATE_TICKET = insert(TICKETS).returning(*TICKETS.c)


async def reference_taken(session: AsyncSession, reference: str) -> bool:
    """Returns whether a ticket reference is already in use."""
    found = await session.scalar(_TICKET_WITH_REFERENCE, {"reference": reference})
    return found is not None


def phone_index(session: AsyncSession, phone: str | None) -> str | None:
    """The searchable hash of a phone number (keyed when the database is encrypted)."""
    if phone is None:
        return None
    keyring = keyring_of(session.get_bind().dialect)
    return keyring.blind_index(phone) if keyring else hashlib.sha256(phone.encode()).hexdigest()


async def create_ticket(
    session: AsyncSession,
    *,
    reference: str,
    resident_id: int | None,
    service: str,
    status: str,
    priority: str,
    district_key: str | None,
    contact_method: str | None,
    phone: str | None,
    answers: dict[str, Any],
    locale: str,
    source: str,
    assignee_id: int | None,
    entered_by_id: int | None,
    minor: bool,
    created_bday: int,
    now: datetime,
) -> TicketDTO:
    """Inserts a new ticket (reachable, not erased, active now) and returns it."""
    values = {
        "reference": reference,
        "resident_id": resident_id,
        "service": service,
        "status": status,
        "priority": priority,
        "district_key": district_key,
        "contact_method": contact_method,
        "phone": phone,
        "phone_hash": phone_index(session, phone),
        "answers": answers,
        "locale": locale,
        "source": source,
        "assignee_id": assignee_id,
        "entered_by_id": entered_by_id,
        "resident_unreachable": False,
        "erased": False,
        "minor": minor,
        "last_activity_at": now,
        "created_bday": created_bday,
        "created_at": now,
        "updated_at": now,
    }
    row = (await session.execute(_CREATE_TICKET, values)).one()
    return TicketDTO.model_validate(row)


async def get_ticket_by_reference(session: AsyncSession, reference: str) -> TicketDTO | None:
    """Returns the ticket with a reference, if any."""
    row = (await session.execute(_TICKET_BY_REFERENCE, {"reference": reference})).first()
    return TicketDTO.model_validate(row) if row else None


async def tickets_of_resident(session: AsyncSession, resident_id: int) -> list[TicketDTO]:
    """Returns a resident's tickets, oldest first."""
    rows = await session.execute(
        select(TICKETS).where(TICKETS.c.resident_id == resident_id).order_by(TICKETS.c.id)
    )
    return [TicketDTO.model_validate(r) for r in rows]


# Asked on every follow-up (how many words arrived lately), built once.
_COUNT_EVENTS_SINCE = (
    select(func.count())
    .select_from(TicketEvent)
    .where(
        TicketEvent.ticket_id == bindparam("ticket"),
        TicketEvent.kind == bindparam("kind"),
        TicketEvent.created_at >= bindparam("since"),
    )
)


async def count_events_since(
    session: AsyncSession, ticket_id: int, kind: str, since: datetime
) -> int:
    """How many events of a kind a ticket had since a moment."""
    count = await session.scalar(
        _COUNT_EVENTS_SINCE, {"ticket": ticket_id, "kind": kind, "since": since}
    )
    return int(count or 0)


# Histories grow on almost every update: their rows are written by one statement built once.
_ADD_EVENT = insert(TicketEvent.__table__)


async def add_ticket_event(
    session: AsyncSession,
    ticket_id: int,
    kind: str,
    actor_type: str,
    actor_id: int | None,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> None:
    """Appends an event to a ticket's history (one Core INSERT, no unit of work)."""
    await session.execute(
        _ADD_EVENT,
        {
            "ticket_id": ticket_id,
            "kind": kind,
            "actor_type": actor_type,
            "actor_id": actor_id,
            "data": data or {},
            "created_at": now,
        },
    )


async def get_ticket(session: AsyncSession, ticket_id: int) -> TicketDTO | None:
    """Returns a ticket by id."""
    row = await session.get(Ticket, ticket_id)
    return TicketDTO.model_validate(row) if row else None


@dataclass(frozen=True)
class TicketChange:
    """What to change about a ticket; fields left at KEEP stay as they are."""

    status: str | Keep = KEEP
    priority: str | Keep = KEEP
    assignee_id: int | None | Keep = KEEP
    referred_to: str | None | Keep = KEEP
    first_action_at: datetime | None | Keep = KEEP
    first_action_bday: int | None | Keep = KEEP
    resolved_at: datetime | None | Keep = KEEP
    resolved_bday: int | None | Keep = KEEP
    closed_at: datetime | None | Keep = KEEP
    follow_up_on: date | None | Keep = KEEP


# A change of nothing but the activity time (a resident's message, say).
NO_CHANGE = TicketChange()
# Such a change, built once: a resident's every message about a ticket runs it.
_TOUCH_TICKET = (
    update(TICKETS)
    .where(TICKETS.c.id == bindparam("ticket"))
    .values(updated_at=bindparam("now"), last_activity_at=bindparam("now"))
    .returning(*TICKETS.c)
)


async def update_ticket(
    session: AsyncSession,
    ticket_id: int,
    now: datetime,
    change: TicketChange = NO_CHANGE,
    bday: int | None = None,
) -> TicketDTO:
    """Applies a change to a ticket, marks the activity time and returns the ticket.

    `bday` is today's business-day ordinal: with it, a move into or out of "waiting on the
    resident" starts or ends a pause of the ticket's service target.
    """
    fields = changed_fields(change)
    if not fields:
        # Only the activity time: one UPDATE … RETURNING instead of a read and a write.
        touched = (await session.execute(_TOUCH_TICKET, {"ticket": ticket_id, "now": now})).first()
        if touched is None:
            raise NoResultFound(f"no ticket {ticket_id}")
        _touch_loaded_copy(session, ticket_id, now)
        return TicketDTO.model_validate(touched)
    # As the database has it now, even if an older copy is still in the session.
    row = await session.get_one(Ticket, ticket_id, populate_existing=True)
    was_waiting = row.status == TicketStatus.WAITING
    for name, value in fields.items():
        setattr(row, name, value)
    waiting = row.status == TicketStatus.WAITING
    if waiting and not was_waiting:
        row.waiting_since_bday = bday
    elif was_waiting and not waiting:
        if bday is not None and row.waiting_since_bday is not None:
            row.paused_bdays = (row.paused_bdays or 0) + max(0, bday - row.waiting_since_bday)
        row.waiting_since_bday = None
    row.updated_at = row.last_activity_at = now
    await session.flush()
    return TicketDTO.model_validate(row)


def _touch_loaded_copy(session: AsyncSession, ticket_id: int, now: datetime) -> None:
    """Gives a copy of the ticket the session holds (if any) the new activity time, as an
    ORM UPDATE would, so that a later read in this transaction sees it."""
    loaded = session.identity_map.get(identity_key(Ticket, ticket_id))
    if loaded is not None:
        set_committed_value(loaded, "updated_at", now)
        set_committed_value(loaded, "last_activity_at", now)


async def lock_unclosed_ticket(session: AsyncSession, ticket_id: int) -> TicketDTO | None:
    """Locks a ticket that is not closed for this transaction and returns it as it is now;
    None if it is closed (a transaction closing it at the same moment is waited for)."""
    row = (
        await session.execute(
            update(TICKETS)
            .where(TICKETS.c.id == ticket_id, TICKETS.c.status != TicketStatus.CLOSED)
            .values(updated_at=TICKETS.c.updated_at)
            .returning(*TICKETS.c)
        )
    ).first()
    return TicketDTO.model_validate(row) if row is not None else None


async def claim_ticket(session: AsyncSession, ticket_id: int, staff_id: int, now: datetime) -> bool:
    """Assigns an unassigned ticket; of two simultaneous claims exactly one succeeds."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.assignee_id.is_(None))
        .values(assignee_id=staff_id, updated_at=now, last_activity_at=now)
    )
    return (result.rowcount or 0) == 1


# Every message a resident types outside a form asks which requests it can be about (read as
# rows, not ORM objects: nothing is kept in the session for the touch above to correct).
_TICKETS_OF_RESIDENT = (
    select(TICKETS)
    .where(
        TICKETS.c.resident_id == bindparam("resident"),
        TICKETS.c.status.in_(bindparam("statuses", expanding=True)),
    )
    .order_by(TICKETS.c.id)
)


async def open_tickets_of_resident(
    session: AsyncSession, resident_id: int, open_statuses: tuple[str, ...]
) -> list[TicketDTO]:
    """Returns a resident's tickets that are still open, oldest first."""
    rows = await session.execute(
        _TICKETS_OF_RESIDENT, {"resident": resident_id, "statuses": list(open_statuses)}
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
    services: tuple[str, ...] = ()
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
    if query.services:
        conditions.append(Ticket.service.in_(query.services))
    if query.district_key:
        conditions.append(Ticket.district_key == query.district_key)
    if query.reference:
        conditions.append(Ticket.reference == query.reference)
    return conditions


# Answers are encrypted, so words are looked for among the newest tickets only, in Python.
WORD_SEARCH_WINDOW = 5000


# would cost more than the page itself.
COUNT_LIMIT = 1000


def count_limit(offset: int, limit: int) -> int:
    """How far a list's matches are counted: COUNT_LIMIT, or further for a later page."""
    return max(COUNT_LIMIT, offset + limit)


# A list's lines read only their own columns (no answers or phone numbers to decrypt) and
# the assignee's name.
_LINE_COLUMNS = [
    *(TICKETS.c[name] for name in TicketLine.model_fields),
    select(STAFF.c.display_name)
    .where(STAFF.c.id == TICKETS.c.assignee_id)
    .scalar_subquery()
    .label("assignee_name"),
]


async def ticket_page(
    session: AsyncSession,
    query: TicketQuery,
    offset: int,
    limit: int,
) -> tuple[list[ListedTicket], int]:
    """Returns one page of matching tickets' lines, oldest first, and how many match — counted
    up to count_limit(offset, limit), one more meaning "more than that"."""
    conditions = _conditions(query)
    if query.phone:
        conditions.append(Ticket.phone_hash == phone_index(session, query.phone))
    if query.words:
        return await _word_page(session, conditions, query.words, offset, limit)
    matches = select(Ticket.id).where(*conditions).limit(count_limit(offset, limit) + 1)
    counted = select(func.count()).select_from(matches.subquery())
    # The page and the count in one query; a page past the end has no row to carry it.
    rows = (
        await session.execute(
            select(*_LINE_COLUMNS, counted.scalar_subquery().label("matching"))
            .where(*conditions)
            .order_by(TICKETS.c.created_at, TICKETS.c.id)
            .offset(offset)
            .limit(limit)
        )
    ).all()
    total = rows[0].matching if rows else await session.scalar(counted)
    return [ListedTicket.model_validate(r) for r in rows], int(total or 0)


def assignee_names(lines: list[ListedTicket]) -> dict[int, str]:
    """The display names of a list's assignees, by staff row id."""
    return {line.assignee_id: line.assignee_name for line in lines if line.assignee_name}


async def _word_page(
    session: AsyncSession, conditions: list[Any], words: tuple[str, ...], offset: int, limit: int
) -> tuple[list[ListedTicket], int]:
    """Tickets among the newest whose answers contain every word (case-insensitive)."""
    rows = await session.execute(
        select(TICKETS)
        .where(*conditions)
        .order_by(TICKETS.c.created_at.desc(), TICKETS.c.id.desc())
        .limit(WORD_SEARCH_WINDOW)
    )
    wanted = [w.casefold() for w in words]
    found = [
        TicketDTO.model_validate(row)
        for row in rows
        if all(w in json.dumps(row.answers, ensure_ascii=False).casefold() for w in wanted)
    ]
    found.reverse()
    page = found[offset : offset + limit]
    names = await staff_names(session) if any(t.assignee_id for t in page) else {}
    listed = [
        ListedTicket(
            **ticket.model_dump(include=set(TicketLine.model_fields)),
            assignee_name=names.get(ticket.assignee_id),
        )
        for ticket in page
    ]
    return listed, len(found)


async def references_of(session: AsyncSession, ticket_ids: set[int]) -> dict[int, str]:
    """Ticket references by id."""
    if not ticket_ids:
        return {}
    rows = await session.execute(
        select(Ticket.id, Ticket.reference).where(Ticket.id.in_(ticket_ids))
    )
    return {ticket_id: reference for ticket_id, reference in rows.all()}


async def tickets_created_between(
    session: AsyncSession, start: datetime, end: datetime, limit: int | None = None
) -> list[TicketDTO]:
    """Returns tickets created in [start, end), oldest first (at most `limit`)."""
    rows = await session.execute(
        select(TICKETS)
        .where(TICKETS.c.created_at >= start, TICKETS.c.created_at < end)
        .order_by(TICKETS.c.created_at, TICKETS.c.id)
        .limit(limit)
    )
    return [TicketDTO.model_validate(r) for r in rows]


async def answers_between(
    session: AsyncSession, start: datetime, end: datetime, services: tuple[str, ...]
) -> list[tuple[str, dict[str, Any]]]:
    """(service, answers) of the tickets of some services created in [start, end): only the
    column the figures need is read and decrypted."""
    rows = await session.execute(
        select(Ticket.service, Ticket.answers).where(
            Ticket.created_at >= start, Ticket.created_at < end, Ticket.service.in_(services)
        )
    )
    return [(service, answers or {}) for service, answers in rows.all()]


# /ticket shows a history every time: read as rows with a statement built once.
_HISTORY = (
    select(TicketEvent.__table__)
    .where(TicketEvent.ticket_id == bindparam("ticket"))
    .order_by(TicketEvent.id)
)


async def ticket_events(session: AsyncSession, ticket_id: int) -> list[EventDTO]:
    """Returns a ticket's history, oldest first."""
    rows = await session.execute(_HISTORY, {"ticket": ticket_id})
    return [EventDTO.model_validate(r) for r in rows]


async def recent_ticket_events(session: AsyncSession, limit: int) -> list[EventDTO]:
    """Returns the newest events across all tickets."""
    rows = await session.scalars(select(TicketEvent).order_by(TicketEvent.id.desc()).limit(limit))
    return [EventDTO.model_validate(r) for r in rows]


async def set_card_message_id(session: AsyncSession, ticket_id: int, message_id: int) -> None:
    """Remembers which staff-chat message is a ticket's card."""
    await session.execute(
        update(Ticket).where(Ticket.id == ticket_id).values(card_message_id=message_id)
    )


async def scrub_tickets(session: AsyncSession, ticket_ids: list[int]) -> None:
    """Removes the personal data of tickets, keeping what anonymous counts need.

    Kept: service, district, status, priority, dates and business days, partner. Removed:
    answers, phone, contact method, the link to the resident and to their household, texts
    in the history, and the resident's Telegram id as an actor.
    """
    if not ticket_ids:
        return
    # Who lived with whom is the resident's too: an erased request leaves its household.
    in_households = await session.scalars(
        select(Ticket.id).where(Ticket.id.in_(ticket_ids), Ticket.household_id.is_not(None))
    )
    for ticket_id in list(in_households):
        await unlink_household(session, ticket_id)
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
    # Files the resident sent (letters, bills) are theirs too.
    await session.execute(delete(Attachment).where(Attachment.ticket_id.in_(ticket_ids)))
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
    registrations without activity (a registration behind a registry record is kept with it)."""
    in_registry = select(Volunteer.id).where(Volunteer.ticket_id == Ticket.id).exists()
    closed = list(
        await session.scalars(
            select(Ticket.id).where(
                Ticket.erased.is_(False),
                ~in_registry,
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
            ~in_registry,
        )
    )
    return closed, [ticket_id for ticket_id in idle if ticket_id not in set(closed)]


async def follow_ups_due(session: AsyncSession, day: date) -> list[tuple[str, int | None]]:
    """(reference, assignee id) of open tickets whose follow-up date has come, earliest first."""
    rows = await session.execute(
        select(Ticket.reference, Ticket.assignee_id)
        .where(
            Ticket.follow_up_on.is_not(None),
            Ticket.follow_up_on <= day,
            open_ticket_condition(),
        )
        .order_by(Ticket.follow_up_on, Ticket.id)
    )
    return [(reference, assignee) for reference, assignee in rows]


async def link_household(session: AsyncSession, ticket_ids: list[int]) -> int:
    """Puts tickets (and the households they are already in) into one household; returns its
    id, the lowest ticket id among them."""
    rows = await session.execute(
        select(Ticket.id, Ticket.household_id).where(Ticket.id.in_(ticket_ids))
    )
    households = {household for _, household in rows.all() if household is not None}
    members = set(ticket_ids)
    if households:
        members |= set(
            await session.scalars(select(Ticket.id).where(Ticket.household_id.in_(households)))
        )
    household = min(members | households)
    await session.execute(
        update(Ticket).where(Ticket.id.in_(members)).values(household_id=household)
    )
    return household


async def unlink_household(session: AsyncSession, ticket_id: int) -> None:
    """Takes a ticket out of its household; if the household was named after it, the others
    take the id of the lowest ticket left (a household's id is always one of its tickets')."""
    household = await session.scalar(select(Ticket.household_id).where(Ticket.id == ticket_id))
    await session.execute(update(Ticket).where(Ticket.id == ticket_id).values(household_id=None))
    if household != ticket_id:
        return
    left = await session.scalar(select(func.min(Ticket.id)).where(Ticket.household_id == household))
    if left is not None:
        await session.execute(
            update(Ticket).where(Ticket.household_id == household).values(household_id=left)
        )


async def household_of(session: AsyncSession, ticket: TicketDTO) -> list[TicketDTO]:
    """The other tickets of a ticket's household (none when it is in none)."""
    if ticket.household_id is None:
        return []
    rows = await session.execute(
        select(TICKETS).where(
            TICKETS.c.household_id == ticket.household_id, TICKETS.c.id != ticket.id
        )
    )
    return [TicketDTO.model_validate(row) for row in rows]


async def move_events(session: AsyncSession, event_ids: list[int], ticket_id: int) -> None:
    """Moves history entries (a resident's misfiled message) to another ticket."""
    await session.execute(
        update(TicketEvent).where(TicketEvent.id.in_(event_ids)).values(ticket_id=ticket_id)
    )
