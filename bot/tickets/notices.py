"""Telling one staff member about their own ticket in their private chat with the bot (for
those who chose /notify 個別 over a mention in the staff group)."""

from __future__ import annotations

from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from bot.forms.definitions import FORMS
from bot.i18n import N_, STAFF_LOCALE
from bot.outbox.queue import enqueue
from bot.screens import Screen
from bot.services import Services
from storage.staff import StaffDTO
from storage.tickets import TicketDTO

RESIDENT_WROTE = N_(
    "✉ The resident of {reference} ({service}) wrote again: their words are under the card in "
    "the staff group (/ticket {reference} shows everything)."
)

FOLLOW_UP_DUE = N_("⏰ Today is the follow-up day you set for {reference} ({service}).")


async def tell_privately(
    session: AsyncSession, services: Services, staff: StaffDTO, ticket: TicketDTO, message: str
) -> None:
    """Queues a short notice about a ticket to a staff member's private chat (no answers)."""
    t = services.catalogs.translator_for(STAFF_LOCALE)
    text = t.gettext(message).format(
        reference=escape(ticket.reference),
        service=escape(t.gettext(FORMS[ticket.service].title)),
    )
    await enqueue(
        session,
        staff.telegram_user_id,
        "staff_notice",
        Screen(text),
        services.clock(),
        ticket.id,
    )
