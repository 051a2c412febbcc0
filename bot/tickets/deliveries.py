"""What happens around outbox deliveries of ticket messages: cards rendered at send time,
cards edited in place, relays threaded under the card, and the outcome recorded."""

from __future__ import annotations

import asyncio
from datetime import date
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, STAFF_LOCALE
from bot.outbox.queue import enqueue, enqueue_unless_waiting, is_last_part, markup_json
from bot.outbox.relay import Prepared
from bot.screens import Screen
from bot.services import Services
from bot.staff.cards import mention, render_card
from storage.outbox import OutboxDTO
from storage.residents import set_resident_reachable
from storage.staff import get_staff, get_staff_by_user
from storage.tickets import add_ticket_event, get_ticket, set_card_message_id

# Rows that go to a resident: a 403 means they blocked the bot.
TO_RESIDENT = ("receipt", "staff_reply", "resident_notice")
DELIVERED = N_("✓ Delivered to the resident ({reference}).")
NOT_DELIVERED = N_("✗ Not delivered to the resident ({reference}): {reason}")
BLOCKED = N_("they have blocked the bot")
PRIVATE_CHAT_CLOSED = N_(
    "(I could not tell you privately: open a chat with me and press Start, or choose "
    "/notify グループ.)"
)
TELEGRAM_REFUSED = N_("Telegram refused the message")


class TicketDeliveryHooks:
    """Delivery hooks for ticket cards, relays and notices."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def prepare(self, session: AsyncSession, message: OutboxDTO) -> Prepared | None:
        """Renders cards from the ticket's current state and threads relays under the card."""
        ticket = await get_ticket(session, message.ticket_id) if message.ticket_id else None
        if message.kind in ("ticket_card", "card_edit"):
            if ticket is None:
                return None
            if message.kind == "card_edit" and ticket.card_message_id is None:
                # The card itself is not out yet; when it goes it will show the current state.
                return None
            card = await render_card(session, self._services, ticket)
            return Prepared(
                card.text,
                markup_json(card),
                edit_message_id=ticket.card_message_id if message.kind == "card_edit" else None,
            )
        if message.kind == "delete_message":
            return Prepared("", delete_message_id=message.meta["message_id"])
        if message.kind == "weekly_chart":
            return await self._weekly_chart(session, message)
        reply_to = message.meta.get("reply_to_message_id")
        if message.meta.get("reply_to_card") and ticket is not None:
            reply_to = ticket.card_message_id
        text = message.text
        if message.kind == "resident_message" and ticket is not None and ticket.assignee_id:
            # The assignee is named, so Telegram tells them their resident wrote (unless they
            # asked to be told privately: see followups.relay_to_staff).
            assignee = await get_staff(session, ticket.assignee_id)
            if assignee is not None and not assignee.notify_privately:
                text = f"→ {mention(assignee)}\n{text}"
        return Prepared(
            text,
            message.reply_markup,
            reply_to_message_id=reply_to,
            force_reply=bool(message.meta.get("force_reply")),
        )

    async def _weekly_chart(self, session: AsyncSession, message: OutboxDTO) -> Prepared:
        """Draws the 12-week intake chart when it is sent (the row only names the last day)."""
        from bot.numbers.figures import weekly_intake
        from bot.numbers.reports import CHART_TITLE, weekly_chart_png

        t = self._services.catalogs.translator_for(STAFF_LOCALE)
        last_day = date.fromisoformat(message.meta["last_day"])
        weeks = await weekly_intake(session, self._services, last_day)
        chart = await asyncio.to_thread(weekly_chart_png, weeks, t)  # off the event loop
        return Prepared(escape(t.gettext(CHART_TITLE)), photo=chart)

    async def delivered(
        self, session: AsyncSession, message: OutboxDTO, telegram_message_id: int | None
    ) -> None:
        """Remembers where the card is; tells staff their reply reached the resident."""
        now = self._services.clock()
        if message.kind == "ticket_card" and message.ticket_id and telegram_message_id:
            await set_card_message_id(session, message.ticket_id, telegram_message_id)
        elif message.kind == "staff_reply" and message.ticket_id and is_last_part(message):
            ticket = await get_ticket(session, message.ticket_id)
            await add_ticket_event(
                session, message.ticket_id, "reply_delivered", "system", None, now
            )
            await self._tell_staff(session, message, DELIVERED, ticket.reference)

    async def failed(
        self, session: AsyncSession, message: OutboxDTO, error: str, forbidden: bool
    ) -> None:
        """Records a resident who blocked the bot and tells staff what did not arrive; a
        private notice a staff member cannot be sent goes to the staff group instead."""
        if message.kind == "staff_notice":
            await self._notice_in_group(session, message)
            return
        if message.kind not in TO_RESIDENT or not message.ticket_id or not is_last_part(message):
            return
        now = self._services.clock()
        ticket = await get_ticket(session, message.ticket_id)
        await add_ticket_event(
            session,
            ticket.id,
            "delivery_failed",
            "system",
            None,
            now,
            {"kind": message.kind, "forbidden": forbidden},
        )
        if forbidden and ticket.resident_id is not None:
            for ticket_id in await set_resident_reachable(session, ticket.resident_id, False):
                await queue_card_refresh(session, self._services, ticket_id)
        if message.kind == "staff_reply":
            reason = BLOCKED if forbidden else TELEGRAM_REFUSED
            t = self._services.catalogs.translator_for(STAFF_LOCALE)
            await self._tell_staff(
                session, message, NOT_DELIVERED, ticket.reference, reason=t.gettext(reason)
            )

    async def _notice_in_group(self, session: AsyncSession, message: OutboxDTO) -> None:
        """Mentions a staff member in the group with a notice their private chat refused
        (they never pressed Start there, or blocked the bot — or Telegram refused it): a notice
        is never just lost."""
        chat = self._services.settings.staff_chat_id
        staff = await get_staff_by_user(session, message.chat_id)
        if chat is None or staff is None or not staff.active:
            return
        t = self._services.catalogs.translator_for(STAFF_LOCALE)
        text = f"→ {mention(staff)}\n{message.text}\n{escape(t.gettext(PRIVATE_CHAT_CLOSED))}"
        await enqueue(
            session,
            chat,
            "staff_notice_in_group",
            Screen(text),
            self._services.clock(),
            message.ticket_id,
            meta={"reply_to_card": True} if message.ticket_id else None,
        )

    async def _tell_staff(
        self, session: AsyncSession, message: OutboxDTO, text: str, reference: str, **params: str
    ) -> None:
        """Answers the staff member who sent a reply, under their own message."""
        chat_id = message.meta.get("notify_chat_id")
        if chat_id is None:
            return
        t = self._services.catalogs.translator_for(STAFF_LOCALE)
        notice = t.gettext(text).format(reference=escape(reference), **params)
        await enqueue(
            session,
            chat_id,
            "delivery_notice",
            Screen(notice),
            self._services.clock(),
            message.ticket_id,
            meta={"reply_to_message_id": message.meta.get("notify_message_id")},
        )


async def queue_card_refresh(session: AsyncSession, services: Services, ticket_id: int) -> None:
    """Queues an in-place update of a ticket's card in the staff chat, unless one is waiting
    already: the card is drawn when it is sent, so that one will show this change too."""
    chat = services.settings.staff_chat_id
    if chat is not None:
        await enqueue_unless_waiting(session, chat, "card_edit", "…", services.clock(), ticket_id)
