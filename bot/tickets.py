"""Ticket rules: turning a finished intake into a ticket, its first event and its staff card."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.cards import ticket_card
from bot.context import Services
from bot.forms.definitions import UNKNOWN_DISTRICT
from bot.forms.engine import DraftState, FormContext
from bot.forms.model import Form
from bot.i18n import STAFF_LOCALE
from bot.reference import new_reference
from storage import repositories as repo
from storage.repositories import ResidentDTO, TicketDTO

MAX_REFERENCE_TRIES = 20


async def unused_reference(session: AsyncSession) -> str:
    """Returns a fresh reference that no ticket uses yet."""
    for _ in range(MAX_REFERENCE_TRIES):
        reference = new_reference()
        if not await repo.reference_taken(session, reference):
            return reference
    raise RuntimeError("could not find an unused ticket reference")


async def open_ticket(
    session: AsyncSession, services: Services, resident: ResidentDTO, form: Form,
    state: DraftState, locale: str,
) -> TicketDTO | None:
    """Stores a ticket from a submitted draft and queues its card for the staff chat.

    Returns None when the draft was already submitted by a concurrent update.
    """
    now = services.clock()
    # Deleting the draft first makes a concurrent second submission find nothing to delete.
    if not await repo.delete_draft(session, resident.id):
        return None
    answers = {k: v for k, v in state.answers.items()}
    district = answers.get("district")
    ticket = await repo.create_ticket(
        session,
        reference=await unused_reference(session),
        resident_id=resident.id,
        service=form.key,
        status="new",
        priority=form.priority(answers),
        district_key=district if district not in (None, UNKNOWN_DISTRICT) else None,
        contact_method=answers.get("contact_method"),
        phone=answers.get("phone"),
        answers=answers,
        locale=locale,
        source="resident",
        created_at=now,
        updated_at=now,
    )
    await repo.add_ticket_event(
        session, ticket.id, "created", "resident", resident.telegram_user_id, now,
        {"service": form.key, "priority": ticket.priority},
    )
    if services.settings.staff_chat_id is not None:
        staff_ctx = FormContext(
            services.catalogs.translator_for(STAFF_LOCALE),
            services.dynamic_choices(STAFF_LOCALE),
        )
        card = ticket_card(ticket, form, staff_ctx, services.profile, services.settings.tz)
        await outbox.enqueue(
            session, services.settings.staff_chat_id, "ticket_card", card, now, ticket.id
        )
    return ticket
