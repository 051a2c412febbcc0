"""Helpers for staff tests: tickets made by residents, cards, staff members."""

from __future__ import annotations

from bot.channels.telegram.local_api import StoredMessage
from storage.tickets import EventDTO, TicketDTO, get_ticket, ticket_events
from tests.fakes import Harness, UserClient
from tests.scripts import FORM_SCRIPTS, begin_form, play

ADMIN_ID = 900001


async def resident_request(
    harness: Harness, user_id: int = 5001, form: str = "food", language: str = "en"
) -> tuple[UserClient, TicketDTO]:
    """A resident sends a complete request; the outbox delivers card and receipt."""
    t = harness.catalogs.translator_for(language)
    resident = harness.resident(user_id, language=language)
    title, steps, _ = FORM_SCRIPTS[form]
    await begin_form(harness, resident, t, title)
    await play(harness, resident, t, steps)
    await resident.click(t.gettext("Send"))
    await harness.relay()
    ticket = (await harness.tickets())[-1]
    return resident, ticket


async def ticket(harness: Harness, ticket_id: int) -> TicketDTO:
    """A ticket as stored now."""
    async with harness.db() as session:
        return await get_ticket(session, ticket_id)


def card_of(harness: Harness, ticket: TicketDTO) -> StoredMessage:
    """The card message of a ticket in the staff chat."""
    assert ticket.card_message_id is not None
    return harness.api.messages[(harness.settings.staff_chat_id, ticket.card_message_id)]


async def add_staff(harness: Harness, user_id: int, name: str, districts: str = "") -> UserClient:
    """The admin adds a staff member; returns them, in the staff group."""
    admin = harness.staff(ADMIN_ID, "Admin")
    await admin.send(f"/staff add {user_id} {name} {districts}".strip())
    return harness.staff(user_id, name)


async def events(harness: Harness, ticket_id: int) -> list[EventDTO]:
    """A ticket's history."""
    async with harness.db() as session:
        return await ticket_events(session, ticket_id)
