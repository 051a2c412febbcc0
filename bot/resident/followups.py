"""Messages from a resident about an open ticket: stored as an event and relayed to staff."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession

from bot import callbacks
from bot.forms.model import Form
from bot.i18n import N_, STAFF_LOCALE, resident_locale
from bot.outbox.queue import enqueue, enqueue_joined
from bot.safety import Hit
from bot.screens import Button, Screen
from bot.services import Services
from bot.tickets.deliveries import queue_card_refresh
from bot.tickets.notices import RESIDENT_WROTE, tell_privately
from storage.line import channel_of
from storage.models import TicketStatus
from storage.residents import ResidentDTO
from storage.staff import get_staff
from storage.tickets import (
    TicketChange,
    TicketDTO,
    add_ticket_event,
    count_events_since,
    update_ticket,
)

FROM_RESIDENT = N_("✉ {reference} – message from the resident (reply to this message to answer):")
CRISIS_TICKETS = N_(
    "⚠ URGENT – words suggesting danger to life or safety about {references}. The resident "
    "was shown the emergency lines. Please contact them now."
)
CRISIS_DRAFT = N_(
    '⚠ URGENT – a resident filling in "{service}" wrote words suggesting danger to life or '
    "safety. They were shown the emergency lines; their request is not sent yet ({who})."
)
CRISIS_NO_TICKET = N_(
    "⚠ URGENT – a resident with no open request wrote words suggesting danger to life or "
    "safety. They were shown the emergency lines ({who})."
)
TELEGRAM_USER = N_("Telegram user {user_id}")
LINE_USER = N_("on LINE: answer by opening a case")
THEIR_WORDS = N_("Their words:")
# Relays of one ticket's messages shown in full within a minute; past that, one line each.
FLOOD_RELAYS = 20
FLOOD_WINDOW_SECONDS = 60
MORE_WORDS = N_("(+1 message of {length} characters: /ticket {reference} shows it)")
FLOOD_NOTICE = N_(
    "We have received your messages. Staff will read every one of them; there is no need to "
    "send them again."
)
KIND_OF_DANGER = N_("Kind: {category} (words that suggested it: {words})")
OUT_OF_HOURS = N_(
    "Sent out of office hours: the resident was told nobody reads messages until staff are in, "
    "and to call the lines now."
)
CATEGORY_LABELS = {
    "suicide": N_("suicide or self-harm"),
    "violence": N_("violence or abuse"),
    "medical": N_("medical emergency"),
    "fire": N_("fire, gas or disaster"),
    "confined": N_("being confined"),
    "no_food_shelter": N_("no food or shelter now"),
}


async def add_resident_message(
    session: AsyncSession,
    services: Services,
    resident: ResidentDTO,
    ticket: TicketDTO,
    text: str,
) -> None:
    """Adds what the resident wrote to their ticket and shows it under the ticket's card.

    A message about a resolved request opens it again: the resident still needs help; an
    answer to a request waiting for them puts it back in progress.
    """
    now = services.clock()
    if ticket.status == TicketStatus.RESOLVED:
        status = TicketStatus.IN_PROGRESS if ticket.assignee_id else TicketStatus.NEW
        await update_ticket(
            session,
            ticket.id,
            now,
            TicketChange(status=status, resolved_at=None, resolved_bday=None),
        )
        await add_ticket_event(
            session,
            ticket.id,
            "reopened",
            "resident",
            resident.telegram_user_id,
            now,
            {"from": "resolved"},
        )
    elif ticket.status == TicketStatus.WAITING:
        # The answer staff were waiting for: the ticket needs them again.
        await update_ticket(
            session,
            ticket.id,
            now,
            TicketChange(status=TicketStatus.IN_PROGRESS),
            services.calendar.ordinal_at(now),
        )
        await add_ticket_event(
            session,
            ticket.id,
            "status",
            "resident",
            resident.telegram_user_id,
            now,
            {"from": TicketStatus.WAITING, "to": TicketStatus.IN_PROGRESS},
        )
    else:
        await update_ticket(session, ticket.id, now)
    relays: list[int] = []
    if services.settings.staff_chat_id is not None:
        relays = await _relay_to_staff(session, services, resident, ticket, text, now)
    # Which group messages carry these words, so staff can /move them by replying to one.
    await add_ticket_event(
        session,
        ticket.id,
        "resident_message",
        "resident",
        resident.telegram_user_id,
        now,
        {"text": text} | ({"relays": relays} if relays else {}),
    )


async def _relay_to_staff(
    session: AsyncSession,
    services: Services,
    resident: ResidentDTO,
    ticket: TicketDTO,
    text: str,
    now: datetime,
) -> list[int]:
    """Shows a resident's words under their card (a line per message past a flood) and tells
    an assignee who asked to be told privately; returns the group messages that carry them."""
    t = services.catalogs.translator_for(STAFF_LOCALE)
    header = t.gettext(FROM_RESIDENT).format(reference=escape(ticket.reference))
    # This message included (its history entry is written after the relay it joins).
    recent = 1 + await count_events_since(
        session, ticket.id, "resident_message", now - timedelta(seconds=FLOOD_WINDOW_SECONDS)
    )
    if recent <= FLOOD_RELAYS:
        line = escape(text)
    else:
        # Past a generous pace the group sees that words arrived, not all of them: every word
        # is on the ticket (/ticket shows it), and the staff group stays readable.
        line = t.gettext(MORE_WORDS).format(length=len(text), reference=escape(ticket.reference))
    if recent == FLOOD_RELAYS + 1:
        notice = services.catalogs.translator_for(resident_locale(resident)).gettext(FLOOD_NOTICE)
        await enqueue(session, resident.chat_id, "resident_notice", Screen(escape(notice)), now)
    relays = await enqueue_joined(
        session,
        services.settings.staff_chat_id,
        "resident_message",
        header,
        line,
        now,
        ticket.id,
        meta={"reply_to_card": True},
    )
    await queue_card_refresh(session, services, ticket.id)
    assignee = await get_staff(session, ticket.assignee_id) if ticket.assignee_id else None
    if assignee is not None and assignee.active and assignee.notify_privately and recent == 1:
        # Once per burst of messages: the words themselves are in the group, under the card.
        await tell_privately(session, services, assignee, ticket, RESIDENT_WROTE)
    return relays


OPEN_CASE = N_("Open a case to answer them")


def who_they_are(resident: ResidentDTO, t) -> str:
    """How staff can tell who a resident is: their Telegram id, or that they write on LINE
    (a LINE user id is of no use to staff)."""
    if channel_of(resident.chat_id) == "line":
        return t.gettext(LINE_USER)
    return t.gettext(TELEGRAM_USER).format(user_id=resident.telegram_user_id)


async def alert_staff(
    session: AsyncSession,
    services: Services,
    resident: ResidentDTO,
    flagged: list[TicketDTO],
    drafting: Form | None,
    text: str,
    hit: Hit,
    *,
    out_of_hours: bool,
) -> None:
    """Alerts the staff group at once (outside the digest) that a resident may be in danger,
    and the on-call chat where one is set: what kind, the words, and whether out of hours."""
    settings = services.settings
    chats = [chat for chat in (settings.staff_chat_id, settings.oncall_chat_id) if chat]
    if not chats:
        return
    t = services.catalogs.translator_for(STAFF_LOCALE)
    references = [ticket.reference for ticket in flagged]
    if references:
        head = t.gettext(CRISIS_TICKETS).format(references=escape(", ".join(references)))
    elif drafting is not None:
        head = t.gettext(CRISIS_DRAFT).format(
            service=escape(t.gettext(drafting.title)), who=who_they_are(resident, t)
        )
    else:
        head = t.gettext(CRISIS_NO_TICKET).format(who=who_they_are(resident, t))
    kind = t.gettext(KIND_OF_DANGER).format(
        category=t.gettext(CATEGORY_LABELS[hit.category]), words=f"「{hit.words}」"
    )
    lines = [head, kind, *([t.gettext(OUT_OF_HOURS)] if out_of_hours else [])]
    header = "\n".join([*(escape(line) for line in lines), escape(t.gettext(THEIR_WORDS))])
    # Tied to the resident's request where there is one, so staff can answer by replying; more
    # words from the same resident join an alert that is still waiting instead of a new one.
    # With no request to answer through, a button lets staff open one for the resident.
    rows = () if flagged else ((Button(t.gettext(OPEN_CASE), callbacks.open_case(resident.id)),),)
    for chat in dict.fromkeys(chats):
        await enqueue_joined(
            session,
            chat,
            "crisis_alert",
            header,
            escape(text),
            services.clock(),
            flagged[0].id if flagged else None,
            meta={"resident_id": resident.id},
            rows=rows,
        )
